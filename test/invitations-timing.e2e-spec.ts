import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, submitForm, type Agent } from './support/http.js';
import { TestSmtp } from './support/smtp.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import { sendInvitation } from './support/invitations.js';
import type { TestApp } from './support/test-app.js';

const INVITE = 'Invitation Internal (No login)';
const HOUR = 3_600_000;

describe('invitation timing: extend', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  let world: MailWorld;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme', env: { INVITATION_TTL_HOURS: '2', INVITATION_REMINDER_HOURS: '0.5' } });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  const invite = (user: TestUser) => sendInvitation({ t, smtp, admin }, user);
  const expiry = async (userId: number) =>
    new Date((await t.db.query('select expires_at from invitation where user_id = $1 order by id desc limit 1', [userId])).rows[0].expires_at).getTime();

  it('Extend invitation (Run menu, confirmed) moves the current link’s expiry by INVITATION_TTL_HOURS without a mail, and is audited', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    const link = await invite(user);
    const form = await admin.get(`/security/users/${user.id}`);
    expect(form.text).toMatch(/<a class="menu-item" href="\/security\/users\/\d+\/invitations\/extend" data-dialog="extend-dialog">Extend invitation<\/a>/);
    const confirm = await admin.get(`/security/users/${user.id}/invitations/extend`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('No mail is sent.');

    const before = await expiry(user.id);
    const res = await submitForm(admin, `/security/users/${user.id}/invitations/extend`, `/security/users/${user.id}/invitations/extend`, {});
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-extended`);
    expect((await admin.get(res.headers.location)).text).toContain('The invitation was extended');
    expect(await expiry(user.id)).toBe(before + 2 * HOUR);

    // No mail: nothing new in the outbox.
    const outbox = await t.db.query(`select count(*)::int as n from mail_outbox where tenant_id = $1 and recipient = $2`, [acme.id, user.email]);
    expect(outbox.rows[0].n).toBe(1);
    expect(smtp.to(user.email!)).toHaveLength(1);
    const audit = await t.db.query(`select actor_login, details from audit_event where event = 'invitation_extended' and target_id = $1`, [user.id]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].actor_login).toBe('admin');
    expect(new Date(audit.rows[0].details.expiresAfter).getTime()).toBe(before + 2 * HOUR);

    // Past the first expiry the same link still opens the form.
    t.clock.advance(2 * HOUR + 60_000);
    try {
      const page = await agentFor(t, acme.host).get(link.pathname);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Confirm password');
    } finally {
      t.clock.reset();
    }
  });

  it('refuses to extend when there is no delivered invitation, and 404 for a user of another instance', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, password: null });
    const res = await submitForm(admin, `/security/users/${user.id}/invitations/extend`, `/security/users/${user.id}/invitations/extend`, {});
    expect(res.headers.location).toBe(`/security/users/${user.id}?error=not-extendable`);
    expect((await admin.get(`/security/users/${user.id}`)).text).not.toContain('Extend invitation</a>');
    const beta = await tenantFactory(t);
    const stranger = await userFactory(t.db, beta, { userType: INVITE, password: null });
    expect((await admin.get(`/security/users/${stranger.id}/invitations/extend`)).status).toBe(404);
  });
});
