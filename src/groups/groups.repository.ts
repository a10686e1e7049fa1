import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';

/** Queries on groups (Everybody at least) and their members. */
@Injectable()
export class GroupsRepository {
  constructor(private readonly em: EntityManager) {}

  async list(tenantId: number): Promise<{ id: number; name: string; members: number }[]> {
    return sql(
      this.em,
      `select g.id, g.name, count(m.user_id)::int as members from user_group g
       left join group_member m on m.group_id = g.id and m.tenant_id = g.tenant_id
       where g.tenant_id = ? group by g.tenant_id, g.id order by lower(g.name)`,
      [tenantId],
    );
  }

  async find(tenantId: number, id: number): Promise<{ id: number; name: string } | undefined> {
    return sqlOne(this.em, 'select id, name from user_group where tenant_id = ? and id = ?', [tenantId, id]);
  }

  async members(tenantId: number, groupId: number): Promise<{ id: number; login: string; name: string; user_type: string }[]> {
    return sql(
      this.em,
      `select u.id, u.login, u.name, u.user_type from group_member m join app_user u on u.id = m.user_id
       where m.tenant_id = ? and m.group_id = ? order by lower(u.login)`,
      [tenantId, groupId],
    );
  }
}
