import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { SessionUser } from './session-user.js';
import { asDate, pgArray, sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../tenancy/tenant-id.js';

export const SEARCH_COUNT_CAP = 1000;

export const SORT_COLUMNS = { login: 'lower(u.login)', name: 'lower(u.name)', email: 'lower(u.email)', type: 'u.user_type' } as const;
export type UserSort = keyof typeof SORT_COLUMNS;

export interface UserListQuery {
  search?: string;
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
  invitation_requested_at: Date | null;
}

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  version: number;
  invitation_requested_at: Date | null;
  role_ids: number[];
}

/** A user's name and address, for mail and the Create Account page. */
export interface UserContact {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
}

/** Queries on users (app_user). Every method takes the tenant first; writes take the caller's transaction. */
@Injectable()
export class UsersRepository {
  constructor(private readonly em: EntityManager) {}

  async findForLogin(tenantId: TenantId, login: string): Promise<{ id: number; login: string; user_type: string; password_hash: string | null } | undefined> {
    return sqlOne(this.em, 'select id, login, user_type, password_hash from app_user where tenant_id = ? and lower(login) = lower(?)', [tenantId, login]);
  }

  /** The user a session stands for, with what their roles allow: one query per request. */
  async findSessionUser(tenantId: TenantId, id: number): Promise<SessionUser | undefined> {
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
    return {
      id: row.id,
      tenantId: tenantIdFromDatabase(row.tenant_id),
      login: row.login,
      name: row.name,
      userType: row.user_type,
      roleCount: row.role_count,
      permissions: row.permissions,
    };
  }

  /** One page of the users navigator: plain rows and the count in one round trip. */
  async page(tenantId: TenantId, query: UserListQuery): Promise<{ rows: UserListRow[]; total: number; more: boolean }> {
    const params: unknown[] = [tenantId];
    let where = 'u.tenant_id = ?';
    if (query.search) {
      const like = '%' + query.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      where += ' and (lower(u.login) like ? or lower(u.name) like ? or lower(u.email) like ?)';
      params.push(like, like, like);
    }
    const order = `${SORT_COLUMNS[query.sort]} ${query.dir === 'desc' ? 'desc' : 'asc'}, u.id ${query.dir === 'desc' ? 'desc' : 'asc'}`;
    // One round trip: the page as JSON and the count (a search counts at most SEARCH_COUNT_CAP + 1
    // matches: the exact number of a broad search is not worth a scan).
    const counted = query.search
      ? `select count(*) from (select 1 from app_user u where ${where} limit ${SEARCH_COUNT_CAP + 1}) m`
      : `select count(*) from app_user u where ${where}`;
    const result = await sqlOne<{ total: number; rows: UserListRow[] }>(
      this.em,
      `select (${counted})::int as total, coalesce((select json_agg(p) from (
         select u.id, u.login, u.name, u.email, u.user_type, u.invitation_requested_at
         from app_user u
         where ${where} order by ${order} limit ? offset ?) p), '[]') as rows`,
      [...params, ...params, query.pageSize, (query.page - 1) * query.pageSize],
    );
    const { total, rows } = result!;
    const more = !!query.search && total > SEARCH_COUNT_CAP;
    for (const row of rows) row.invitation_requested_at = asDate(row.invitation_requested_at);
    return { rows, total: more ? SEARCH_COUNT_CAP : total, more };
  }

  async findById(tenantId: TenantId, id: number): Promise<UserRecord | undefined> {
    const row = await sqlOne<UserRecord>(
      this.em,
      `select u.id, u.login, u.name, u.email, u.user_type, u.version, u.invitation_requested_at,
              coalesce(array_agg(ur.role_id order by r.name) filter (where ur.role_id is not null), '{}') as role_ids
       from app_user u
       left join user_role ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
       left join role r on r.id = ur.role_id
       where u.tenant_id = ? and u.id = ?
       group by u.id`,
      [tenantId, id],
    );
    return row && { ...row, invitation_requested_at: asDate(row.invitation_requested_at) };
  }

  /** Users per instance (the command line's list). */
  async countPerTenant(): Promise<Map<TenantId, number>> {
    const rows = await sql<{ tenant_id: number; n: number }>(this.em, 'select tenant_id, count(*)::int as n from app_user group by tenant_id');
    return new Map(rows.map((r) => [tenantIdFromDatabase(r.tenant_id), r.n]));
  }

  /** These users of the instance, by login (the members of a role or group). */
  async listByIds(tenantId: TenantId, ids: number[]): Promise<{ id: number; login: string; name: string; user_type: string }[]> {
    if (!ids.length) return [];
    return sql(this.em, 'select id, login, name, user_type from app_user where tenant_id = ? and id = any(?::int[]) order by lower(login)', [
      tenantId,
      pgArray(ids),
    ]);
  }

