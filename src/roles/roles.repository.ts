import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';

export interface RoleRow {
  id: number;
  name: string;
  permissions: string[];
  members: number;
}

/** Queries on roles and who holds them. Every method takes the tenant first. */
@Injectable()
export class RolesRepository {
  constructor(private readonly em: EntityManager) {}

  async list(tenantId: number): Promise<RoleRow[]> {
    return sql<RoleRow>(
      this.em,
      `select r.id, r.name, r.permissions, count(ur.user_id)::int as members
       from role r left join user_role ur on ur.role_id = r.id and ur.tenant_id = r.tenant_id
       where r.tenant_id = ? group by r.tenant_id, r.id order by lower(r.name)`,
      [tenantId],
    );
  }

  async options(tenantId: number): Promise<{ id: number; name: string }[]> {
    return sql(this.em, 'select id, name from role where tenant_id = ? order by lower(name)', [tenantId]);
  }

  async find(tenantId: number, id: number): Promise<RoleRow | undefined> {
    return sqlOne<RoleRow>(
      this.em,
      `select r.id, r.name, r.permissions, (select count(*)::int from user_role ur where ur.role_id = r.id and ur.tenant_id = r.tenant_id) as members
       from role r where r.tenant_id = ? and r.id = ?`,
      [tenantId, id],
    );
  }

  async members(tenantId: number, roleId: number): Promise<{ id: number; login: string; name: string; user_type: string }[]> {
    return sql(
      this.em,
      `select u.id, u.login, u.name, u.user_type from user_role ur join app_user u on u.id = ur.user_id
       where ur.tenant_id = ? and ur.role_id = ? order by lower(u.login)`,
      [tenantId, roleId],
    );
  }

  async create(tenantId: number, name: string): Promise<number> {
    return (await sqlOne<{ id: number }>(this.em, 'insert into role (tenant_id, name) values (?, ?) returning id', [tenantId, name]))!.id;
  }

  async rename(tenantId: number, id: number, name: string): Promise<boolean> {
    return (await sql(this.em, 'update role set name = ? where tenant_id = ? and id = ? returning id', [name, tenantId, id])).length === 1;
  }

  /** Names of the given role ids that belong to this tenant; ids of other tenants are simply absent. */
  async namesOf(tenantId: number, ids: number[], em: EntityManager = this.em): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<{ id: number; name: string }>(em, 'select id, name from role where tenant_id = ? and id = any(?::int[])', [tenantId, pgArray(ids)]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
