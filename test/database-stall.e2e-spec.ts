import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormConfig } from '../src/database/orm-config.js';
import { ormDriverOptions } from '../src/database/connection-options.js';
import { waitForDatabase } from '../src/database/database.js';
import { tenantFactory } from './support/factories.js';
import { login, type Agent } from './support/http.js';
import { OwnCluster, sleep, traffic } from './support/own-cluster.js';
import { createTestApp, freePort, type TestApp } from './support/test-app.js';

/**
 * A database server that stops answering without closing anything (every PostgreSQL process
 * frozen with SIGSTOP, as a network cut looks to the app), and a database missing at start; on a
 * cluster this file owns. Timeouts are short so the bounds are measurable.
 */
const TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1500', DATABASE_LOCK_TIMEOUT_MS: '700' };
const QUERY_BOUND_MS = 1500 + 1000 + 1500; // statement + connect timeout (the query timeout), plus room for a busy machine

let cluster: OwnCluster;
let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  cluster = await OwnCluster.create();
  t = await createTestApp({ databaseUrl: cluster.databaseUrl, env: TIMEOUTS });
  const acme = await tenantFactory(t);
  admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  expect((await admin.get('/')).status).toBe(200);
});

afterAll(async () => {
  await t?.close().catch(() => undefined);
  await cluster?.remove();
});

describe('a frozen database server', () => {
  it('answers 503 within the query timeout while every PostgreSQL process is stopped (SIGSTOP), and is normal after SIGCONT', async () => {
    // The app's ORM settings on a pool of one connection, opened before the freeze, which will leave it hanging.
    const single = await MikroORM.init({ ...ormConfig(cluster.databaseUrl), driverOptions: ormDriverOptions(t.config.database), pool: { min: 0, max: 1 } });
    const connection = single.em.getConnection();
    await connection.execute('select 1');
    const pids = cluster.processes();
    expect(pids.length).toBeGreaterThan(3);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    let during;
    const timed = async (query: Promise<unknown>) => {
      const started = Date.now();
      const error = await query.then(
        () => undefined,
        (err: unknown) => err,
      );
      return { error: String(error), ms: Date.now() - started };
    };
    let orm: { error: string; ms: number }[] = [];
    try {
      // The second query runs after the first gave up: it must not be handed the connection still stuck in the first.
      // (knex pool of one: reusing it would wait behind the first query; dropping it means a new connection, which cannot open.)
      const queries = (async () => [await timed(connection.execute('select 1')), await timed(connection.execute('select 1'))])();
      during = await traffic(admin, ['/', '/security/users'], sleep(4500));
      orm = await queries;
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      await single.close(true);
    }
    expect(during.length).toBeGreaterThan(1);
    for (const a of during) {
      expect(a.status, `${a.path} while frozen`).toBe(503);
      expect(a.ms).toBeLessThan(QUERY_BOUND_MS);
    }
    expect(orm[0].error).toMatch(/Query read timeout/); // the ORM's query gave up too, rather than wait for the server
    expect(orm[0].ms).toBeLessThan(QUERY_BOUND_MS);
    expect(orm[1].error).toMatch(/connection timeout|Timeout acquiring a connection/); // a new connection was tried, and timed out
    expect(orm[1].ms).toBeLessThan(1000 + 1500);
    await expect.poll(async () => (await admin.get('/security/users')).status, { timeout: 10_000, interval: 200 }).toBe(200);
    for (let i = 0; i < 3; i++) expect((await admin.get('/')).status).toBe(200);
  });
});

describe('the start of the app', () => {
  it('waits for an unreachable database with one line per try, and carries on when it answers', async () => {
    await cluster.stop();
    const lines: string[] = [];
    const back = sleep(1500).then(() => cluster.start());
    const wait = waitForDatabase(cluster.databaseUrl, { timeoutSeconds: 20, connectTimeoutMs: 1000, log: (l) => lines.push(l) });
    await back;
    await wait;
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(/^Database at 127\.0\.0\.1:\d+\/erp not reachable \(.*ECONNREFUSED.*\); attempt \d+, trying again in/);
  });

  it('gives up after the start timeout with a message that says what to check', async () => {
    const lines: string[] = [];
    const nothing = `postgres://postgres:x@127.0.0.1:${await freePort()}/erp`;
    const started = Date.now();
    await expect(waitForDatabase(nothing, { timeoutSeconds: 1, connectTimeoutMs: 500, log: (l) => lines.push(l) })).rejects.toThrow(
      /did not answer within 1 s .*Check DATABASE_URL and that PostgreSQL is running/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines.length).toBeGreaterThanOrEqual(1);
  });
});
