import { Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_NAME } from '../src/database/connection-options.js';
import { PG_POOL } from '../src/database/database.module.js';
import { DatabaseStatus } from '../src/database/database-status.js';
import { TenantsService } from '../src/tenancy/tenants.service.js';
import { tenantFactory, userFactory, type TestTenant } from './support/factories.js';
import { agentFor, login, submitForm, type Agent } from './support/http.js';
import { OwnCluster, sleep, traffic } from './support/own-cluster.js';
import { TestSmtp } from './support/smtp.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Database faults on a PostgreSQL this file owns (the shared test cluster is never touched): its
 * backends terminated, the server stopped for seconds, a table locked. Timeouts are short here so
 * the bounds are measurable; production defaults are in the README.
 */
const TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1500', DATABASE_LOCK_TIMEOUT_MS: '700' };
const BOUND_MS = 1500 + 1000; // the longest timeout, plus room for a busy machine

const logged: string[] = [];
const capture = (m: unknown) => void logged.push(String(m));
Logger.overrideLogger({ log: capture, error: capture, warn: capture, debug: capture, verbose: capture });
const outageLines = () => logged.filter((l) => /Database unavailable|Database available again/.test(l));

let cluster: OwnCluster;
let t: TestApp;
let smtp: TestSmtp;
let acme: TestTenant;
let admin: Agent;

beforeAll(async () => {
  cluster = await OwnCluster.create();
  smtp = await TestSmtp.start({ listen: false });
  t = await createTestApp({ databaseUrl: cluster.databaseUrl, env: { ...TIMEOUTS, SMTP_URL: smtp.url, MAIL_LEASE_SECONDS: '5' } });
  acme = await tenantFactory(t, { displayName: 'Acme Corp' });
  admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  expect((await admin.get('/')).status).toBe(200);
});

afterAll(async () => {
  await t?.close().catch(() => undefined);
  await smtp?.stop();
  await cluster?.remove();
});

