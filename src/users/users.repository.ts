import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { SessionUser } from '../common/request-context.js';
import { sql, sqlOne } from '../database/sql.js';

/** Advisory lock class (with the tenant id) serialising changes that could remove the last Security user. */
const SECURITY_USERS_LOCK = 727_002;

export type UserStatus = 'active' | 'deactivated';

/** Status of a user as the counts (user_count) know it. */
export const ACTIVE: UserStatus = 'active';
export const DEACTIVATED: UserStatus = 'deactivated';

export interface NewUser {
  login: string;
  name: string;
  email: string | null;
  userType: string;
  passwordHash?: string | null;
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
    // The user moves between statuses in user_count in the same statement (nothing moves when they already were so).
    const [from, to] = deactivated ? [ACTIVE, DEACTIVATED] : [DEACTIVATED, ACTIVE];
    return sqlOne(
      em,
      `with changed as (
         update app_user set deactivated_at = ${deactivated ? 'now()' : 'null'}, version = version + 1, updated_at = now()
         where tenant_id = ? and id = ? and deactivated_at is ${deactivated ? 'null' : 'not null'} returning id),
       counted as (
         insert into user_count (tenant_id, status, users)
         select ?, s.status, s.delta * (select count(*) from changed) from (values (?::varchar, -1), (?::varchar, 1)) s(status, delta)
         on conflict (tenant_id, status) do update set users = user_count.users + excluded.users)
       select id from changed`,
      [tenantId, id, tenantId, from, to],
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
       group by u.tenant_id, u.id`,
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

  /**
   * Creates users and counts them (user_count) in the caller's transaction: the one way users come
   * into being (the user form, a new instance's administrator, an import), so the count stays exact.
   */
  async create(tenantId: number, users: NewUser[], em: EntityManager = this.em): Promise<number[]> {
    if (users.length === 0) return [];
    const rows = await sql<{ id: number }>(
      em,
      `with added as (
         insert into app_user (tenant_id, login, name, email, user_type, password_hash)
         select ?, n.v ->> 'login', n.v ->> 'name', n.v ->> 'email', n.v ->> 'userType', n.v ->> 'passwordHash'
         from jsonb_array_elements(?::jsonb) with ordinality as n(v, i)
         order by n.i returning id),
       counted as (
         insert into user_count (tenant_id, status, users) select ?, ?, count(*) from added
         on conflict (tenant_id, status) do update set users = user_count.users + excluded.users)
       select id from added order by id`,
      [tenantId, JSON.stringify(users), tenantId, ACTIVE],
    );
    return rows.map((r) => r.id);
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
       group by u.tenant_id, u.id`,
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
