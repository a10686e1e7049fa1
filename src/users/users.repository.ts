import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

/** Advisory lock class (with the tenant id) serialising changes that could remove the last Security user. */
const SECURITY_USERS_LOCK = 727_002;

export type UserStatus = 'active' | 'deactivated';

/** Status of a user as the counts (user_count) know it. */
const ACTIVE: UserStatus = 'active';
export const DEACTIVATED: UserStatus = 'deactivated';

/** What the user form saves. */
export type UserFields = { login: string; name: string; email: string | null; userType: string; language: string | null };
export type NewUser = { login: string; name: string; email: string | null; userType: string; passwordHash?: string | null; language?: string | null };

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  language: string | null;
  version: number;
  deactivated: boolean;
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
  deactivated: boolean;
  /** `en`, `de`, `bg`; null: the instance's default. */
  language: string | null;
}

/** What UserContact reads of a row. */
const CONTACT = 'id, login, name, email, user_type, deactivated_at is not null as deactivated, language';

/** Queries on users (app_user). Every method takes the tenant first; writes take the caller's transaction. */
@Injectable()
export class UsersRepository {
  constructor(private readonly em: EntityManager) {}

  async findForLogin(
    tenantId: TenantId,
    login: string,
  ): Promise<{ id: number; login: string; user_type: string; password_hash: string | null; deactivated: boolean } | undefined> {
    return sqlOne(
      this.em,
      'select id, login, user_type, password_hash, deactivated_at is not null as deactivated from app_user where tenant_id = ? and lower(login) = lower(?)',
      [tenantId, login],
    );
  }

  /** A successful login: the one before it becomes the previous login (My account shows it). */
  async recordLogin(tenantId: TenantId, id: number): Promise<void> {
    await sql(this.em, 'update app_user set previous_login_at = last_login_at, last_login_at = now() where tenant_id = ? and id = ?', [tenantId, id]);
  }

  /** What My account shows besides the session user. */
  async accountOf(tenantId: TenantId, id: number): Promise<{ email: string | null; previous_login_at: Date | null; last_login_at: Date | null } | undefined> {
    const row = await sqlOne<{ email: string | null; previous_login_at: Date | null; last_login_at: Date | null }>(
      this.em,
      'select email, previous_login_at, last_login_at from app_user where tenant_id = ? and id = ?',
      [tenantId, id],
    );
    return row && { ...row, previous_login_at: asDate(row.previous_login_at), last_login_at: asDate(row.last_login_at) };
  }

  /** Deactivates (true) or reactivates (false); undefined when the user was already so. */
  async setDeactivated(tenantId: TenantId, id: number, deactivated: boolean, em: EntityManager = this.em): Promise<{ id: number } | undefined> {
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
  async countSecurityUsers(tenantId: TenantId, em: EntityManager): Promise<number> {
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

  /**
   * Creates users and counts them (user_count) in the caller's transaction: the one way users come
   * into being (the user form, a new instance's administrator, an import), so the count stays exact.
   */
  async create(tenantId: TenantId, users: NewUser[], em: EntityManager = this.em): Promise<number[]> {
    if (users.length === 0) return [];
    const rows = await sql<{ id: number }>(
      em,
      `with added as (
         insert into app_user (tenant_id, login, name, email, user_type, password_hash, language)
         select ?, n.v ->> 'login', n.v ->> 'name', n.v ->> 'email', n.v ->> 'userType', n.v ->> 'passwordHash', nullif(n.v ->> 'language', '')
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

  async findById(tenantId: TenantId, id: number): Promise<UserRecord | undefined> {
    const row = await sqlOne<UserRecord>(
      this.em,
      `select u.id, u.login, u.name, u.email, u.user_type, u.language, u.version, u.deactivated_at is not null as deactivated, u.invitation_requested_at,
              coalesce(array_agg(ur.role_id order by r.name) filter (where ur.role_id is not null), '{}') as role_ids
       from app_user u
       left join user_role ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
       left join role r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
       where u.tenant_id = ? and u.id = ?
       group by u.tenant_id, u.id`,
      [tenantId, id],
    );
    return row && { ...row, invitation_requested_at: asDate(row.invitation_requested_at) };
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
      `select ${CONTACT} from app_user
       where tenant_id = ? and (lower(login) = lower(?) or lower(email) = lower(?)) and email is not null
         and user_type in ('Internal', 'External') and deactivated_at is null
       limit 2`,
      [tenantId, loginOrEmail, loginOrEmail],
    );
    return rows.length === 1 ? rows[0] : rows.find((r) => r.login.toLowerCase() === loginOrEmail.toLowerCase());
  }

  async findContact(tenantId: TenantId, id: number): Promise<UserContact | undefined> {
    return sqlOne<UserContact>(this.em, `select ${CONTACT} from app_user where tenant_id = ? and id = ?`, [tenantId, id]);
  }

  async loginTaken(tenantId: TenantId, login: string, exceptId?: number): Promise<boolean> {
    return !!(await sqlOne(this.em, 'select 1 from app_user where tenant_id = ? and lower(login) = lower(?) and id <> ?', [tenantId, login, exceptId ?? 0]));
  }

  /** Locks the user's row for the rest of the transaction. */
  async lock(em: EntityManager, tenantId: TenantId, id: number): Promise<boolean> {
    return !!(await sqlOne(em, 'select id from app_user where tenant_id = ? and id = ? for update', [tenantId, id]));
  }

  /** One user, counted: see create. */
  async insert(em: EntityManager, tenantId: TenantId, user: NewUser): Promise<number> {
    const [id] = await this.create(tenantId, [user], em);
    return id;
  }

  /** Undefined when the stored version is no longer `version` (someone else saved first). */
  async update(em: EntityManager, tenantId: TenantId, id: number, version: number, user: UserFields): Promise<number | undefined> {
    const row = await sqlOne<{ id: number }>(
      em,
      `update app_user set login = ?, name = ?, email = ?, user_type = ?, language = ?, version = version + 1, updated_at = now()
       where tenant_id = ? and id = ? and version = ? returning id`,
      [user.login, user.name, user.email, user.userType, user.language, tenantId, id, version],
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

  async setPassword(tenantId: TenantId, id: number, passwordHash: string, em: EntityManager = this.em): Promise<void> {
    await sql(em, 'update app_user set password_hash = ?, updated_at = now() where tenant_id = ? and id = ?', [passwordHash, tenantId, id]);
  }

  /** The user's own language (My account); null: the instance's default. */
  async setLanguage(tenantId: TenantId, id: number, language: string | null, em: EntityManager = this.em): Promise<void> {
    await sql(em, 'update app_user set language = ?, updated_at = now() where tenant_id = ? and id = ?', [language, tenantId, id]);
  }
}
