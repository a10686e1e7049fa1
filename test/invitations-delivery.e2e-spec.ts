import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant } from './support/factories.js';
import request from 'supertest';
import { csrfOf, login, submitForm, type Agent } from './support/http.js';
import { createAccountLink, TestSmtp } from './support/smtp.js';
import { createTestApp, freshDatabase, type TestApp } from './support/test-app.js';
import { InvitationsService } from '../src/invitations/invitations.service.js';
import { MailDeliveryWorker } from '../src/mail/mail-delivery.worker.js';
import { OutboxRepository } from '../src/mail/outbox.repository.js';

const INVITE = 'Invitation Internal (No login)';

const logged: string[] = [];
const capture = (m: unknown) => void logged.push(String(m));
Logger.overrideLogger({ log: capture, error: capture, warn: capture, debug: capture, verbose: capture });

const apps: TestApp[] = [];
const servers: TestSmtp[] = [];
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const s of servers) await s.stop();
});

async function app(env: Record<string, string>, databaseUrl?: string): Promise<TestApp> {
  const t = await createTestApp({ env, databaseUrl });
  apps.push(t);
  return t;
}

async function smtpServer(listen = true): Promise<TestSmtp> {
  const s = await TestSmtp.start({ listen });
  servers.push(s);
  return s;
}

const send = (agent: Agent, id: number) => submitForm(agent, `/security/users/${id}/invitations/new`, `/security/users/${id}/invitations`, {});
/** The delivery state of the user's latest invitation mail (its outbox row). */
const row = async (t: TestApp, userId: number) =>
  (
    await t.db.query<{ status: string; attempts: number; last_error: string | null }>(
      `select o.state as status, o.attempts, o.last_error from mail_outbox o join invitation i on o.kind = 'invitation' and o.ref_id = i.id
       where i.user_id = $1 order by o.id desc limit 1`,
      [userId],
    )
  ).rows[0];

describe('invitation delivery', () => {
  it('keeps the mail while SMTP is down, shows the reason, and delivers it once when SMTP is back', async () => {
    const smtp = await smtpServer(false);
    const t = await app({ SMTP_URL: smtp.url });
    const acme = await tenantFactory(t);
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    const { agent } = await login(t, acme.host, acme.admin.login, acme.admin.password);

    const res = await send(agent, user.id);
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-queued`);
    await expect.poll(async () => (await row(t, user.id))?.status, { timeout: 10_000 }).toBe('failed');
    const summary = (await t.app.get(InvitationsService).latestByUser(acme.id, [user.id])).get(user.id)!;
    expect(summary.status).toBe('failed');
    expect(summary.lastError).toContain('ECONNREFUSED');

    await smtp.listen();
    await smtp.waitFor(1, 15_000);
    await expect.poll(async () => (await row(t, user.id)).status).toBe('sent');
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.messages).toHaveLength(1);
    const after = await row(t, user.id);
    expect(after.attempts).toBeGreaterThanOrEqual(2);
    expect(after.last_error).toBeNull();
    const failures = await t.db.query(`select details from audit_event where event = 'invitation_failed' and target_id = $1`, [user.id]);
    expect(failures.rowCount).toBe(1);
  });

  it('a process that dies while sending leaves nothing lost: another process delivers, once', async () => {
    const smtp = await smtpServer();
    const databaseUrl = await freshDatabase();
    const a = await app({ SMTP_URL: smtp.url }, databaseUrl);
    const acme: TestTenant = await tenantFactory(a);
    const users = await Promise.all([1, 2, 3].map(() => userFactory(a.db, acme, { userType: INVITE, roles: ['Worker'], password: null })));
    const { agent } = await login(a, acme.host, acme.admin.login, acme.admin.password);

    // App A claims the jobs and "dies" before sending: no graceful stop, rows left 'sending'.
    await a.app.get(MailDeliveryWorker).stop();
    for (const u of users) expect((await send(agent, u.id)).status).toBe(303);
    const claimed = await a.app.get(OutboxRepository).claimDue(a.app.get(EntityManager).fork(), 20, 20, 120);
    expect(claimed).toHaveLength(3);
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    const b = await app({ SMTP_URL: smtp.url }, databaseUrl);
    expect((await row(b, users[0].id)).status).toBe('sending');
    // B must not touch rows whose lease is still running...
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(0);
    // ...and takes them over once it is over.
    await b.db.query(`update mail_outbox set locked_until = now() - interval '1 second' where state = 'sending'`);
    await smtp.waitFor(3);

    // Two live processes on one queue: each mail goes out exactly once.
    const c = await app({ SMTP_URL: smtp.url }, databaseUrl);
    const more = await Promise.all([1, 2, 3, 4, 5, 6].map(() => userFactory(b.db, acme, { userType: INVITE, roles: ['Worker'], password: null })));
    const { agent: adminB } = await login(b, acme.host, acme.admin.login, acme.admin.password);
    const { agent: adminC } = await login(c, acme.host, acme.admin.login, acme.admin.password);
    await Promise.all(more.map((u, i) => send(i % 2 ? adminB : adminC, u.id)));
    await smtp.waitFor(9);
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.messages).toHaveLength(9);
    for (const u of [...users, ...more]) expect(smtp.to(u.email!)).toHaveLength(1);
    const states = await b.db.query<{ status: string; n: number }>('select status, count(*)::int as n from invitation group by status');
    expect(states.rows).toEqual([{ status: 'sent', n: 9 }]);
  });

  it('behind a proxy (TRUST_PROXY=true) a forged X-Forwarded-Host does not reach the link', async () => {
    const smtp = await smtpServer();
    const t = await app({ SMTP_URL: smtp.url, TRUST_PROXY: 'true' });
    const acme = await tenantFactory(t);
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    // Secure cookies: a hand-kept cookie header, as a browser behind the TLS proxy would send.
    const cookies = new Map<string, string>();
    const http = request(t.app.getHttpServer());
    const call = async (req: request.Test) => {
      const res = await req
        .set('Host', acme.host)
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return res;
    };
    const loginPage = await call(http.get('/login'));
    const loggedIn = await call(
      http
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(loginPage.text), login: acme.admin.login, password: acme.admin.password }),
    );
    expect(loggedIn.status).toBe(303);
    const confirm = await call(http.get(`/security/users/${user.id}/invitations/new`));
    const sent = await call(
      http
        .post(`/security/users/${user.id}/invitations`)
        .set('X-Forwarded-Host', 'evil.example.com')
        .type('form')
        .send({ _csrf: csrfOf(confirm.text) }),
    );
    expect(sent.status).toBe(303);
    const [mail] = await smtp.waitFor(1);
    expect(createAccountLink(mail).host).toBe(acme.host);
    expect(JSON.stringify(mail)).not.toContain('evil.example.com');
  });

  it('without SMTP_URL writes the mail to DATA_DIR/mail and logs the link (development)', async () => {
    const t = await app({});
    const acme = await tenantFactory(t);
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    const { agent } = await login(t, acme.host, acme.admin.login, acme.admin.password);
    await send(agent, user.id);
    await expect.poll(async () => (await row(t, user.id)).status, { timeout: 10_000 }).toBe('sent');
    const dir = join(t.config.dataDir, 'mail');
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(dir, files[0]), 'utf8');
    expect(eml).toContain(`Subject: Invitation to join ${acme.name}.localhost`);
    expect(logged.some((l) => l.includes(`Create Account link for ${user.login}: http://${acme.host}/invitation/`))).toBe(true);
  });
});
