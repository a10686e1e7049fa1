import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from './support/test-app.js';

/**
 * The schema can be distributed by tenant_id (Citus) or partitioned by it without change: read from
 * pg_catalog after every migration ran. See docs/scaling.md.
 */
const GLOBAL_TABLES: Record<string, string> = {
  tenant: 'the instances themselves: a reference table on every node',
  login_throttle: 'counts per client address across instances (addr:<ip>), so it cannot belong to one; stays on the coordinator',
  mikro_orm_migrations: 'the migration log of the whole database',
};

interface Key {
  table: string;
  name: string;
  columns: string[];
}

describe('schema ready for a database distributed by tenant_id (pg_catalog)', () => {
  let db: pg.Client;
  let tables: string[];
  const owned = () => tables.filter((t) => !(t in GLOBAL_TABLES));

  beforeAll(async () => {
    db = new pg.Client({ connectionString: await freshDatabase() });
    await db.connect();
    const { rows } = await db.query<{ table: string }>(
      `select c.relname as table from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
    );
    tables = rows.map((r) => r.table);
  });
  afterAll(() => db.end());

  /** Every unique index (primary keys and unique constraints included), its key columns in order; null for an expression. */
  async function uniqueKeys(): Promise<(Key & { primary: boolean })[]> {
    const { rows } = await db.query<Key & { primary: boolean }>(
      `select t.relname as table, i.relname as name, x.indisprimary as primary,
              array(select coalesce(a.attname::text, '(expression)') from generate_series(0, x.indnkeyatts - 1) n
                    left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[n] and x.indkey[n] <> 0 order by n) as columns
       from pg_index x join pg_class t on t.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
       where t.relnamespace = 'public'::regnamespace and x.indisunique`,
    );
    return rows;
  }

  it('knows every table: the global ones are few and named, the rest belong to an instance', () => {
    for (const table of Object.keys(GLOBAL_TABLES)) expect(tables).toContain(table);
    expect(owned()).toEqual(
      expect.arrayContaining([
        'app_user',
        'role',
        'user_role',
        'user_group',
        'group_member',
        'invitation',
        'audit_event',
        'session',
        'user_count',
        'mail_outbox',
        'one_time_link',
      ]),
    );
  });

  it('every tenant-owned table has a not-null tenant_id', async () => {
    const { rows } = await db.query<{ table: string; notnull: boolean }>(
      `select c.relname as table, a.attnotnull as notnull from pg_class c join pg_attribute a on a.attrelid = c.oid
       where c.relnamespace = 'public'::regnamespace and a.attname = 'tenant_id' and not a.attisdropped`,
    );
    const withTenant = new Map(rows.map((r) => [r.table, r.notnull]));
    for (const table of owned()) expect({ table, tenantId: withTenant.get(table) }).toEqual({ table, tenantId: true });
  });

  it("every tenant-owned table's primary key and unique constraints start with tenant_id", async () => {
    const keys = (await uniqueKeys()).filter((k) => owned().includes(k.table));
    const primaries = new Set(keys.filter((k) => k.primary).map((k) => k.table));
    for (const table of owned()) expect({ table, primaryKey: primaries.has(table) }).toEqual({ table, primaryKey: true });
    for (const key of keys) expect({ index: key.name, first: key.columns[0] }).toEqual({ index: key.name, first: 'tenant_id' });
    // The check itself sees expression indexes too: the case-insensitive login is unique per instance.
    expect(keys.find((k) => k.name === 'app_user_tenant_login_uq')?.columns).toEqual(['tenant_id', '(expression)']);
  });

  it('every foreign key between tenant-owned tables includes tenant_id on both sides; others point only at tenant', async () => {
    const { rows } = await db.query<{ name: string; from: string; to: string; pairs: string[] }>(
      `select c.conname as name, f.relname as from, t.relname as to,
              array(select fa.attname::text || '=' || ta.attname::text from unnest(c.conkey, c.confkey) k(fk, pk)
                    join pg_attribute fa on fa.attrelid = c.conrelid and fa.attnum = k.fk
                    join pg_attribute ta on ta.attrelid = c.confrelid and ta.attnum = k.pk) as pairs
       from pg_constraint c join pg_class f on f.oid = c.conrelid join pg_class t on t.oid = c.confrelid
       where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
    );
    const between = rows.filter((r) => owned().includes(r.from) && owned().includes(r.to));
    expect(between.length).toBeGreaterThanOrEqual(7);
    for (const fk of between) expect({ fk: fk.name, tenant: fk.pairs.includes('tenant_id=tenant_id') }).toEqual({ fk: fk.name, tenant: true });
    for (const fk of rows.filter((r) => owned().includes(r.from) && !owned().includes(r.to))) {
      expect({ fk: fk.name, to: fk.to, pairs: fk.pairs }).toEqual({ fk: fk.name, to: 'tenant', pairs: ['tenant_id=id'] });
    }
  });

  it('search and paging have their extensions and indexes', async () => {
    const { rows } = await db.query<{ extname: string }>(`select extname from pg_extension`);
    expect(rows.map((r) => r.extname)).toEqual(expect.arrayContaining(['pg_trgm']));
    const indexes = await db.query<{ indexname: string; indexdef: string }>(`select indexname, indexdef from pg_indexes where tablename = 'app_user'`);
    const def = (name: string) => indexes.rows.find((r) => r.indexname === name)?.indexdef ?? '';
    expect(def('app_user_search_idx')).toMatch(/USING gin \(lower\(.*gin_trgm_ops\)/s);
    for (const sort of ['login', 'name', 'email', 'type'])
      expect(def(`app_user_sort_${sort}_idx`)).toMatch(/^CREATE INDEX .* USING btree \(tenant_id, .*, id\)$/);
  });
});