describe('a database fault never takes the app down', () => {
  it('gives every connection of both pools the configured timeouts', async () => {
    const settings = `select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
      current_setting('idle_in_transaction_session_timeout') as idle, current_setting('application_name') as app`;
    const expected = { statement: '1500ms', lock: '700ms', idle: '1min', app: APPLICATION_NAME };
    expect((await t.app.get(EntityManager).getConnection().execute(settings))[0]).toEqual(expected);
    expect((await t.app.get<pg.Pool>(PG_POOL).query(settings)).rows[0]).toEqual(expected);
  });

  it('survives the termination of all its backends mid-traffic; the next requests succeed', async () => {
    const terminated: number[] = [];
    const cut = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        const res = await cluster.superuser<{ done: boolean }>(
          `select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = '${APPLICATION_NAME}'`,
        );
        terminated.push(res.rows.filter((r) => r.done).length);
      }
      await sleep(200);
    })();
    const answers = await traffic(admin, ['/', '/security/users', '/', '/security/users'], cut);
    expect(terminated.reduce((a, b) => a + b)).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(10);
    for (const a of answers) expect([200, 503], `${a.path} answered ${a.status}`).toContain(a.status);
    for (let i = 0; i < 5; i++) expect((await admin.get('/security/users')).status).toBe(200);
    expect((await agentFor(t, acme.host).get('/health/ready')).status).toBe(200);
    await expect.poll(() => t.app.get(DatabaseStatus).available, { timeout: 5000 }).toBe(true); // the outage is over
  });

  it('stopped for 5 s: 503 for logged-in pages within the timeout, the login page still 200; afterwards the same session works and a queued invitation goes out once', async () => {
    const invitee = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    const queued = await submitForm(admin, `/security/users/${invitee.id}/invitations/new`, `/security/users/${invitee.id}/invitations`, {});
    expect(queued.status).toBe(303);
    const status = async () => (await t.db.query<{ status: string }>('select status from invitation where user_id = $1', [invitee.id])).rows[0]?.status;
    await expect.poll(status, { timeout: 10_000 }).toBe('failed'); // SMTP is down: the mail waits in the queue
    await expect.poll(() => t.app.get(DatabaseStatus).available, { timeout: 5000 }).toBe(true);
    logged.length = 0;

    await cluster.stop();
    const down = Date.now();
    const anonymous = agentFor(t, acme.host);
    const during = await traffic(admin, ['/', '/security/users'], sleep(1500));
    for (const a of during) {
      expect(a.status, `${a.path} while down`).toBe(503);
      expect(a.ms).toBeLessThan(BOUND_MS);
    }
    const page = await admin.get('/security/users');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toMatch(/^\d+$/);
    expect(page.text).toContain('temporarily unavailable, try again in a moment');
    expect(page.text).not.toMatch(/at .+\(|Error:/);
    // As if the instance lookup's cache had run out: the known instance is still served from it.
    const cache = (t.app.get(TenantsService) as unknown as { cache: Map<string, { until: number }> }).cache;
    cache.get(acme.name)!.until = 0;
    const loginPage = await anonymous.get('/login');
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain('Acme Corp');
    expect((await anonymous.get('/assets/css/app.css')).status).toBe(200);
    expect((await anonymous.get('/health/live')).status).toBe(200);
    expect((await anonymous.get('/health/ready')).status).toBe(503);
    // A login typed during the outage comes back with what was typed and the reason.
    const typed = await submitForm(anonymous, '/login', '/login', { login: acme.admin.login, password: acme.admin.password });
    expect(typed.status).toBe(503);
    expect(typed.text).toContain(`value="${acme.admin.login}"`);
    expect(typed.text).toContain('temporarily unavailable, try again in a moment');

    await smtp.listen(); // SMTP is back while the database is not: nothing can be claimed yet
    await sleep(5000 - (Date.now() - down));
    await cluster.start();

    await expect.poll(async () => (await anonymous.get('/health/ready')).status, { timeout: 10_000, interval: 200 }).toBe(200);
    const home = await admin.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Acme Corp');
    await smtp.waitFor(1, 20_000);
    await expect.poll(status, { timeout: 10_000 }).toBe('sent');
    await sleep(1000);
    expect(smtp.to(invitee.email!)).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    await expect.poll(outageLines, { timeout: 5000 }).toHaveLength(2);
    expect(outageLines()[0]).toMatch(/Database unavailable/);
    expect(outageLines()[1]).toMatch(/Database available again/);
    expect(logged.filter((l) => /\n\s+at /.test(l))).toEqual([]); // no stack traces
  });

  it('records a mail that SMTP accepted while the database was down once it is back, and never sends it again', async () => {
    const invitee = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    const status = async () => (await t.db.query<{ status: string }>('select status from invitation where user_id = $1', [invitee.id])).rows[0]?.status;
    await smtp.listen(); // (a no-op when already listening)
    const held = smtp.hold();
    const queued = await submitForm(admin, `/security/users/${invitee.id}/invitations/new`, `/security/users/${invitee.id}/invitations`, {});
    expect(queued.status).toBe(303);
    await held.arrived; // the worker claimed the row and waits for SMTP's answer
    const claimedAt = Date.now();
    await cluster.stop();
    held.release(); // SMTP accepts the mail while the database is down
    await smtp.waitFor(smtp.messages.length + 1);
    await sleep(2000);
    await cluster.start();
    await expect.poll(status, { timeout: 10_000, interval: 200 }).toBe('sent');
    // Past the claim's lease (MAIL_LEASE_SECONDS=5 here): a row left 'sending' would have been claimed and sent again by now.
    await sleep(Math.max(0, claimedAt + 7000 - Date.now()));
    expect(smtp.to(invitee.email!)).toHaveLength(1);
  });

  it('answers 503 in bounded time while app_user is locked longer than the statement timeout, then all is normal', async () => {
    const locker = new pg.Client({ connectionString: cluster.databaseUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table app_user in access exclusive mode');
    const released = sleep(3000).then(() => locker.query('rollback'));
    const during = await traffic(admin, ['/', '/security/users'], sleep(2000));
    await released;
    await locker.end();
    expect(during.length).toBeGreaterThan(1);
    for (const a of during) {
      expect(a.status, `${a.path} while locked`).toBe(503);
      expect(a.ms).toBeLessThan(BOUND_MS);
    }
    expect((await agentFor(t, acme.host).get('/login')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await admin.get('/security/users')).status).toBe(200);
  });
});