  /**
   * The user a "Forgot password" request names by login or email (case-insensitive), if it may get
   * a reset mail: able to log in and with an address. An email shared by several users names none.
   */
  async findForReset(tenantId: TenantId, loginOrEmail: string): Promise<UserContact | undefined> {
    const rows = await sql<UserContact>(
      this.em,
      `select id, login, name, email, user_type from app_user
       where tenant_id = ? and (lower(login) = lower(?) or lower(email) = lower(?)) and email is not null
         and user_type in ('Internal', 'External') and deactivated_at is null
       limit 2`,
      [tenantId, loginOrEmail, loginOrEmail],
    );
    return rows.length === 1 ? rows[0] : rows.find((r) => r.login.toLowerCase() === loginOrEmail.toLowerCase());
  }

  async isDeactivated(tenantId: TenantId, id: number): Promise<boolean> {
    return !!(await sqlOne(this.em, 'select 1 from app_user where tenant_id = ? and id = ? and deactivated_at is not null', [tenantId, id]));
  }

  /** A new password hash for a user (password reset, change of password), in the caller's transaction. */
  async setPassword(em: EntityManager, tenantId: TenantId, id: number, passwordHash: string): Promise<void> {
    await sql(em, 'update app_user set password_hash = ?, updated_at = now() where tenant_id = ? and id = ?', [passwordHash, tenantId, id]);
  }

  async findContact(tenantId: TenantId, id: number): Promise<UserContact | undefined> {
    return sqlOne<UserContact>(this.em, 'select id, login, name, email, user_type from app_user where tenant_id = ? and id = ?', [tenantId, id]);
  }

  async loginTaken(tenantId: TenantId, login: string, exceptId?: number): Promise<boolean> {
    return !!(await sqlOne(this.em, 'select 1 from app_user where tenant_id = ? and lower(login) = lower(?) and id <> ?', [tenantId, login, exceptId ?? 0]));
  }

  /** Locks the user's row for the rest of the transaction. */
  async lock(em: EntityManager, tenantId: TenantId, id: number): Promise<boolean> {
    return !!(await sqlOne(em, 'select id from app_user where tenant_id = ? and id = ? for update', [tenantId, id]));
  }

  async insert(
    em: EntityManager,
    tenantId: TenantId,
    user: { login: string; name: string; email: string | null; userType: string; passwordHash?: string | null },
  ): Promise<number> {
    const row = await sqlOne<{ id: number }>(
      em,
      'insert into app_user (tenant_id, login, name, email, user_type, password_hash) values (?, ?, ?, ?, ?, ?) returning id',
      [tenantId, user.login, user.name, user.email, user.userType, user.passwordHash ?? null],
    );
    return row!.id;
  }

  /** Undefined when the stored version is no longer `version` (someone else saved first). */
  async update(
    em: EntityManager,
    tenantId: TenantId,
    id: number,
    version: number,
    user: { login: string; name: string; email: string | null; userType: string },
  ): Promise<number | undefined> {
    const row = await sqlOne<{ id: number }>(
      em,
      `update app_user set login = ?, name = ?, email = ?, user_type = ?, version = version + 1, updated_at = now()
       where tenant_id = ? and id = ? and version = ? returning id`,
      [user.login, user.name, user.email, user.userType, tenantId, id, version],
    );
    return row?.id;
  }

  /** Sets the password and turns each type of `types` into the type it maps to. */
  async activate(
    em: EntityManager,
    tenantId: TenantId,
    id: number,
    passwordHash: string,
    types: [string, string][],
  ): Promise<{ login: string; user_type: string }> {
    const cases = types.map(() => 'when ? then ?').join(' ');
    const row = await sqlOne<{ login: string; user_type: string }>(
      em,
      `update app_user set password_hash = ?, user_type = case user_type ${cases} else user_type end,
              invitation_requested_at = null, version = version + 1, updated_at = now()
       where tenant_id = ? and id = ? returning login, user_type`,
      [passwordHash, ...types.flat(), tenantId, id],
    );
    return row!;
  }

  /** The person asked for a new invitation from a dead link. */
  async markInvitationRequested(em: EntityManager, tenantId: TenantId, id: number): Promise<void> {
    await sql(em, 'update app_user set invitation_requested_at = now() where tenant_id = ? and id = ?', [tenantId, id]);
  }

  async clearInvitationRequested(em: EntityManager, tenantId: TenantId, ids: number[]): Promise<void> {
    await sql(em, 'update app_user set invitation_requested_at = null where tenant_id = ? and id = any(?::int[]) and invitation_requested_at is not null', [
      tenantId,
      pgArray(ids),
    ]);
  }
}
