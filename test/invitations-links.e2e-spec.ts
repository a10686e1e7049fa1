import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, csrfOf, login, submitForm, type Agent } from './support/http.js';
import { TestSmtp } from './support/smtp.js';
import { sendInvitation } from './support/invitations.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { InvitationsService } from '../src/invitations/invitations.service.js';

const INVITE = 'Invitation Internal (No login)';
const GOOD = 'tulip-Harbor-42';

describe('invitation links: dead links, races, bulk send', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let beta: TestTenant;
  let admin: Agent;

  const newInvitee = () => userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });

  const invite = (user: TestUser) => sendInvitation({ t, smtp, admin }, user);

  const accept = (path: string, host = acme.host) => {
    const visitor = agentFor(t, host);
    return submitForm(visitor, path, path, { password: GOOD, confirmPassword: GOOD });
  };

  const userType = async (id: number) => (await t.db.query('select user_type from app_user where id = $1', [id])).rows[0].user_type;

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    acme = await tenantFactory(t, { displayName: 'Acme' });
    beta = await tenantFactory(t, { displayName: 'Beta' });
    ({ agent: admin } = await login(t, acme.host, acme.admin.login, acme.admin.password));
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('an expired link shows its own page, never the form, and cannot be used', async () => {
    const user = await newInvitee();
    const link = await invite(user);
    const visitor = agentFor(t, acme.host);
    const csrf = csrfOf((await visitor.get(link.pathname)).text);
    t.clock.advance(72 * 3_600_000 + 1_000);
    try {
      const page = await visitor.get(link.pathname);
      expect(page.status).toBe(410);
      expect(page.text).toContain('This invitation has expired');
      expect(page.text).not.toContain('Confirm password');
      expect(page.text).toMatch(/<button[^>]*>Request a new invitation<\/button>/);
      const post = await visitor.post(link.pathname).type('form').send({ _csrf: csrf, password: GOOD, confirmPassword: GOOD });
      expect(post.status).toBe(410);
      expect(await userType(user.id)).toBe(INVITE);
      expect((await t.app.get(InvitationsService).latestByUser(acme.id, [user.id])).get(user.id)?.status).toBe('expired');

      // Request a new invitation: flagged for the administrator, audited, at most 3 an hour.
      for (let i = 0; i < 5; i++) {
        const res = await submitForm(visitor, link.pathname, link.pathname + '/request', {});
        expect(res.status).toBe(200);
        expect(res.text).toContain('Your administrator has been told');
      }
      const requests = await t.db.query(`select 1 from audit_event where tenant_id = $1 and event = 'invitation_requested_again' and target_id = $2`, [
        acme.id,
        user.id,
      ]);
      expect(requests.rowCount).toBe(3);
      expect((await t.app.get(InvitationsService).latestByUser(acme.id, [user.id])).get(user.id)?.requested).toBe(true);
    } finally {
      t.clock.reset();
    }
  });

  it('a resend replaces the link; revoke kills it', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    const second = await invite(user);
    const old = await agentFor(t, acme.host).get(first.pathname);
    expect(old.status).toBe(410);
    expect(old.text).toContain('This invitation was replaced');
    expect(old.text).not.toContain('Confirm password');
    const events = await t.db.query<{ event: string }>(`select event from audit_event where target_id = $1 and event like 'invitation_%' order by id`, [
      user.id,
    ]);
    expect(events.rows.map((e) => e.event)).toEqual(['invitation_sent', 'invitation_delivered', 'invitation_resent', 'invitation_delivered']);

    const revoked = await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations/revoke`, {});
    expect(revoked.headers.location).toBe(`/security/users/${user.id}?notice=invitation-revoked`);
    const dead = await agentFor(t, acme.host).get(second.pathname);
    expect(dead.status).toBe(410);
    expect(dead.text).toContain('This invitation was withdrawn');
    expect((await accept(second.pathname)).status).toBe(410);
    expect(await userType(user.id)).toBe(INVITE);

    const third = await invite(user);
    expect((await accept(third.pathname)).status).toBe(303);
    expect(await userType(user.id)).toBe('Internal');
  });

  it('tampered, unknown and other-instance links are "not valid" (404), and the request button reveals nothing', async () => {
    const user = await newInvitee();
    const link = await invite(user);
    const token = link.pathname.split('/').pop()!;
    const tampered = '/invitation/' + token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const [host, path] of [
      [acme.host, tampered],
      [acme.host, '/invitation/abc'],
      [beta.host, link.pathname],
    ]) {
      const res = await agentFor(t, host).get(path);
      expect(res.status).toBe(404);
      expect(res.text).toContain('This link is not valid');
      expect(res.text).not.toContain('Confirm password');
      const visitor = agentFor(t, host);
      const asked = await submitForm(visitor, path, path + '/request', {});
      expect(asked.status).toBe(200);
      expect(asked.text).toContain('Your administrator has been told');
    }
    expect((await accept(link.pathname, beta.host)).status).toBe(404);
    expect((await t.db.query('select invitation_requested_at from app_user where id = $1', [user.id])).rows[0].invitation_requested_at).toBeNull();
    // Still valid on its own instance.
    expect((await agentFor(t, acme.host).get(link.pathname)).status).toBe(200);
  });

  it('ten concurrent submissions of one link create exactly one account', async () => {
    const user = await newInvitee();
    const link = await invite(user);
    const visitor = agentFor(t, acme.host);
    const csrf = csrfOf((await visitor.get(link.pathname)).text);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => visitor.post(link.pathname).type('form').send({ _csrf: csrf, password: GOOD, confirmPassword: GOOD })),
    );
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 410 && r.text.includes('already been used'))).toHaveLength(9);
    const accepted = await t.db.query(`select 1 from audit_event where event = 'invitation_accepted' and target_id = $1`, [user.id]);
    expect(accepted.rowCount).toBe(1);
    const version = await t.db.query('select version, user_type from app_user where id = $1', [user.id]);
    expect(version.rows[0]).toEqual({ version: 2, user_type: 'Internal' });
  });

  it('bulk send queues the eligible users and lists the others with the reason', async () => {
    const a = await newInvitee();
    const b = await userFactory(t.db, acme, { userType: 'Invitation External (No login)', roles: ['Worker'], password: null });
    const internal = await userFactory(t.db, acme, { userType: 'Internal', roles: ['Worker'] });
    const foreign = await userFactory(t.db, beta, { userType: INVITE, roles: ['Worker'], password: null });
    const res = await submitForm(admin, '/', '/security/users/invitations/bulk', {
      ids: [String(a.id), String(b.id), String(internal.id), String(foreign.id)],
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('2 invitations queued');
    expect(res.text).toContain(internal.login);
    expect(res.text).toContain('Only users of type');
    expect(res.text).toContain(`User #${foreign.id}: Not found`);
    const rows = await t.db.query<{ user_id: number }>('select user_id from invitation where user_id = any($1::int[]) order by user_id', [
      [a.id, b.id, internal.id, foreign.id],
    ]);
    expect(rows.rows.map((r) => r.user_id)).toEqual([a.id, b.id]);
    await expect.poll(() => smtp.to(a.email!).length + smtp.to(b.email!).length, { timeout: 10_000 }).toBe(2);

    const one = await submitForm(admin, '/', '/security/users/invitations/bulk', { ids: String(internal.id) });
    expect(one.text).toContain('0 invitations queued');
  });
});
