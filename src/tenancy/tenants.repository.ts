import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from './tenant-id.js';
import { Tenant } from './tenant.entity.js';

type TenantRow = { id: number; name: string; display_name: string; created_at: Date | string; default_language?: string | null; time_zone?: string | null };

/** A tenant with the settings every page needs (its language and time zone), in one statement. */
const SELECT = `select t.id, t.name, t.display_name, t.created_at, s.default_language, s.time_zone
  from tenant t left join tenant_settings s on s.tenant_id = t.id`;

function toTenant(row: TenantRow): Tenant {
  return Object.assign(new Tenant(), {
    id: tenantIdFromDatabase(row.id),
    name: row.name,
    displayName: row.display_name,
    createdAt: asDate(row.created_at)!,
    defaultLanguage: row.default_language ?? 'en',
    timeZone: row.time_zone ?? 'UTC',
  });
}

/** Queries on tenant: the instances. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly em: EntityManager) {}

  async findByName(name: string): Promise<Tenant | undefined> {
    const row = await sqlOne<TenantRow>(this.em, `${SELECT} where t.name = ?`, [name]);
    return row && toTenant(row);
  }

  async findById(id: TenantId): Promise<Tenant | undefined> {
    const row = await sqlOne<TenantRow>(this.em, `${SELECT} where t.id = ?`, [id]);
    return row && toTenant(row);
  }

  /** Undefined when the name is taken. */
  async insert(em: EntityManager, name: string, displayName: string): Promise<TenantId | undefined> {
    const row = await sqlOne<{ id: number }>(em, 'insert into tenant (name, display_name) values (?, ?) on conflict (name) do nothing returning id', [
      name,
      displayName,
    ]);
    return row && tenantIdFromDatabase(row.id);
  }

  async list(): Promise<Tenant[]> {
    return (await sql<TenantRow>(this.em, `${SELECT} order by t.name`)).map(toTenant);
  }

  async isEmpty(): Promise<boolean> {
    return !(await sqlOne(this.em, 'select 1 from tenant limit 1'));
  }
}
