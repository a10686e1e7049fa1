import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sql, sqlOne } from '../database/sql.js';
import { brandOf } from './brand.js';
import { tenantIdFromDatabase, type TenantId } from './tenant-id.js';
import { Tenant } from './tenant.entity.js';

type TenantRow = { id: number; name: string; display_name: string; created_at: Date | string };
type BrandedRow = TenantRow & {
  accent_colour: string | null;
  logo_hash: string | null;
  logo_type: string | null;
  default_language: string | null;
  time_zone: string | null;
};

function toTenant(row: TenantRow): Tenant {
  return Object.assign(new Tenant(), { id: tenantIdFromDatabase(row.id), name: row.name, displayName: row.display_name, createdAt: asDate(row.created_at)! });
}

/** The tenant with its brand (never the logo's bytes), language and time zone, in the one statement of the lookup. */
const BRANDED = `select t.id, t.name, coalesce(s.display_name, t.display_name) as display_name, t.created_at, s.accent_colour, s.logo_hash, s.logo_type,
    s.default_language, s.time_zone
  from tenant t left join tenant_settings s on s.tenant_id = t.id`;

function toBrandedTenant(row: BrandedRow): Tenant {
  return Object.assign(toTenant(row), { brand: brandOf(row), defaultLanguage: row.default_language ?? 'en', timeZone: row.time_zone ?? 'UTC' });
}

/** Queries on tenant: the instances. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly em: EntityManager) {}

  async findByName(name: string): Promise<Tenant | undefined> {
    const row = await sqlOne<BrandedRow>(this.em, `${BRANDED} where t.name = ?`, [name]);
    return row && toBrandedTenant(row);
  }

  async findById(id: TenantId): Promise<Tenant | undefined> {
    const row = await sqlOne<BrandedRow>(this.em, `${BRANDED} where t.id = ?`, [id]);
    return row && toBrandedTenant(row);
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
    return (await sql<TenantRow>(this.em, 'select id, name, display_name, created_at from tenant order by name')).map(toTenant);
  }

  async isEmpty(): Promise<boolean> {
    return !(await sqlOne(this.em, 'select 1 from tenant limit 1'));
  }
}
