import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { InvitationState } from '../invitations/invitation.entity.js';
import { sqlOne } from '../database/sql.js';

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

/** The users navigator's reads: keyset pages, search and counts (the writes that keep user_count are UsersRepository's). */
@Injectable()
export class UserListRepository {
  constructor(private readonly em: EntityManager) {}

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
}
