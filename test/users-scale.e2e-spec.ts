import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityManager } from '@mikro-orm/postgresql';
import { indexedPart } from '../src/users/search-part.js';
import { UserListRepository } from '../src/users/user-list.repository.js';
import { UsersRepository, type NewUser } from '../src/users/users.repository.js';
import { tenantFactory, unique, userFactory, type TestTenant } from './support/factories.js';
import { csrfOf, login, submitForm, type Agent } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Users at scale: keyset paging, exact counts, search by any part (PRODUCT.md "Users at scale"). */
describe('users list at scale', () => {
  let t: TestApp;
  let acme: TestTenant;
  let admin: Agent;
  let repo: UsersRepository;
  let lists: UserListRepository;

  const NAMES = ['Anna Meyer', 'Ben Johnson', 'Carla Schmidt', 'David Larsen'];
  const TYPES = ['Internal', 'External', 'Invitation Internal (No login)'];
  /** The import path: many users in one statement, counted in the same statement. */
  const importUsers = (tenant: TestTenant, count: number, prefix = unique('p')) =>
    repo.create(
      tenant.id,
      Array.from({ length: count }, (_, i): NewUser => ({
        login: `${prefix}-${i}`,
        // Few distinct names, types and emails: the sorts have long runs of equal keys, which the id must break.
        name: NAMES[i % NAMES.length],
        email: i % 5 === 0 ? null : `${prefix}-${i % 7}@example.com`,
        userType: TYPES[i % TYPES.length],
      })),
    );

  const idsOf = (html: string) => [...html.matchAll(/name="ids" value="(\d+)"/g)].map((m) => Number(m[1]));
  const unescape = (s: string) => s.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  const href = (html: string, rel: 'next' | 'prev') => {
    const m = html.match(new RegExp(`href="([^"]+)" rel="${rel}"`));
    return m ? unescape(m[1]) : undefined;
  };
  const linkTo = (html: string, label: string) => unescape(html.match(new RegExp(`href="([^"]+)">${label}</a>`))![1]);
  const dbCount = async (tenantId: number) => Number((await t.db.query('select count(*) from app_user where tenant_id = $1', [tenantId])).rows[0].count);
  const shownTotal = async (agent: Agent) => {
    const text = (await agent.get('/security/users')).text;
    return Number(text.match(/role="status">[^<]*of (\d+)</)?.[1]);
  };

  beforeAll(async () => {
    t = await createTestApp();
    repo = t.app.get(UsersRepository);
    lists = t.app.get(UserListRepository);
    acme = await tenantFactory(t);
    await importUsers(acme, 420);
    admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  });
  afterAll(() => t.close());

  describe('keyset paging visits every user exactly once while users are added between pages', () => {
    for (const sort of ['login', 'name', 'email', 'type']) {
      for (const dir of ['asc', 'desc']) {
        it(`sort ${sort} ${dir}: Next to the end, then Previous back to the start`, async () => {
          const before = new Set((await t.db.query<{ id: number }>('select id from app_user where tenant_id = $1', [acme.id])).rows.map((r) => r.id));
          const seen: number[] = [];
          let path: string | undefined = `/security/users?sort=${sort}&dir=${dir}`;
          let pages = 0;
          while (path) {
            const res = await admin.get(path);
            expect(res.status).toBe(200);
            seen.push(...idsOf(res.text));
            // Someone adds users while the administrator pages: some sort before this page, some after.
            await importUsers(acme, 3, pages % 2 ? 'aaa' + unique('') : 'zzz' + unique(''));
            path = href(res.text, 'next');
            if (++pages > 40) throw new Error('paging did not end');
          }
          expect(new Set(seen).size).toBe(seen.length);
          for (const id of before) expect(seen).toContain(id);

          // And back: Previous from the last page reaches the first without repeating anyone.
          const back: number[] = [];
          path = `/security/users?sort=${sort}&dir=${dir}&at=last`;
          pages = 0;
          while (path) {
            const res = await admin.get(path);
            expect(res.status).toBe(200);
            back.unshift(...idsOf(res.text));
            path = href(res.text, 'prev');
            if (++pages > 40) throw new Error('paging did not end');
          }
          expect(new Set(back).size).toBe(back.length);
          expect(back.length).toBe(await dbCount(acme.id));
        });
      }
    }
  });

  it('First, Last, and a forged or broken cursor shows the first page, never an error', async () => {
    const first = await admin.get('/security/users');
    const firstIds = idsOf(first.text);
    expect(firstIds).toHaveLength(50);
    expect(first.text).not.toContain('rel="prev"');
    const last = await admin.get(linkTo(first.text, 'Last'));
    expect(last.text).toContain('rel="prev"');
    expect(last.text).not.toContain('rel="next"');
    const total = await dbCount(acme.id);
    expect(last.text).toMatch(new RegExp(`role="status">\\d+–${total} of ${total}<`));
    expect(idsOf((await admin.get(linkTo(last.text, 'First'))).text)).toEqual(firstIds);
    const forged = [
      'not-base64!!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('["x", -1]').toString('base64url'),
      Buffer.from('["x", 1.5]').toString('base64url'),
      Buffer.from('[1, 2]').toString('base64url'),
      Buffer.from(JSON.stringify(['\u0000', 1])).toString('base64url'),
      'x'.repeat(5000),
    ];
    for (const cursor of forged) {
      for (const param of ['after', 'before']) {
        const res = await admin.get(`/security/users?${param}=${encodeURIComponent(cursor)}`);
        expect(res.status).toBe(200);
        expect(idsOf(res.text)).toEqual(firstIds);
      }
    }
    // A well-formed cursor of a key no user has is simply a position in the sort.
    const odd = await admin.get(`/security/users?after=${Buffer.from(JSON.stringify(['m', 2147483647])).toString('base64url')}`);
    expect(odd.status).toBe(200);
    expect(odd.text).toContain('rel="prev"');
  });

  describe('the count is exact and read in constant time (user_count)', () => {
    it('through the user form, concurrent creates, an import and a new instance', async () => {
      const beta = await tenantFactory(t);
      const betaAdmin = (await login(t, beta.host, beta.admin.login, beta.admin.password)).agent;
      expect(await shownTotal(betaAdmin)).toBe(1);
      const form = csrfOf((await betaAdmin.get('/security/users/new')).text);
      const create = (name: string) =>
        betaAdmin.post('/security/users').type('form').send({ _csrf: form, login: name, name, email: '', userType: 'Internal', roles: [], _action: 'save' });
      // Ten at once, two of them the same login: the unique index refuses one, and the count with it.
      const results = await Promise.all([...Array.from({ length: 9 }, (_, i) => create(`c${i}`)), create('c0')]);
      expect(results.filter((r) => r.status === 303)).toHaveLength(9);
      expect(await shownTotal(betaAdmin)).toBe(10);
      await importUsers(beta, 250);
      await userFactory(t.db, beta);
      expect(await shownTotal(betaAdmin)).toBe(261);
      expect(await shownTotal(betaAdmin)).toBe(await dbCount(beta.id));
      expect(await lists.counts(beta.id)).toEqual({ active: 261 });
      // A failed import changes nothing: the users and their count go in one statement.
      await expect(importUsers(beta, 5, 'c0').then(() => importUsers(beta, 5, 'c0'))).rejects.toThrow(/duplicate key/);
      expect(await lists.counts(beta.id)).toEqual({ active: 266 });
      expect(await dbCount(beta.id)).toBe(266);
    });

    it('through deactivate and reactivate, and the Status filter counts each status', async () => {
      const gamma = await tenantFactory(t);
      const gammaAdmin = (await login(t, gamma.host, gamma.admin.login, gamma.admin.password)).agent;
      const [first, second] = await importUsers(gamma, 4);
      const status = async (filter: string) => {
        const text = (await gammaAdmin.get(`/security/users${filter}`)).text;
        return { shown: text.match(/role="status">([^<]*)</)?.[1], rows: idsOf(text).length };
      };
      const act = async (id: number, action: 'deactivate' | 'reactivate', expected = 303) =>
        expect((await submitForm(gammaAdmin, `/security/users/${id}/${action}`, `/security/users/${id}/${action}`, {})).status).toBe(expected);
      await act(first, 'deactivate');
      await act(second, 'deactivate');
      await act(second, 'deactivate', 409); // already deactivated: refused, and not counted twice
      expect(await lists.counts(gamma.id)).toEqual({ active: 3, deactivated: 2 });
      expect(await status('?status=deactivated')).toEqual({ shown: '1–2 of 2', rows: 2 });
      expect(await status('?status=active')).toEqual({ shown: '1–3 of 3', rows: 3 });
      expect(await status('')).toEqual({ shown: '1–5 of 5', rows: 5 });
      await act(second, 'reactivate');
      expect(await lists.counts(gamma.id)).toEqual({ active: 4, deactivated: 1 });
      const byStatus = await t.db.query<{ status: string; n: number }>(
        `select case when deactivated_at is null then 'active' else 'deactivated' end as status, count(*)::int as n from app_user where tenant_id = $1 group by 1`,
        [gamma.id],
      );
      expect(Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n]))).toEqual(await lists.counts(gamma.id));
    });
  });

  describe('search by any part of login, name or email', () => {
    let exact: { id: number; login: string };

    beforeAll(async () => {
      await userFactory(t.db, acme, { login: 'wilhelmina', name: 'Wilhelmina Featherstonehaugh', email: 'mina@example.org' });
      exact = await userFactory(t.db, acme, { login: 'stone', name: 'Sly Stone', email: 'sly@example.org' });
      await userFactory(t.db, acme, { login: 'astoneb', name: 'A Stoner', email: 'astone@example.org' });
    });

    it('finds a middle part of a name, case-insensitively', async () => {
      const res = await admin.get('/security/users?q=THERSTONEH');
      expect(res.status).toBe(200);
      expect(res.text).toContain('Wilhelmina Featherstonehaugh');
      expect(idsOf(res.text)).toHaveLength(1);
      expect(res.text).toMatch(/role="status">1–1 of 1</);
    });

    it('finds a part of an email and of a login', async () => {
      expect((await admin.get('/security/users?q=ina@exam')).text).toContain('Wilhelmina Featherstonehaugh');
      expect((await admin.get('/security/users?q=helm')).text).toContain('Wilhelmina Featherstonehaugh');
    });

    it('ranks an exact login first, whatever the sort, and counts it once', async () => {
      for (const q of ['stone', 'STONE']) {
        const res = await admin.get(`/security/users?q=${q}&sort=name&dir=desc`);
        const ids = idsOf(res.text);
        expect(ids[0]).toBe(exact.id);
        expect(ids.filter((id) => id === exact.id)).toHaveLength(1);
        expect(ids.length).toBe(3); // stone, astoneb, Featherstonehaugh
        expect(res.text).toMatch(/role="status">1–3 of 3</);
      }
    });

    it('pages a broad search with the exact login only on its first page', async () => {
      await importUsers(acme, 120, 'stonefield');
      const seen: number[] = [];
      let path: string | undefined = '/security/users?q=stone';
      while (path) {
        const res = await admin.get(path);
        seen.push(...idsOf(res.text));
        path = href(res.text, 'next');
      }
      expect(seen[0]).toBe(exact.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(123);
      // Past the cap the count stops and says so; paging goes on.
      const broad = await admin.get('/security/users?q=example.');
      expect(broad.text).toMatch(/role="status">1–50 of more than 500</);
      expect(broad.text).toContain('rel="next"');
    });

    it('a term of one or two characters matches the start of a login or name, and says so', async () => {
      const res = await admin.get('/security/users?q=Wi');
      expect(res.text).toContain('Wilhelmina Featherstonehaugh');
      expect(res.text).toContain('type three or more');
      expect(idsOf((await admin.get('/security/users?q=lh')).text)).toHaveLength(0);
    });

    it('the trigram index (a large instance) and reading the rows (a small one) find the same users', async () => {
      // A fresh repository has seen no instance's size yet, so it searches through the trigram index;
      // after one page it knows this instance is small and reads its rows instead.
      const fresh = new UserListRepository(t.app.get(EntityManager));
      const ids = async () => {
        const page = await fresh.page(acme.id, { search: 'Stone', sort: 'name', dir: 'asc', at: { first: true }, pageSize: 500 });
        return { ids: page.rows.map((r) => r.id).sort(), total: page.total };
      };
      const viaIndex = await ids();
      const viaRows = await ids();
      expect(viaIndex.ids.length).toBeGreaterThanOrEqual(3);
      expect(viaRows).toEqual(viaIndex);
    });

    it('with sampled trigram shares, the index looks up a cheaper part of a term and finds the same users', async () => {
      const search = async (fresh: UserListRepository, term: string) => {
        const page = await fresh.page(acme.id, { search: term, sort: 'login', dir: 'asc', at: { first: true }, pageSize: 500 });
        return { ids: page.rows.map((r) => r.id).sort(), total: page.total };
      };
      // Terms with a rare part are narrowed to it; terms made of frequent trigrams only are looked up whole.
      for (const [term, narrowed] of [
        ['ina@example.org', true],
        ['stone@example.org', true],
        ['-1@example.com', false],
        ['example.com', false],
      ] as const) {
        const fresh = new UserListRepository(t.app.get(EntityManager));
        const shares = await fresh.sampleTrigramShares();
        // Every imported user's email ends in example.com: its trigrams are frequent, so a part is looked up.
        expect(shares.get('exa')).toBeGreaterThan(0.5);
        expect(indexedPart(term, shares) !== term).toBe(narrowed);
        const viaIndex = await search(fresh, term);
        const viaRows = await search(fresh, term);
        expect(viaIndex).toEqual(viaRows);
      }
      const fresh = new UserListRepository(t.app.get(EntityManager));
      await fresh.sampleTrigramShares();
      expect((await search(fresh, 'ina@example.org')).ids).toHaveLength(1);
    });

    it('treats % and _ as plain characters', async () => {
      const res = await admin.get('/security/users?q=' + encodeURIComponent('%_'));
      expect(res.status).toBe(200);
      expect(idsOf(res.text)).toHaveLength(0);
    });
  });
});
