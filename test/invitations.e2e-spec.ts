import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@nestjs/common';
import { tenantFactory, userFactory, type TestTenant } from './support/factories.js';
import { agentFor, csrfOf, login, submitForm, type Agent } from './support/http.js';
import { createAccountLink, TestSmtp } from './support/smtp.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import type { TestApp } from './support/test-app.js';
import { InvitationsService } from '../src/invitations/invitations.service.js';
import { INVITATION_MESSAGES } from '../src/invitations/invitation-messages.js';

const INVITE = 'Invitation Internal (No login)';

/** Everything the app logs, so a test can show a link never reaches the logs. */
const logged: string[] = [];
Logger.overrideLogger({
  log: (m: unknown) => logged.push(String(m)),
  error: (m: unknown) => logged.push(String(m)),
  warn: (m: unknown) => logged.push(String(m)),
  debug: (m: unknown) => logged.push(String(m)),
  verbose: (m: unknown) => logged.push(String(m)),
});

describe('invitations: send, mail, Create Account', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  let world: MailWorld;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme & Sons <Ltd>' });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  it('sends the invitation mail and the link creates a working account', async () => {
    const user = await userFactory(t.db, acme, { name: 'Jane Roe', userType: INVITE, roles: ['Salesperson'], password: null });
    const confirm = await admin.get(`/security/users/${user.id}/invitations/new`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Send invitation mail to');
    expect(confirm.text).toContain(user.email!);
    expect(confirm.text).toMatch(/<button[^>]*>OK<\/button>/);
    expect(confirm.text).toMatch(/>Cancel<\/a>/);

    // A forged forwarded host must not reach the link: it is built from BASE_URL only.
    const res = await admin
      .post(`/security/users/${user.id}/invitations`)
      .set('X-Forwarded-Host', 'evil.example.com')
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-queued`);

    const [mail] = await smtp.waitFor(1);
    expect(mail.from?.value[0].address).toBe('notification@erpnet.info');
    expect(mail.subject).toBe(`Invitation to join ${acme.name}.localhost`);
    expect(mail.to && JSON.stringify(mail.to)).toContain(user.email);
    expect(mail.html).toContain('Hello Jane Roe,');
    expect(mail.html).toContain('Acme &amp; Sons &lt;Ltd&gt;');
    expect(mail.text).toContain('Hello Jane Roe,');
    expect(mail.text).toContain('Acme & Sons <Ltd>');
    expect(mail.text).toMatch(/expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const link = createAccountLink(mail);
    expect(link.origin).toBe(`http://${acme.host}`);
    expect(link.pathname).toMatch(/^\/invitation\/[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(link.href);

    // SMTP accepts the mail a moment before the worker commits 'sent'.
    await expect.poll(async () => (await t.app.get(InvitationsService).latestByUser(acme.id, [user.id])).get(user.id)?.status).toBe('sent');
    const status = (await t.app.get(InvitationsService).latestByUser(acme.id, [user.id])).get(user.id)!;
    expect(status.sentByLogin).toBe('admin');

    // The invited person follows the link.
    const visitor = agentFor(t, acme.host);
    const page = await visitor.get(link.pathname);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain('Acme &amp; Sons &lt;Ltd&gt;');
    expect(page.text).toMatch(new RegExp(`<label for="login">Login</label>\\s*<input id="login" type="text" value="${user.login}" readonly`));
    expect(page.text).toMatch(/<label for="name">Name<\/label>\s*<input id="name" type="text" value="Jane Roe" readonly/);
    expect(page.text).toMatch(/<label for="password">Password<\/label>\s*<input id="password" name="password" type="password" autocomplete="new-password"/);
    expect(page.text).toMatch(
      /<label for="confirmPassword">Confirm password<\/label>\s*<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password"/,
    );
    expect(page.text).toMatch(/<button[^>]*>Create Account<\/button>/);
    // GET twice: still valid.
    expect((await visitor.get(link.pathname)).status).toBe(200);

    const post = (password: string, confirmPassword = password) => submitForm(visitor, link.pathname, link.pathname, { password, confirmPassword });
    const short = await post('abc1234');
    expect(short.status).toBe(400);
    expect(short.text).toContain('Use at least 8 characters.');
    const mismatch = await post('kettle-drum-9', 'kettle-drum-8');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The passwords do not match.');
    const common = await post('password1');
    expect(common.status).toBe(400);
    expect(common.text).toContain('most commonly used passwords');
    const extra = await submitForm(visitor, link.pathname, link.pathname, {
      password: 'kettle-drum-9',
      confirmPassword: 'kettle-drum-9',
      role: 'Administrator',
    });
    expect(extra.status).toBe(400);
    expect((await t.db.query('select user_type from app_user where id = $1', [user.id])).rows[0].user_type).toBe(INVITE);

    const ok = await post('Kx8!pq2m');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/login?notice=ready&login=${user.login}`);

    const row = (await t.db.query('select user_type, version from app_user where id = $1', [user.id])).rows[0];
    expect(row.user_type).toBe('Internal');
    const groups = await t.db.query('select g.name from group_member m join user_group g on g.id = m.group_id where m.user_id = $1', [user.id]);
    expect(groups.rows.map((g) => g.name)).toEqual(['Everybody']);
    const events = await t.db.query<{ event: string }>('select event from audit_event where tenant_id = $1 and target_id = $2 order by id', [acme.id, user.id]);
    expect(events.rows.map((e) => e.event)).toEqual(['invitation_sent', 'invitation_delivered', 'invitation_accepted']);

    const { res: loginRes, agent: jane } = await login(t, acme.host, user.login, 'Kx8!pq2m');
    expect(loginRes.status).toBe(303);
    expect((await jane.get('/')).status).toBe(200);

    // The link is dead now, and the database never held the token.
    const again = await agentFor(t, acme.host).get(link.pathname);
    expect(again.status).toBe(410);
    expect(again.text).toContain('already been used');
    expect(again.text).not.toContain('Confirm password');
    const token = link.pathname.split('/').pop()!;
    const leaks = await t.db.query(
      `select 1 from invitation where row_to_json(invitation.*)::text like $1 union all select 1 from audit_event where row_to_json(audit_event.*)::text like $1`,
      [`%${token}%`],
    );
    expect(leaks.rowCount).toBe(0);
    // With SMTP_URL set the link never reaches the logs.
    expect(logged.some((line) => line.includes(token))).toBe(false);
  });

  it('refuses users who cannot be invited, without writing anything', async () => {
    const internal = await userFactory(t.db, acme, { userType: 'Internal', roles: ['Worker'] });
    const noEmail = await userFactory(t.db, acme, { userType: INVITE, email: null, roles: ['Worker'], password: null });
    const accepted = await userFactory(t.db, acme, { userType: 'Internal', roles: ['Worker'] });
    await t.db.query(`insert into invitation (tenant_id, user_id, status, accepted_at) values ($1, $2, 'accepted', now())`, [acme.id, accepted.id]);

    for (const [user, code] of [
      [internal, 'not-invitation-type'],
      [noEmail, 'no-email'],
      [accepted, 'already-accepted'],
    ] as const) {
      const page = await admin.get(`/security/users/${user.id}/invitations/new`);
      expect(page.text).toContain(INVITATION_MESSAGES[code].replace(/"/g, '&quot;'));
      expect(page.text).not.toMatch(/<button[^>]*>OK<\/button>/);
      const res = await admin
        .post(`/security/users/${user.id}/invitations`)
        .type('form')
        .send({ _csrf: csrfOf((await admin.get('/')).text) });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/security/users/${user.id}?error=${code}`);
    }
    const rows = await t.db.query('select user_id from invitation where user_id = any($1::int[]) and status <> $2', [
      [internal.id, noEmail.id, accepted.id],
      'accepted',
    ]);
    expect(rows.rowCount).toBe(0);
  });

  it('warns before inviting a user without roles, and still allows it', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, password: null });
    const c = await t.app.get(InvitationsService).confirmation(acme.id, user.id);
    expect(c.refusal).toBeUndefined();
    expect(c.warning).toContain(`The currently logged user ${user.login} has no assigned roles.`);
    const page = await admin.get(`/security/users/${user.id}/invitations/new`);
    expect(page.text).toContain('has no assigned roles.');
    expect(page.text).toMatch(/<button[^>]*>OK<\/button>/);
  });

  it('does not let another instance touch the user', async () => {
    const beta = await tenantFactory(t);
    const user = await userFactory(t.db, acme, { userType: INVITE, password: null });
    const { agent: betaAdmin } = await login(t, beta.host, beta.admin.login, beta.admin.password);
    expect((await betaAdmin.get(`/security/users/${user.id}/invitations/new`)).status).toBe(404);
    const res = await betaAdmin
      .post(`/security/users/${user.id}/invitations`)
      .type('form')
      .send({ _csrf: csrfOf((await betaAdmin.get('/')).text) });
    expect(res.status).toBe(404);
    expect((await t.db.query('select 1 from invitation where user_id = $1', [user.id])).rowCount).toBe(0);
  });
});
