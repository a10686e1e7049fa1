import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../tenancy/tenant-id.js';
import { indexedPart, type TrigramShares } from './search-part.js';
import { DEACTIVATED, type UserContact, type UserStatus } from './users.repository.js';

/**
 * A search counts its matches up to this many ("of more than 500" beyond): counting reads the rows,
 * so the cap is what keeps a broad search in a large instance as quick as in a small one.
 */
export const SEARCH_COUNT_CAP = 500;

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
  /** Only active or only deactivated users (user_count has the count of each). */
  status?: UserStatus;
  sort: UserSort;
  dir: 'asc' | 'desc';
  at: PageAt;
  pageSize: number;
}

/** A row of the users list: the user's contact fields, the key it is sorted by, and whether they asked for an invitation. */
export interface UserListRow extends UserContact {
  sort_key: string;
  invitation_requested_at: Date | null;
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

/** A list row with its sort key (for the page's cursors). */
function rowSelect(key: string): string {
  return `select u.id, u.login, u.name, u.email, u.user_type, u.deactivated_at is not null as deactivated, ${key} as sort_key, u.invitation_requested_at
         from app_user u`;
}

/**
 * Up to this many users, a search reads the instance's own rows in sort order (a few milliseconds)
 * instead of the trigram index, whose posting lists hold the matches of every instance in the
 * database: with one instance of 1,000,000 users beside it, a small instance's search through the
 * index took 30-70 ms, through its own rows under 1 ms.
 */
const SCAN_INSTANCE_MAX = 20_000;

/** About this many rows are sampled for the trigram shares, at most every 10 minutes per process. */
const SAMPLE_ROWS = 5_000;
const SAMPLE_EVERY_MS = 10 * 60_000;
/** Trigrams in fewer rows than this share are not kept: search-part.ts takes them as rare. */
const FREQUENT_SHARE = 0.005;

/** The users navigator's reads: keyset pages, search and counts (the writes that keep user_count are UsersRepository's). */
@Injectable()
export class UserListRepository {
  /** Users per instance as last seen (only to choose how to search: a stale size costs time, never correctness). */
  private readonly sizes = new Map<TenantId, number>();
  /** Share of rows holding each frequent trigram of the search text (search-part.ts), from a sample. */
  private shares: TrigramShares = new Map();
  private sampledAt = 0;
  private sampling?: Promise<unknown>;

  constructor(private readonly em: EntityManager) {}

  /** The trigram shares as last sampled; a stale sample is renewed in the background, never on the request's time. */
  private trigramShares(): TrigramShares {
    if (!this.sampling && Date.now() - this.sampledAt > SAMPLE_EVERY_MS) {
      this.sampling = this.sampleTrigramShares()
        .catch(() => undefined) // no sample: the whole term is looked up, as without one
        .finally(() => (this.sampling = undefined));
    }
    return this.shares;
  }

  /**
   * Samples about SAMPLE_ROWS rows of every instance (whole pages, `tablesample system`) and keeps the
   * share of rows that hold each frequent trigram of the indexed search text. The GIN index's posting
   * lists span all instances, so one sample of the table describes them.
   */
  async sampleTrigramShares(): Promise<TrigramShares> {
    this.sampledAt = Date.now();
    const total = (await sqlOne<{ n: number }>(this.em, 'select coalesce(sum(users), 0)::int as n from user_count'))?.n ?? 0;
    const percent = Math.min(100, (SAMPLE_ROWS * 100) / Math.max(1, total)).toFixed(4);
    const rows = await sql<{ trigram: string; share: number }>(
      this.em,
      `with s as (select show_trgm(${SEARCH_TEXT}) as t from app_user u tablesample system (${percent})), n as (select count(*)::float8 as n from s)
       select g.trigram, g.rows / n.n as share from (select unnest(t) as trigram, count(*) as rows from s group by 1) g, n where g.rows >= ? * n.n`,
      [FREQUENT_SHARE],
    );
    this.shares = new Map(rows.map((r) => [r.trigram, Number(r.share)]));
    return this.shares;
  }

