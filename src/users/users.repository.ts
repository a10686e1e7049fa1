import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { SessionUser } from '../common/request-context.js';
import type { InvitationState } from '../invitations/invitation.entity.js';
import { sql, sqlOne } from '../database/sql.js';

export const SEARCH_COUNT_CAP = 1000;

/**
 * The key of each sort, exactly as its index has it (migration 20261130091400: `app_user_sort_*_idx`
 * on (tenant_id, key, id)), so keyset paging walks the index whatever the table's size.
 */
export const SORT_KEYS = { login: 'lower(u.login)', name: 'lower(u.name)', email: "lower(coalesce(u.email, ''))", type: 'u.user_type' } as const;
export type UserSort = keyof typeof SORT_KEYS;

/** The trigram-indexed text a search looks in (`app_user_search_idx`): login, name and email. */
const SEARCH_TEXT = `lower(u.login || E'\\n' || u.name || E'\\n' || coalesce(u.email, ''))`;

/** Shorter search terms match the start of a login or name only (trigrams need three characters). */
export const MIN_PART_SEARCH = 3;

/** Status of a user as the counts know it; every user is active until deactivation exists. */
export const ACTIVE = 'active';

/** A position in a sort: the row's sort key and id (the id breaks ties). */
export interface Cursor {
  key: string;
  id: number;
}

/** Which page: the first, the last, or the one just after / before a row. */
export type PageAt = { first: true } | { last: true } | { after: Cursor } | { before: Cursor };

export interface UserPageQuery {
  search?: string;
  sort: UserSort;
  dir: 'asc' | 'desc';
  at: PageAt;
  pageSize: number;
}

export interface UserListRow {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  sort_key: string;
  invitation_requested_at: string | null;
  invitation_status: InvitationState | null;
  invitation_expires_at: string | null;
  invitation_error: string | null;
}

export interface UserPage {
  /** The page in display order; a search's exact login match, on its first page, comes first. */
  rows: UserListRow[];
  /** Exact number of users (or of matches, counted up to SEARCH_COUNT_CAP). */
  total: number;
  /** A search matched more than SEARCH_COUNT_CAP users. */
  more: boolean;
  hasPrev: boolean;
  hasNext: boolean;
}

export interface NewUser {
  login: string;
  name: string;
  email: string | null;
  userType: string;
  passwordHash?: string | null;
}

/** A list row with its sort key (for the page's cursors) and its latest invitation. */
function rowSelect(key: string): string {
  return `select u.id, u.login, u.name, u.email, u.user_type, ${key} as sort_key, u.invitation_requested_at,
                i.status as invitation_status, i.expires_at as invitation_expires_at, i.last_error as invitation_error
         from app_user u
         left join lateral (
           select status, expires_at, last_error from invitation i
           where i.tenant_id = u.tenant_id and i.user_id = u.id order by i.id desc limit 1
         ) i on true`;
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
   * One page of the users navigator in one statement: keyset paging on the sort's index (no OFFSET,
   * stable while users are added), the count from user_count (exact, constant time) or, for a
   * search, the trigram index counted up to SEARCH_COUNT_CAP + 1, and the latest invitation per row.
   */
  async page(tenantId: number, query: UserPageQuery): Promise<UserPage> {
    const key = SORT_KEYS[query.sort];
    const where: string[] = ['u.tenant_id = ?'];
    const params: unknown[] = [tenantId];
    const search = query.search?.toLowerCase();
    if (search) {
      const escaped = search.replace(/[\\%_]/g, (c) => '\\' + c);
      // Any part, through the trigram index; a term of one or two characters has no trigram, so it
      // matches the start of a login or name through their sort indexes instead of reading them all.
      if (search.length >= MIN_PART_SEARCH) where.push(`${SEARCH_TEXT} like ?`);
      else where.push('(lower(u.login) like ? or lower(u.name) like ?)');
      params.push(...(search.length >= MIN_PART_SEARCH ? ['%' + escaped + '%'] : [escaped + '%', escaped + '%']));
      // The exact login is shown apart (first, on the first page), so the pages never repeat it.
      where.push('lower(u.login) <> ?');
      params.push(search);
    }
    const at = query.at;
    // Fetching backwards (Previous, Last) walks the index the other way; the rows are turned round below.
    const backwards = 'before' in at || 'last' in at;
    const descending = (query.dir === 'desc') !== backwards;
    const cursor = 'after' in at ? at.after : 'before' in at ? at.before : undefined;
    const keyset = cursor ? [`(${key}, u.id) ${descending ? '<' : '>'} (?, ?)`] : [];
    const order = descending ? 'desc' : 'asc';
    const filter = [...where, ...keyset].join(' and ');
    const counted = search
      ? // Ordered by the sort's key: a broad term is counted by walking that index until the cap, a rare one through the trigram index.
        `select count(*) from (select 1 from app_user u where ${where.join(' and ')} order by ${key} limit ${SEARCH_COUNT_CAP + 1}) m`
      : 'select coalesce(sum(users), 0) from user_count where tenant_id = ?';
    const exact = search ? `(select json_agg(x) from (${rowSelect(key)} where u.tenant_id = ? and lower(u.login) = ?) x)` : `'[]'::json`;
    const result = await sqlOne<{ total: number; rows: UserListRow[]; exact: UserListRow[] | null }>(
      this.em,
      `select (${counted})::int as total, ${exact} as exact, coalesce((select json_agg(p) from (
         ${rowSelect(key)} where ${filter} order by ${key} ${order}, u.id ${order} limit ?) p), '[]') as rows`,
      [...(search ? params : [tenantId]), ...(search ? [tenantId, search] : []), ...params, ...(cursor ? [cursor.key, cursor.id] : []), query.pageSize + 1],
    );
    const { total, exact: exactRows } = result!;
    let rows = result!.rows;
    const beyond = rows.length > query.pageSize;
    if (beyond) rows = rows.slice(0, query.pageSize);
    if (backwards) rows.reverse();
    const matched = total + (exactRows?.length ?? 0);
    // Previous that reaches the start is the first page: a search's exact login shows on top there too.
    const atStart = 'first' in at || ('before' in at && !beyond);
    return {
      rows: [...(atStart ? (exactRows ?? []) : []), ...rows],
      total: Math.min(matched, search ? SEARCH_COUNT_CAP : matched),
      more: !!search && matched > SEARCH_COUNT_CAP,
      hasPrev: backwards ? beyond : 'after' in at,
      hasNext: backwards ? 'before' in at : beyond,
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

  /** Moves users between statuses in the counts, in the caller's transaction (e.g. deactivation: active -1, inactive +1). */
  async countStatusChange(tenantId: number, changes: Record<string, number>, em: EntityManager = this.em): Promise<void> {
    await sql(
      em,
      `insert into user_count (tenant_id, status, users) select ?, c.key, c.value::bigint from jsonb_each_text(?::jsonb) c
       on conflict (tenant_id, status) do update set users = user_count.users + excluded.users`,
      [tenantId, JSON.stringify(changes)],
    );
  }

  /** Users of an instance per status, as counted. */
  async counts(tenantId: number): Promise<Record<string, number>> {
    const rows = await sql<{ status: string; users: string }>(this.em, 'select status, users from user_count where tenant_id = ?', [tenantId]);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.users)]));
  }

  async findById(tenantId: number, id: number): Promise<UserRecord | undefined> {
    return sqlOne<UserRecord>(
      this.em,
      `select u.id, u.login, u.name, u.email, u.user_type, u.version, u.invitation_requested_at,
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
