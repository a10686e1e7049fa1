import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { SessionUser } from '../common/request-context.js';
import type { InvitationState } from '../invitations/invitation.entity.js';
import { sql, sqlOne } from '../database/sql.js';

export const SEARCH_COUNT_CAP = 1000;
/** Advisory lock class (with the tenant id) serialising changes that could remove the last Security user. */
const SECURITY_USERS_LOCK = 727_002;

export const SORT_COLUMNS = { login: 'lower(u.login)', name: 'lower(u.name)', email: 'lower(u.email)', type: 'u.user_type' } as const;
export type UserSort = keyof typeof SORT_COLUMNS;

export type UserStatus = 'active' | 'deactivated';

export interface UserListQuery {
  search?: string;
  status?: UserStatus;
  sort: UserSort;
  dir: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface UserListRow {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  deactivated: boolean;
  invitation_requested_at: string | null;
  invitation_status: InvitationState | null;
  invitation_expires_at: string | null;
  invitation_error: string | null;
}

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  version: number;
  deactivated: boolean;
  invitation_requested_at: Date | null;
  role_ids: number[];
}

/** Queries on users. Every method takes the tenant first. */
@Injectable()
export class UsersRepository {
  constructor(private readonly em: EntityManager) {}

  async findForLogin(
    tenantId: number,
    login: string,
  ): Promise<{ id: number; login: string; user_type: string; password_hash: string | null; deactivated: boolean } | undefined> {
    return sqlOne(
      this.em,
      'select id, login, user_type, password_hash, deactivated_at is not null as deactivated from app_user where tenant_id = ? and lower(login) = lower(?)',
      [tenantId, login],
    );
  }

  /** A successful login: the one before it becomes the previous login (My account shows it). */
  async recordLogin(tenantId: number, id: number): Promise<void> {
    await sql(this.em, 'update app_user set previous_login_at = last_login_at, last_login_at = now() where tenant_id = ? and id = ?', [tenantId, id]);
  }

  /** What My account shows besides the session user. */
  async accountOf(tenantId: number, id: number): Promise<{ email: string | null; previous_login_at: Date | null; last_login_at: Date | null } | undefined> {
    return sqlOne(this.em, 'select email, previous_login_at, last_login_at from app_user where tenant_id = ? and id = ?', [tenantId, id]);
  }

  /** Deactivates (true) or reactivates (false); undefined when the user was already so. */
  async setDeactivated(tenantId: number, id: number, deactivated: boolean, em: EntityManager = this.em): Promise<{ id: number } | undefined> {
    return sqlOne(
      em,
      `update app_user set deactivated_at = ${deactivated ? 'now()' : 'null'}, version = version + 1, updated_at = now()
       where tenant_id = ? and id = ? and deactivated_at is ${deactivated ? 'null' : 'not null'} returning id`,
      [tenantId, id],
    );
  }

  /**
   * Active users who may use the Security module: able to log in, not deactivated, holding a role
   * with the permission. Taken under a per-instance lock (until the transaction ends), so two
   * administrators removing each other at once cannot both pass the "not the last one" check.
   */
  async countSecurityUsers(tenantId: number, em: EntityManager): Promise<number> {
    await sql(em, 'select pg_advisory_xact_lock(?, ?)', [SECURITY_USERS_LOCK, tenantId]);
    const row = await sqlOne<{ n: number }>(
      em,
      `select count(distinct u.id)::int as n from app_user u
       join user_role ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
       join role r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
       where u.tenant_id = ? and u.deactivated_at is null and u.user_type in ('Internal', 'External') and 'security' = any(r.permissions)`,
      [tenantId],
    );
    return row!.n;
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
       where u.tenant_id = ? and u.id = ? and u.deactivated_at is null
       group by u.id`,
      [tenantId, id],
    );
    if (!row) return undefined;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      login: row.login,
      name: row.name,
      userType: row.user_type,
      roleCount: row.role_count,
      permissions: row.permissions,
    };
  }

  /** One page of the users navigator: plain rows, the latest invitation of each joined in the same query. */
  async page(tenantId: number, query: UserListQuery): Promise<{ rows: UserListRow[]; total: number; more: boolean }> {
    const params: unknown[] = [tenantId];
    let where = 'u.tenant_id = ?';
    if (query.search) {
      const like = '%' + query.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      where += ' and (lower(u.login) like ? or lower(u.name) like ? or lower(u.email) like ?)';
      params.push(like, like, like);
    }
    if (query.status) where += ` and u.deactivated_at is ${query.status === 'deactivated' ? 'not null' : 'null'}`;
    const order = `${SORT_COLUMNS[query.sort]} ${query.dir === 'desc' ? 'desc' : 'asc'}, u.id ${query.dir === 'desc' ? 'desc' : 'asc'}`;
    // One round trip: the page as JSON and the count (a search counts at most SEARCH_COUNT_CAP + 1
    // matches: the exact number of a broad search is not worth a scan).
    const counted = query.search
      ? `select count(*) from (select 1 from app_user u where ${where} limit ${SEARCH_COUNT_CAP + 1}) m`
      : `select count(*) from app_user u where ${where}`;
    const result = await sqlOne<{ total: number; rows: UserListRow[] }>(
      this.em,
      `select (${counted})::int as total, coalesce((select json_agg(p) from (
         select u.id, u.login, u.name, u.email, u.user_type, u.deactivated_at is not null as deactivated, u.invitation_requested_at,
                i.status as invitation_status, i.expires_at as invitation_expires_at, i.last_error as invitation_error
         from app_user u
         left join lateral (
           select status, expires_at, last_error from invitation i
           where i.tenant_id = u.tenant_id and i.user_id = u.id order by i.id desc limit 1
         ) i on true
         where ${where} order by ${order} limit ? offset ?) p), '[]') as rows`,
      [...params, ...params, query.pageSize, (query.page - 1) * query.pageSize],
    );
    const { total, rows } = result!;
    const more = !!query.search && total > SEARCH_COUNT_CAP;
    return { rows, total: more ? SEARCH_COUNT_CAP : total, more };
  }

  async findById(tenantId: number, id: number): Promise<UserRecord | undefined> {
    return sqlOne<UserRecord>(
      this.em,
      `select u.id, u.login, u.name, u.email, u.user_type, u.version, u.deactivated_at is not null as deactivated, u.invitation_requested_at,
              coalesce(array_agg(ur.role_id order by r.name) filter (where ur.role_id is not null), '{}') as role_ids
       from app_user u
       left join user_role ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
       left join role r on r.id = ur.role_id
       where u.tenant_id = ? and u.id = ?
       group by u.id`,
      [tenantId, id],
    );
  }

  async groupsOf(tenantId: number, userId: number): Promise<{ id: number; name: string }[]> {
    return sql(
      this.em,
      'select g.id, g.name from group_member m join user_group g on g.id = m.group_id where m.tenant_id = ? and m.user_id = ? order by g.name',
      [tenantId, userId],
    );
  }

  async setPassword(tenantId: number, id: number, passwordHash: string, em: EntityManager = this.em): Promise<void> {
    await sql(em, 'update app_user set password_hash = ?, updated_at = now() where tenant_id = ? and id = ?', [passwordHash, tenantId, id]);
  }
}
