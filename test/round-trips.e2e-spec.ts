import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant } from './support/factories.js';
import { login, type Agent } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A logged-in page view reads its session, user and permissions in one statement. Counted at the
 * driver: every statement of this process (the session store's pool and the ORM's) goes through
 * pg.Client#query, and this test file has its own process.
 */
describe('database round trips of a logged-in page view', () => {
  let t: TestApp;
  let acme: TestTenant;
  let admin: Agent;
  const statements: string[] = [];
  const original = pg.Client.prototype.query;

  beforeAll(async () => {
    // Before the app opens its connections: the ORM's pool keeps each connection's query function as it was then.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      statements.push(String(text));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    // The mail worker polls on its own timer; slow it down so only the request's statements are counted.
    t = await createTestApp({ env: { MAIL_POLL_MS: '60000' } });
    acme = await tenantFactory(t);
    admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  });
  afterAll(async () => {
    pg.Client.prototype.query = original;
    await t.close();
  });

  const countDuring = async (fn: () => Promise<unknown>) => {
    await fn(); // warm: pools connected, templates compiled
    statements.length = 0;
    await fn();
    return statements.filter((s) => !/next_attempt_at|mail_outbox/.test(s));
  };

  it('the start page: one statement (session with user and permissions)', async () => {
    const seen = await countDuring(async () => expect((await admin.get('/')).status).toBe(200));
    expect(seen, seen.join('\n---\n')).toHaveLength(1);
    expect(seen[0]).toMatch(/from session s\s+left join app_user u/);
  });

  it('the users list: that one, then only what the page itself shows (its rows and count in one statement)', async () => {
    const seen = await countDuring(async () => expect((await admin.get('/security/users?sort=name')).status).toBe(200));
    expect(seen[0]).toMatch(/from session s\s+left join app_user u/);
    // No second read of the session or of the user's roles: the rest is the page's own data.
    expect(
      seen.slice(1).filter((s) => /\bsession\b|user_role/.test(s)),
      seen.join('\n---\n'),
    ).toEqual([]);
    expect(
      seen.filter((s) => /user_count/.test(s)),
      seen.join('\n---\n'),
    ).toHaveLength(1);
  });

  it('a role taken away applies to the very next request (nothing is cached)', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Administrator'] });
    const agent = (await login(t, acme.host, user.login, user.password)).agent;
    expect((await agent.get('/security/users')).status).toBe(200);
    await t.db.query('delete from user_role where tenant_id = $1 and user_id = $2', [acme.id, user.id]);
    await t.db.query('insert into user_role (tenant_id, user_id, role_id) values ($1, $2, $3)', [acme.id, user.id, acme.roles.Worker]);
    expect((await agent.get('/security/users')).status).toBe(403);
    await t.db.query('delete from app_user where tenant_id = $1 and id = $2', [acme.id, user.id]);
    const gone = await agent.get('/security/users');
    expect(gone.status).toBe(303);
  });
});
