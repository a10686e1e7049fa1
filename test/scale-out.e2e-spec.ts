import { BUILT_CLI } from './support/built-app.js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/paths.js';
import { csrfOf } from './support/http.js';
import { SMTP_CONNECTIONS } from '../src/mail/mail-options.js';
import { childEnv, startAppProcess, type AppProcess } from './support/app-process.js';
import { freePort, freshDatabase } from './support/test-app.js';

/**
 * Issue 7: the built app (dist/src/main.js) as separate processes on one database, the way it is
 * scaled out behind a load balancer. Sessions live in PostgreSQL and the mail queue is claimed with
 * FOR UPDATE SKIP LOCKED and a lease, so any process serves any session and any worker finishes the
 * queue of a process that went away.
 *
 * Delivery guarantees, and why the test has two stop cases:
 * - SIGTERM (graceful): the worker stops claiming, finishes the mails in flight, marks them sent
 *   and gives back the rest of its batch. Each mail must arrive EXACTLY once.
 * - SIGKILL: a mail SMTP accepted just before the kill is not yet marked sent; when the lease runs
 *   out another process sends it again. Exactly-once is impossible there (no SMTP transaction can
 *   join ours), so that case asserts every mail arrives at least once and at most the mails in
 *   flight (one per SMTP connection) get a second copy; the count is logged.
 */

const INVITE = 'Invitation Internal (No login)';
// A private build (as test/process.e2e-spec.ts does), so a concurrent `npm run build` cannot change the files under test.
const CLI = BUILT_CLI;
const SESSION_SECRET = randomBytes(32).toString('hex');
const ADMIN_PASSWORD = 'scale out ' + randomBytes(6).toString('hex');
const SMTP_DELAY_MS = 50;
// The process killed with SIGKILL claims with the shortest lease the config allows (MAIL_LEASE_SECONDS),
// so its rows come back in seconds, not two minutes. A batch of 20 slow mails (~1.5 s) stays well
// inside it. The other processes keep the default lease (120 s).
const LEASE_SECONDS = 5;

