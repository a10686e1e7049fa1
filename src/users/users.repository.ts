import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { SessionUser } from '../common/request-context.js';
import { sql, sqlOne } from '../database/sql.js';

/** Queries on users. Every method takes the tenant first. */
@Injectable()
export class UsersRepository {
  constructor(private readonly em: EntityManager) {}

  async findForLogin(tenantId: number, login: string): Promise<{ id: number; login: string; user_type: string; password_hash: string | null } | undefined> {
    return sqlOne(this.em, 'select id, login, user_type, password_hash from app_user where tenant_id = ? and lower(login) = lower(?)', [tenantId, login]);
  }

  /** The user a session stands for, with what their roles allow: one query per request. */
  async findSessionUser(tenantId: number, id: number): Promise<SessionUser | undefined> {
    const row = await sqlOne<{ id: number; tenant_id: number; login: string; name: string; user_type: string; role_count: number; permissions: string[] }>(
      this.em,
      `select u.id, u.tenant_id, u.login, u.name, u.user_type,
              count(distinct r.id)::int as role_count,
              coalesce(array_agg(distinct p) filter (where p is not null), '{}') as permissions
       from app_user u
       left join user_role ur on ur.user_id = u.id and ur.tenant_id = u.tenant_id
       left join role r on r.id = ur.role_id
       left join lateral unnest(r.permissions) p on true
       where u.tenant_id = ? and u.id = ?
       group by u.id`,
      [tenantId, id],
    );
    if (!row) return undefined;
    return { id: row.id, tenantId: row.tenant_id, login: row.login, name: row.name, userType: row.user_type, roleCount: row.role_count, permissions: row.permissions };
  }

  async setPassword(tenantId: number, id: number, passwordHash: string, em: EntityManager = this.em): Promise<void> {
    await sql(em, 'update app_user set password_hash = ?, updated_at = now() where tenant_id = ? and id = ?', [passwordHash, tenantId, id]);
  }
}
