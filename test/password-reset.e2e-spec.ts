import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGOT_ANSWER } from '../src/auth/password-reset.service.js';
import { userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, csrfOf, login, submitForm, type Agent } from './support/http.js';
import { mailLink, TestSmtp } from './support/smtp.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import type { TestApp } from './support/test-app.js';

/** Forgot password, the Reset password link, and Run > Send password reset mail (issue 12). */
describe('password reset', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  let world: MailWorld;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme & Sons' });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  const forgot = (typed: string) => submitForm(agentFor(t, acme.host), '/password/forgot', '/password/forgot', { login: typed });
  /** The mails to an address so far, after giving the worker time to send what is queued. */
  const mailsTo = async (address: string, atLeast = 0): Promise<ParsedMail[]> => {
    const end = Date.now() + 10_000;
    while (smtp.to(address).length < atLeast && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400)); // nothing more arrives
    return smtp.to(address);
  };
  const resetLink = (mail: ParsedMail): string => mailLink(mail, 'Reset password').pathname;

  it('the login page links to Forgot password?, a form with Login or email and Send reset link', async () => {
    const loginPage = await agentFor(t, acme.host).get('/login');
    expect(loginPage.text).toContain('<a href="/password/forgot">Forgot password?</a>');
    const page = await agentFor(t, acme.host).get('/password/forgot');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<label for="login">Login or email<\/label>/);
    expect(page.text).toContain('name="login"');
    expect(page.text).toMatch(/<button[^>]*>Send reset link<\/button>/);
  });

  it('answers every request alike and mails only an active Internal or External user with an address', async () => {
    const real = await userFactory(t.db, acme, { name: 'Rita Real', roles: ['Salesperson'] });
    const invited = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Salesperson'], password: null });
    const gone = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    await t.db.query('update app_user set deactivated_at = now() where id = $1', [gone.id]);
    const answers = [];
    for (const typed of [real.login, 'nobody-at-all', 'nobody@example.com', invited.login, invited.email!, gone.login, gone.email!]) {
      const res = await forgot(typed);
      answers.push({ status: res.status, body: res.text.replace(/name="_csrf" value="[^"]*"/g, '') });
    }
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toBe(answers[0].body);
    }
    expect(answers[0].body).toContain(FORGOT_ANSWER);
    const [mail] = await mailsTo(real.email!, 1);
    expect(smtp.to(real.email!)).toHaveLength(1);
    expect(mail.subject).toBe(`Reset your password for ${acme.name}.localhost`);
    expect(mail.from?.value[0].address).toBe('notification@erpnet.info');
    expect(mail.text).toContain('Reset password: http://');
    expect(String(mail.html)).toContain('Acme &amp; Sons');
    expect(String(mail.html)).toMatch(/expires on <strong>\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    for (const u of [invited, gone]) expect(smtp.to(u.email!)).toHaveLength(0);
    const audit = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'password_reset_requested' order by id`, [acme.id]);
    expect(audit.rows.map((r) => r.details.mailQueued)).toEqual([true, false, false, false, false, false, false]);
  });

  it('a link that a mail scanner opens (GET twice, HEAD) still works; after the reset the old password fails, sessions end, the link dies', async () => {
    const user: TestUser = await userFactory(t.db, acme, { name: 'Sam Scanned', roles: ['Salesperson'] });
    const { agent: before } = await login(t, acme.host, user.login, user.password);
    expect((await before.get('/')).status).toBe(200);
    await forgot(user.email!);
    const path = resetLink((await mailsTo(user.email!, 1))[0]);
    const server = request(t.app.getHttpServer());
    expect((await server.head(path).set('Host', acme.host)).status).toBe(200);
    const first = await agentFor(t, acme.host).get(path);
    const page = await agentFor(t, acme.host).get(path);
    for (const p of [first, page]) {
      expect(p.status).toBe(200);
      expect(p.headers['referrer-policy']).toBe('no-referrer');
      expect(p.text).toMatch(/<label for="password">New password<\/label>/);
      expect(p.text).toMatch(/<label for="confirmPassword">Confirm password<\/label>/);
      expect(p.text).toMatch(/<button[^>]*>Set password<\/button>/);
    }
    const reader = agentFor(t, acme.host);
    const weak = await submitForm(reader, path, path, { password: 'password', confirmPassword: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('most commonly used');
    const done = await submitForm(reader, path, path, { password: 'a new and long secret', confirmPassword: 'a new and long secret' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/login?notice=password-reset&login=${encodeURIComponent(user.login)}`);

    expect((await before.get('/')).status).not.toBe(200);
    expect((await login(t, acme.host, user.login, user.password)).res.status).toBe(401);
    expect((await login(t, acme.host, user.login, 'a new and long secret')).res.status).toBe(303);
    const again = await agentFor(t, acme.host).get(path);
    expect(again.status).toBe(410);
    expect(again.text).toContain('already been used');
    expect(again.text).not.toContain('name="password"');
    const audit = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'password_reset_done' and target_id = $2`, [
      acme.id,
      user.id,
    ]);
    expect(audit.rows[0].details).toMatchObject({ sessionsEnded: 1 });
  });

  it('sends at most 3 mails an hour per account, answering the 4th the same; using one link kills the others', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    for (let i = 0; i < 4; i++) expect((await forgot(i % 2 ? user.login : user.email!)).text).toContain(FORGOT_ANSWER);
    const mails = await mailsTo(user.email!, 3);
    expect(mails).toHaveLength(3);
    const paths = mails.map(resetLink);
    expect(new Set(paths).size).toBe(3);
    const reader = agentFor(t, acme.host);
    expect((await submitForm(reader, paths[1], paths[1], { password: 'yet another secret', confirmPassword: 'yet another secret' })).status).toBe(303);
    for (const p of [paths[0], paths[2]]) expect((await agentFor(t, acme.host).get(p)).status).toBe(410);
  });

  it('deactivating the user kills an open reset link', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    await forgot(user.login);
    const path = resetLink((await mailsTo(user.email!, 1))[0]);
    expect((await agentFor(t, acme.host).get(path)).status).toBe(200);
    const res = await submitForm(admin, `/security/users/${user.id}/deactivate`, `/security/users/${user.id}/deactivate`, {});
    expect(res.status).toBe(303);
    const dead = await agentFor(t, acme.host).get(path);
    expect(dead.status).toBe(410);
    expect(dead.text).not.toContain('name="password"');
  });

  it('answers a forged or foreign link with a page, never the form', async () => {
    for (const path of ['/password/reset/not-a-token', '/password/reset/' + 'A'.repeat(43)]) {
      const res = await agentFor(t, acme.host).get(path);
      expect(res.status).toBe(404);
      expect(res.text).toContain('This link is not valid');
      expect(res.text).toContain('href="/password/forgot"');
    }
  });

  it('Run > Send password reset mail: offered for Internal/External users with an email, confirmed, audited', async () => {
    const user = await userFactory(t.db, acme, { name: 'Ada Admin-Sent', roles: ['Salesperson'] });
    const invited = await userFactory(t.db, acme, { userType: 'Invitation External (No login)', roles: [], password: null });
    const form = await admin.get(`/security/users/${user.id}`);
    expect(form.text).toContain(`href="/security/users/${user.id}/password-reset" data-dialog="reset-dialog">Send password reset mail</a>`);
    expect(form.text).toMatch(/<dialog id="reset-dialog"[\s\S]*OK[\s\S]*Cancel/);
    expect((await admin.get(`/security/users/${invited.id}`)).text).not.toContain('Send password reset mail</a>');
    const confirm = await admin.get(`/security/users/${user.id}/password-reset`);
    expect(confirm.text).toContain('Send a password reset mail to <strong>Ada Admin-Sent</strong>');
    const res = await admin
      .post(`/security/users/${user.id}/password-reset`)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=password-reset-queued`);
    expect((await admin.get(res.headers.location)).text).toContain('The password reset mail is on its way.');
    expect(await mailsTo(user.email!, 1)).toHaveLength(1);
    const refused = await admin
      .post(`/security/users/${invited.id}/password-reset`)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) });
    expect(refused.headers.location).toBe(`/security/users/${invited.id}?error=cannot-log-in`);
    const audit = await t.db.query(`select 1 from audit_event where event = 'password_reset_sent_by_admin' and target_id = $1`, [user.id]);
    expect(audit.rowCount).toBe(1);
  });
});