  /**
   * One page of the users navigator in one statement: keyset paging on the sort's index (no OFFSET,
   * stable while users are added), the count from user_count (exact, constant time) or, for a
   * search, the matches counted up to SEARCH_COUNT_CAP + 1, and the latest invitation per row.
   */
  async page(tenantId: TenantId, query: UserPageQuery): Promise<UserPage> {
    const key = SORT_KEYS[query.sort];
    const search = query.search?.toLowerCase();
    // A small instance reads its own rows (null); a large one asks the trigram index for the term's cheapest part.
    const small = (this.sizes.get(tenantId) ?? Infinity) <= SCAN_INSTANCE_MAX;
    const filter = searchFilter(tenantId, search, small || !search ? null : indexedPart(search, this.trigramShares()));
    const statusFilter = query.status ? ` and u.deactivated_at is ${query.status === DEACTIVATED ? 'not null' : 'null'}` : '';
    const where = filter.where + statusFilter;
    const params = filter.params;
    const at = query.at;
    // Fetching backwards (Previous, Last) walks the index the other way; the rows are turned round below.
    const backwards = 'before' in at || 'last' in at;
    const descending = (query.dir === 'desc') !== backwards;
    const cursor = 'after' in at ? at.after : 'before' in at ? at.before : undefined;
    const way = descending ? 'desc' : 'asc';
    const order = `${key} ${way}, u.id ${way}`;
    const size = 'select coalesce(sum(users), 0) from user_count where tenant_id = ?';
    let sql: string;
    let args: unknown[];
    if (!search) {
      const keyset = cursor ? ` and (${key}, u.id) ${descending ? '<' : '>'} (?, ?)` : '';
      // The count of the status asked for, or of all users (then the same sum as the size), from user_count.
      const counted = query.status ? `, (select (${size} and status = ?)::int as n) t` : '';
      sql = `select c.n as size, ${query.status ? 't' : 'c'}.n as total, '[]'::json as exact, coalesce((select json_agg(p) from (
         ${rowSelect(key)} where ${where}${keyset} order by ${order} limit ?) p), '[]') as rows
        from (select (${size})::int as n) c${counted}`;
      args = [...params, ...(cursor ? [cursor.key, cursor.id] : []), query.pageSize + 1, tenantId, ...(query.status ? [tenantId, query.status] : [])];
    } else {
      // The matches in this page's order, up to the cap, found once: they are the count, and the
      // first or last page is read from them. Ordered by the sort's key, a broad term walks that
      // index until the cap and a rare one comes from the trigram index (the planner's choice).
      const page = cursor
        ? { where: `${where} and (${key}, u.id) ${descending ? '<' : '>'} (?, ?)`, params: [...params, cursor.key, cursor.id] }
        : { where: `u.tenant_id = ? and u.id in (select id from m order by k ${way}, id ${way} limit ?)`, params: [tenantId, query.pageSize + 1] };
      sql = `with m as materialized (select u.id, ${key} as k from app_user u where ${where} order by ${order} limit ${SEARCH_COUNT_CAP + 1})
        select (${size})::int as size, (select count(*) from m)::int as total,
          (select json_agg(x) from (${rowSelect(key)} where u.tenant_id = ? and lower(u.login) = ?${statusFilter}) x) as exact,
          coalesce((select json_agg(p) from (${rowSelect(key)} where ${page.where} order by ${order} limit ?) p), '[]') as rows`;
      args = [...params, tenantId, tenantId, search, ...page.params, query.pageSize + 1];
    }
    const result = (await sqlOne<{ size: number; total: number; rows: UserListRow[]; exact: UserListRow[] | null }>(this.em, sql, args))!;
    if (this.sizes.size > 10_000) this.sizes.clear();
    this.sizes.set(tenantId, result.size);
    const { total, exact: exactRows } = result;
    let rows = result.rows;
    const beyond = rows.length > query.pageSize;
    if (beyond) rows = rows.slice(0, query.pageSize);
    if (backwards) rows.reverse();
    for (const row of [...rows, ...(exactRows ?? [])]) row.invitation_requested_at = asDate(row.invitation_requested_at);
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

  /** Users of an instance per status, as counted. */
  async counts(tenantId: TenantId): Promise<Record<string, number>> {
    const rows = await sql<{ status: string; users: string }>(this.em, 'select status, users from user_count where tenant_id = ?', [tenantId]);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.users)]));
  }

  /** Users per instance (the command line's list). */
  async countPerTenant(): Promise<Map<TenantId, number>> {
    const rows = await sql<{ tenant_id: number; n: number }>(this.em, 'select tenant_id, sum(users)::int as n from user_count group by tenant_id');
    return new Map(rows.map((r) => [tenantIdFromDatabase(r.tenant_id), r.n]));
  }
}

/**
 * Which users a search matches, the exact login left out (it is shown apart, first). Any part of
 * login, name or email through the trigram index, or, in a small instance, by reading its rows (the
 * same test, in a form that index cannot serve); a term of one or two characters has no trigram, so
 * it matches the start of a login or name through their sort indexes.
 */
function searchFilter(tenantId: TenantId, search: string | undefined, indexed: string | null): { where: string; params: unknown[] } {
  if (!search) return { where: 'u.tenant_id = ?', params: [tenantId] };
  if (search.length < MIN_PART_SEARCH) {
    return {
      where: 'u.tenant_id = ? and (lower(u.login) like ? or lower(u.name) like ?) and lower(u.login) <> ?',
      params: [tenantId, likeText(search) + '%', likeText(search) + '%', search],
    };
  }
  if (indexed === null) return { where: `u.tenant_id = ? and strpos(${SEARCH_TEXT}, ?) > 0 and lower(u.login) <> ?`, params: [tenantId, search, search] };
  if (indexed === search)
    return { where: `u.tenant_id = ? and ${SEARCH_TEXT} like ? and lower(u.login) <> ?`, params: [tenantId, `%${likeText(search)}%`, search] };
  // The index finds the rows holding the cheaper part (search-part.ts); the whole term is checked on them.
  return {
    where: `u.tenant_id = ? and ${SEARCH_TEXT} like ? and strpos(${SEARCH_TEXT}, ?) > 0 and lower(u.login) <> ?`,
    params: [tenantId, `%${likeText(indexed)}%`, search, search],
  };
}

/** `%` and `_` as plain characters in a LIKE pattern. */
function likeText(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}