/** A real SMTP server that takes SMTP_DELAY_MS per message and counts each message per recipient and per sending process (MAIL FROM). */
class SlowSmtp {
  readonly received: { to: string; from: string }[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 200,
      onData: (stream, session, callback) => {
        stream.resume();
        stream.on('end', () =>
          setTimeout(() => {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            for (const rcpt of session.envelope.rcptTo) this.received.push({ to: rcpt.address.toLowerCase(), from });
            callback();
          }, SMTP_DELAY_MS),
        );
      },
    });
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  countsFor(emails: string[]): Map<string, number> {
    const counts = new Map(emails.map((e) => [e.toLowerCase(), 0]));
    for (const m of this.received) if (counts.has(m.to)) counts.set(m.to, counts.get(m.to)! + 1);
    return counts;
  }

  async waitForAll(emails: string[], timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const missing = [...this.countsFor(emails).values()].filter((n) => n === 0).length;
      if (missing === 0) return;
      if (Date.now() > until) throw new Error(`${missing} of ${emails.length} recipients got no mail after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scale-out: two app processes on one database', () => {
  let databaseUrl: string;
  let db: pg.Pool;
  const smtp = new SlowSmtp();
  const processes: AppProcess[] = [];
  let a: AppProcess;
  let b: AppProcess;
  let tenantId: number;
  /** The session cookie from logging in through process A. */
  let cookie: string;

  async function startApp(name: string, extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const app = await startAppProcess(
      databaseUrl,
      {
        SESSION_SECRET,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        // Which process sent a mail shows in the envelope.
        MAIL_FROM: `${name}@erpnet.info`,
        MAIL_POLL_MS: '100',
        ...extraEnv,
      },
      name,
    );
    processes.push(app);
    return app;
  }

  const get = (p: AppProcess, path: string) => request(p.url).get(path).set('Host', p.host).set('Cookie', cookie);

  /** Queues invitations for `ids` through the bulk route on process `p`, with the users list's CSRF token, as the browser posts it. */
  async function bulkInvite(p: AppProcess, ids: number[]) {
    const page = await get(p, '/security/users');
    expect(page.status).toBe(200);
    return request(p.url)
      .post('/security/users/invitations/bulk')
      .set('Host', p.host)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfOf(page.text), ids: ids.map(String) });
  }

  async function inviteeUsers(prefix: string, count: number): Promise<{ ids: number[]; emails: string[] }> {
    const { rows } = await db.query<{ id: number; email: string }>(
      `insert into app_user (tenant_id, login, name, email, user_type)
       select $1, $2 || g, 'Invitee ' || g, $2 || g || '@example.com', $3 from generate_series(1, $4) g
       returning id, email`,
      [tenantId, prefix, INVITE, count],
    );
    return { ids: rows.map((r) => r.id), emails: rows.map((r) => r.email) };
  }

  async function invitationStates(userIds: number[]): Promise<Record<string, number>> {
    const { rows } = await db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from invitation where user_id = any($1) group by status',
      [userIds],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  beforeAll(async () => {
    databaseUrl = await freshDatabase();
    db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    await smtp.start();
    const cli = spawnSync(
      process.execPath,
      [CLI, 'instance:create', 'acme', '--admin-login', 'admin', '--admin-email', 'admin@acme.example.com', '--admin-password', ADMIN_PASSWORD],
      {
        cwd: PROJECT_ROOT,
        env: childEnv({ DATABASE_URL: databaseUrl, SEED_DEMO: 'false', DATA_DIR: mkdtempSync(join(tmpdir(), 'erp-scale-out-')) }),
        encoding: 'utf8',
      },
    );
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    tenantId = (await db.query<{ id: number }>(`select id from tenant where name = 'acme'`)).rows[0].id;
    [a, b] = await Promise.all([startApp('a'), startApp('b')]);
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await db?.end();
    await smtp.stop();
  });

  it('a session made through process A is served by process B (sessions are in PostgreSQL, bound to the instance, not the port)', async () => {
    const form = await request(a.url).get('/login').set('Host', a.host);
    const formCookie = (form.headers['set-cookie'] as unknown as string[] | undefined)?.map((c) => c.split(';')[0]).join('; ') ?? '';
    const res = await request(a.url)
      .post('/login')
      .set('Host', a.host)
      .set('Cookie', formCookie)
      .type('form')
      .send({ _csrf: csrfOf(form.text), login: 'admin', password: ADMIN_PASSWORD });
    expect(res.status).toBe(303);
    const fresh = res.headers['set-cookie'] as unknown as string[] | undefined;
    cookie = fresh ? fresh.map((c) => c.split(';')[0]).join('; ') : formCookie;

    const onB = await get(b, '/security/users');
    expect(onB.status).toBe(200);
    expect(onB.text).toContain('Log out');
    expect(onB.text).toContain('admin');
    // Without the cookie B sends the visitor to the login page: the session really came from the database.
    const anonymous = await request(b.url).get('/security/users').set('Host', b.host);
    expect([302, 303]).toContain(anonymous.status);
    expect(anonymous.headers.location).toMatch(/\/login/);
  });

  it('SIGTERM to A while it sends: A exits 0 and B delivers the rest, every mail exactly once', async () => {
    const { ids, emails } = await inviteeUsers('grace', 50);
    const sent = await bulkInvite(a, ids);
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('50');
    // Right after the POST A's worker (kicked on every commit) has a batch in flight.
    const claimedAtStop = (await invitationStates(ids)).sending ?? 0;
    const sentBeforeStop = smtp.received.length;
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const fromAAfterStop = smtp.received.slice(sentBeforeStop).filter((m) => m.from.startsWith('a@')).length;

    await smtp.waitForAll(emails, 20_000);
    await sleep(2_000); // time for any duplicate to show up
    const counts = smtp.countsFor(emails);
    const duplicates = [...counts].filter(([, n]) => n > 1);
    const byA = smtp.received.filter((m) => m.from.startsWith('a@') && counts.has(m.to)).length;
    console.log(
      `graceful stop: ${claimedAtStop} rows 'sending' at SIGTERM, A sent ${byA} (${fromAAfterStop} after SIGTERM), B sent ${50 - byA}, duplicates ${duplicates.length}`,
    );
    expect(duplicates).toEqual([]);
    expect(counts.size).toBe(50);
    // Only the mails in flight (one per SMTP connection); the rest of A's batch was given back.
    expect(fromAAfterStop).toBeLessThanOrEqual(SMTP_CONNECTIONS);
    expect(byA).toBeLessThan(50); // B did take part
    await expect.poll(() => invitationStates(ids), { timeout: 5_000 }).toEqual({ sent: 50 });
  });

  it('SIGKILL of a process mid-batch: its leases run out and B sends the rest; at most the mails in flight are sent twice', async () => {
    // A new process on a new port (the session from before still works), with a short lease.
    a = await startApp('a2', { MAIL_LEASE_SECONDS: String(LEASE_SECONDS) });
    const { ids, emails } = await inviteeUsers('kill', 50);
    const sent = await bulkInvite(a, ids);
    expect(sent.status).toBe(200);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe(null);
    const left = await invitationStates(ids);
    // Rows the killed process held: its lease is the short one (B's runs 120 s).
    const heldByA = (
      await db.query<{ n: number }>(
        `select count(*)::int as n from mail_outbox o join invitation i on o.kind = 'invitation' and o.ref_id = i.id
         where i.user_id = any($1) and o.state = 'sending' and o.locked_until < now() + interval '30 seconds'`,
        [ids],
      )
    ).rows[0].n;

    await smtp.waitForAll(emails, (LEASE_SECONDS + 15) * 1000);
    const waitedMs = Date.now() - killedAt;
    await sleep(2_000);
    const counts = smtp.countsFor(emails);
    const duplicates = [...counts].filter(([, n]) => n > 1);
    const byA = smtp.received.filter((m) => m.from.startsWith('a2@') && counts.has(m.to)).length;
    console.log(
      `hard kill: rows at kill ${JSON.stringify(left)} (${heldByA} leased by A), A sent ${byA}, all 50 arrived ${waitedMs} ms after the kill (lease ${LEASE_SECONDS} s), duplicates ${duplicates.length}`,
    );
    expect([...counts.values()].every((n) => n >= 1)).toBe(true);
    expect(duplicates.length).toBeLessThanOrEqual(SMTP_CONNECTIONS);
    expect(duplicates.every(([, n]) => n === 2)).toBe(true);
    await expect.poll(() => invitationStates(ids), { timeout: 5_000 }).toEqual({ sent: 50 });
  });

  it('SIGTERM during a slow request: the request finishes with 200, new connections are refused, exit 0, nothing left sending', async () => {
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table app_user in access exclusive mode');
      let settled = false;
      const slow = get(b, '/security/users').then(
        (res) => ((settled = true), res),
        (err: Error) => ((settled = true), err),
      );
      // The request is in flight once its query waits for our lock.
      await expect
        .poll(async () => (await locker.query(`select count(*)::int as n from pg_locks where relation = 'app_user'::regclass and not granted`)).rows[0].n, {
          timeout: 5_000,
        })
        .toBeGreaterThan(0);
      b.child.kill('SIGTERM');
      await sleep(500);
      expect(b.child.exitCode).toBe(null);
      expect(settled).toBe(false);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(b.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
      expect(refused).toBe('ECONNREFUSED');

      await locker.query('commit');
      const res = await slow;
      expect(res).not.toBeInstanceOf(Error);
      if (res instanceof Error) return;
      expect(res.status).toBe(200);
      expect(res.text).toContain('Log out');
      const code = await Promise.race([b.exited, sleep(10_000).then(() => 'still running')]);
      expect(code, b.output.join('')).toBe(0);
    } finally {
      await locker.end();
    }
    const stuck = await db.query(`select id from invitation where status = 'sending'`);
    expect(stuck.rows).toEqual([]);
  });
});
