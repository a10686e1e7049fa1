import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export interface RoleRow {
  id: number;
  name: string;
  permissions: string[];
  members: number;
}

/** Queries on roles and who holds them (role, user_role). Every method takes the tenant first. */
@Injectable()
export class RolesRepository {
  constructor(private readonly em: EntityManager) {}

  async list(tenantId: TenantId): Promise<RoleRow[]> {
    return sql<RoleRow>(
      this.em,
      `select r.id, r.name, r.permissions, count(ur.user_id)::int as members
       from role r left join user_role ur on ur.role_id = r.id and ur.tenant_id = r.tenant_id
       where r.tenant_id = ? group by r.tenant_id, r.id order by lower(r.name)`,
      [tenantId],
    );
  }

  async options(tenantId: TenantId): Promise<{ id: number; name: string }[]> {
    return sql(this.em, 'select id, name from role where tenant_id = ? order by lower(name)', [tenantId]);
  }

  async find(tenantId: TenantId, id: number): Promise<RoleRow | undefined> {
    return sqlOne<RoleRow>(
      this.em,
      `select r.id, r.name, r.permissions, (select count(*)::int from user_role ur where ur.role_id = r.id and ur.tenant_id = r.tenant_id) as members
       from role r where r.tenant_id = ? and r.id = ?`,
      [tenantId, id],
    );
  }

  /** Ids of the users holding the role (roles know no users: Security shows them through Users). */
  async memberIds(tenantId: TenantId, roleId: number): Promise<number[]> {
    const rows = await sql<{ user_id: number }>(this.em, 'select user_id from user_role where tenant_id = ? and role_id = ?', [tenantId, roleId]);
    return rows.map((r) => r.user_id);
  }

  async create(tenantId: TenantId, name: string): Promise<number> {
    return (await sqlOne<{ id: number }>(this.em, 'insert into role (tenant_id, name) values (?, ?) returning id', [tenantId, name]))!.id;
  }

  async rename(tenantId: TenantId, id: number, name: string): Promise<boolean> {
    return (await sql(this.em, 'update role set name = ? where tenant_id = ? and id = ? returning id', [name, tenantId, id])).length === 1;
  }

  /** Names of the given role ids that belong to this tenant; ids of other tenants are simply absent. */
  async namesOf(tenantId: TenantId, ids: number[], em: EntityManager = this.em): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<{ id: number; name: string }>(em, 'select id, name from role where tenant_id = ? and id = any(?::int[])', [tenantId, pgArray(ids)]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Makes `roleIds` exactly the user's roles, in the caller's transaction. */
  async setRolesOf(em: EntityManager, tenantId: TenantId, userId: number, roleIds: number[]): Promise<void> {
    await sql(em, 'delete from user_role where tenant_id = ? and user_id = ? and not (role_id = any(?::int[]))', [tenantId, userId, pgArray(roleIds)]);
    if (roleIds.length) {
      await sql(em, 'insert into user_role (tenant_id, user_id, role_id) select ?, ?, unnest(?::int[]) on conflict do nothing', [
        tenantId,
        userId,
        pgArray(roleIds),
      ]);
    }
  }

  /** Roles by name and permissions, in the caller's transaction (a new instance's starter roles); returns name -> id. */
  async insertMany(em: EntityManager, tenantId: TenantId, roles: { name: string; permissions: string[] }[]): Promise<Map<string, number>> {
    const rows = await sql<{ id: number; name: string }>(
      em,
      `insert into role (tenant_id, name, permissions) select ?, r.name, r.permissions
       from jsonb_to_recordset(?::jsonb) as r(name text, permissions text[]) returning id, name`,
      [tenantId, JSON.stringify(roles)],
    );
    return new Map(rows.map((r) => [r.name, r.id]));
  }

  /** Roles given to many users at once (Import users): one statement per batch. */
  async grantMany(em: EntityManager, tenantId: TenantId, grants: { userId: number; roleIds: number[] }[]): Promise<void> {
    const rows = grants.filter((g) => g.roleIds.length).map((g) => ({ user_id: g.userId, role_ids: g.roleIds }));
    if (!rows.length) return;
    await sql(
      em,
      `insert into user_role (tenant_id, user_id, role_id)
       select ?, x.user_id, unnest(x.role_ids) from jsonb_to_recordset(?::jsonb) as x(user_id int, role_ids int[]) on conflict do nothing`,
      [tenantId, JSON.stringify(rows)],
    );
  }
}
