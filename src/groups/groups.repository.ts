import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

/** Queries on groups (Everybody at least) and their members (user_group, group_member). */
@Injectable()
export class GroupsRepository {
  constructor(private readonly em: EntityManager) {}

  async list(tenantId: TenantId): Promise<{ id: number; name: string; members: number }[]> {
    return sql(
      this.em,
      `select g.id, g.name, count(m.user_id)::int as members from user_group g
       left join group_member m on m.group_id = g.id and m.tenant_id = g.tenant_id
       where g.tenant_id = ? group by g.tenant_id, g.id order by lower(g.name)`,
      [tenantId],
    );
  }

  async find(tenantId: TenantId, id: number): Promise<{ id: number; name: string } | undefined> {
    return sqlOne(this.em, 'select id, name from user_group where tenant_id = ? and id = ?', [tenantId, id]);
  }

  async memberIds(tenantId: TenantId, groupId: number): Promise<number[]> {
    const rows = await sql<{ user_id: number }>(this.em, 'select user_id from group_member where tenant_id = ? and group_id = ?', [tenantId, groupId]);
    return rows.map((r) => r.user_id);
  }

  async groupsOf(tenantId: TenantId, userId: number): Promise<{ id: number; name: string }[]> {
    return sql(
      this.em,
      'select g.id, g.name from group_member m join user_group g on g.tenant_id = m.tenant_id and g.id = m.group_id where m.tenant_id = ? and m.user_id = ? order by g.name',
      [tenantId, userId],
    );
  }

  async insert(em: EntityManager, tenantId: TenantId, name: string): Promise<number> {
    return (await sqlOne<{ id: number }>(em, 'insert into user_group (tenant_id, name) values (?, ?) returning id', [tenantId, name]))!.id;
  }

  /** Adds the user to the group of that name (case-insensitive); nothing when already a member. */
  async join(em: EntityManager, tenantId: TenantId, userId: number, groupName: string): Promise<void> {
    await sql(
      em,
      `insert into group_member (tenant_id, user_id, group_id)
       select ?, ?, g.id from user_group g where g.tenant_id = ? and lower(g.name) = lower(?)
       on conflict do nothing`,
      [tenantId, userId, tenantId, groupName],
    );
  }
}
