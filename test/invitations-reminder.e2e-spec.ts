import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, submitForm, type Agent } from './support/http.js';
import { createAccountLink, TestSmtp } from './support/smtp.js';
import { INTO_REMINDER_WINDOW, REMINDER_ENV, sendInvitation } from './support/invitations.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { InvitationRemindersService } from '../src/invitations/invitation-reminders.service.js';
import { MailDeliveryWorker } from '../src/mail/mail-delivery.worker.js';

const INVITE = 'Invitation Internal (No login)';
const GOOD = 'tulip-Harbor-42';
const HOUR = 3_600_000;

/**
 * Issue 16, Reminder: one mail INVITATION_REMINDER_HOURS before an unaccepted invitation expires,
 * with a second Create Account link of the same invitation; the first mail's link keeps working, and
 * both die together (acceptance, resend, revoke). The sweep's timer is stopped: each test sweeps itself.
 */
describe('invitation reminders', () => {
  let world: MailWorld;
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  let reminders: InvitationRemindersService;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme', env: REMINDER_ENV });
    ({ t, smtp, acme, admin } = world);
    reminders = t.app.get(InvitationRemindersService);
    await reminders.stop();
  });
  afterAll(() => world?.close());

  const newInvitee = () => userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });

  const invite = (user: TestUser) => sendInvitation({ t, smtp, admin }, user);

  /** Moves into the reminder window, sweeps, and returns the reminder's link once it arrived; the clock stays moved. */
  async function remind(user: TestUser): Promise<URL> {
    const before = smtp.to(user.email!).length;
    t.clock.advance(INTO_REMINDER_WINDOW);
    // Invitations of earlier tests may fall due at the same time: this user's is one of them.
    expect(await reminders.sweep()).toBeGreaterThanOrEqual(1);
    expect(await reminderRows(user.id)).toHaveLength(1);
    await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(before + 1);
    return createAccountLink(smtp.to(user.email!)[before]);
  }

  /** A reminder, then the clock back to the present (where the links are checked). */
  async function remindNow(user: TestUser): Promise<URL> {
    try {
      return await remind(user);
    } finally {
      t.clock.reset();
    }
  }

  const open = (link: URL) => agentFor(t, acme.host).get(link.pathname);
  const accept = (link: URL) => submitForm(agentFor(t, acme.host), link.pathname, link.pathname, { password: GOOD, confirmPassword: GOOD });
  const reminderRows = async (userId: number) =>
    (
      await t.db.query(
        `select o.state from mail_outbox o join invitation i on i.tenant_id = o.tenant_id and i.id = o.ref_id where o.kind = 'invitation_reminder' and i.user_id = $1`,
        [userId],
      )
    ).rows;
  const events = async (userId: number, event: string) =>
    (await t.db.query('select details from audit_event where tenant_id = $1 and target_id = $2 and event = $3', [acme.id, userId, event])).rows;

  it('arrives once from two processes, with a second link; the first mail’s link still works; accepting through one kills both', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    expect(await reminders.sweep()).toBe(0); // not due yet: expires in 2 hours
    try {
      await remindedOnceAndBothLinksWork(user, first);
    } finally {
      t.clock.reset();
    }
    // The user form shows the reminder in the invitation's state.
    const form = await admin.get(`/security/users/${user.id}`);
    expect(form.text).toMatch(/<dt>Reminder sent<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/dd>/);
    expect(form.text).toContain('Accepted');
  });

  async function remindedOnceAndBothLinksWork(user: TestUser, first: URL): Promise<void> {
    // A second process on the same database sweeps at the same moment.
    const other = await createTestApp({ databaseUrl: t.databaseUrl, env: { SMTP_URL: smtp.url, ...REMINDER_ENV } });
    try {
      const otherReminders = other.app.get(InvitationRemindersService);
      await otherReminders.stop();
      t.clock.advance(INTO_REMINDER_WINDOW);
      other.clock.advance(INTO_REMINDER_WINDOW);
      const counts = await Promise.all([reminders.sweep(), otherReminders.sweep(), reminders.sweep(), otherReminders.sweep()]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
      await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(2);
      expect(await reminders.sweep()).toBe(0);
      expect(await otherReminders.sweep()).toBe(0);
    } finally {
      await other.close();
    }
    await expect.poll(async () => (await reminderRows(user.id)).map((r) => r.state)).toEqual(['sent']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(user.email!)).toHaveLength(2);

    const mail = smtp.to(user.email!)[1];
    expect(mail.subject).toBe(`Reminder: invitation to join ${acme.name}.localhost`);
    expect(mail.from?.text).toContain('notification@erpnet.info');
    const expiresAt = new Date((await t.db.query('select expires_at from invitation where user_id = $1', [user.id])).rows[0].expires_at);
    const shown = expiresAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    expect(mail.text).toContain(`It expires on ${shown}.`);
    expect(mail.html).toContain(shown);
    const second = createAccountLink(mail);
    expect(second.pathname).not.toBe(first.pathname);
    // Same invitation, same expiry: two valid links of one subject and purpose.
    const links = await t.db.query(`select state, expires_at from one_time_link where tenant_id = $1 and purpose = 'invitation' and subject_id = $2`, [
      acme.id,
      user.id,
    ]);
    expect(links.rows.map((l) => [l.state, new Date(l.expires_at).getTime()])).toEqual([
      ['valid', expiresAt.getTime()],
      ['valid', expiresAt.getTime()],
    ]);
    expect(await events(user.id, 'invitation_reminder_queued')).toHaveLength(1);
    const reminded = await events(user.id, 'invitation_reminded');
    expect(reminded).toHaveLength(1);
    expect(reminded[0].details.email).toBe(user.email);

    {
      for (const link of [first, second]) {
        const page = await open(link);
        expect(page.status).toBe(200);
        expect(page.text).toContain('Confirm password');
      }
      const res = await accept(second);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/login?notice=ready&login=${user.login}`);
      for (const link of [first, second]) {
        const page = await open(link);
        expect(page.status).toBe(410);
        expect(page.text).toContain('already been used');
        expect(page.text).not.toContain('Confirm password');
      }
      expect((await accept(first)).status).toBe(410);
    }
  }

  it('accepting through the first mail’s link kills the reminder’s link too', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    try {
      const second = await remind(user);
      expect((await accept(first)).status).toBe(303);
      const page = await open(second);
      expect(page.status).toBe(410);
      expect(page.text).toContain('already been used');
      expect((await accept(second)).status).toBe(410);
    } finally {
      t.clock.reset();
    }
  });

  it('submissions through both links at once create one account; the others answer used, never an error', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    try {
      const second = await remind(user);
      const results = await Promise.all([first, second, first, second, first, second].map((link) => accept(link)));
      expect(results.filter((r) => r.status === 303)).toHaveLength(1);
      expect(results.filter((r) => r.status === 410 && r.text.includes('already been used'))).toHaveLength(5);
    } finally {
      t.clock.reset();
    }
    expect((await t.db.query('select user_type from app_user where id = $1', [user.id])).rows[0].user_type).toBe('Internal');
  });

  it('a resend by the administrator after a reminder replaces both earlier links', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    const second = await remindNow(user);
    const third = await invite(user);
    for (const link of [first, second]) {
      const page = await open(link);
      expect(page.status).toBe(410);
      expect(page.text).toContain('This invitation was replaced');
    }
    expect((await open(third)).text).toContain('Confirm password');
    // The new invitation is not reminded yet: it gets its own reminder when it is due.
    expect((await admin.get(`/security/users/${user.id}`)).text).not.toContain('Reminder sent');
  });

  it('revoking after a reminder kills both links', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    const second = await remindNow(user);
    const res = await submitForm(admin, `/security/users/${user.id}`, `/security/users/${user.id}/invitations/revoke`, {});
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-revoked`);
    for (const link of [first, second]) expect((await open(link)).text).toContain('This invitation was withdrawn');
  });

  it('Extend invitation after a reminder moves both links’ expiry, without a mail', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    const second = await remindNow(user);
    const before = new Date((await t.db.query('select expires_at from invitation where user_id = $1', [user.id])).rows[0].expires_at).getTime();
    const res = await submitForm(admin, `/security/users/${user.id}/invitations/extend`, `/security/users/${user.id}/invitations/extend`, {});
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-extended`);
    const links = await t.db.query(
      `select expires_at from one_time_link where tenant_id = $1 and purpose = 'invitation' and subject_id = $2 and state = 'valid'`,
      [acme.id, user.id],
    );
    expect(links.rows.map((l) => new Date(l.expires_at).getTime())).toEqual([before + 2 * HOUR, before + 2 * HOUR]);
    // Past the first expiry both links still open the form; no mail was sent and no second reminder is queued.
    t.clock.advance(2 * HOUR + 60_000);
    try {
      for (const link of [first, second]) expect((await open(link)).text).toContain('Confirm password');
      expect(await reminders.sweep()).toBe(0);
    } finally {
      t.clock.reset();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to(user.email!)).toHaveLength(2);
    // The new expiry gets its own reminder, with a link that expires with the invitation.
    t.clock.advance(2 * HOUR + INTO_REMINDER_WINDOW);
    try {
      expect(await reminders.sweep()).toBeGreaterThanOrEqual(1);
      await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(3);
    } finally {
      t.clock.reset();
    }
    const third = createAccountLink(smtp.to(user.email!)[2]);
    expect((await open(third)).text).toContain('Confirm password');
    const latest = await t.db.query(
      `select l.expires_at from one_time_link l where l.tenant_id = $1 and l.purpose = 'invitation' and l.subject_id = $2 order by l.id desc limit 1`,
      [acme.id, user.id],
    );
    expect(new Date(latest.rows[0].expires_at).getTime()).toBe(before + 2 * HOUR);
  });

  it('no reminder for an accepted invitation, nor for a deactivated user', async () => {
    const accepted = await newInvitee();
    expect((await accept(await invite(accepted))).status).toBe(303);
    const deactivated = await newInvitee();
    const dead = await invite(deactivated);
    const res = await submitForm(admin, `/security/users/${deactivated.id}/deactivate`, `/security/users/${deactivated.id}/deactivate`, {});
    expect(res.headers.location).toBe(`/security/users/${deactivated.id}?notice=user-deactivated`);
    // An invitation still marked sent of a user deactivated by other means is passed over too.
    await t.db.query(`update invitation set status = 'sent', revoked_at = null where user_id = $1`, [deactivated.id]);
    t.clock.advance(INTO_REMINDER_WINDOW);
    try {
      expect(await reminders.sweep()).toBe(0);
      expect((await open(dead)).status).toBe(410);
    } finally {
      t.clock.reset();
    }
    expect(await reminderRows(accepted.id)).toEqual([]);
    expect(await reminderRows(deactivated.id)).toEqual([]);
  });

  it('a reminder queued for an invitation accepted before it went out is not sent, and makes no link', async () => {
    const user = await newInvitee();
    const first = await invite(user);
    const worker = t.app.get(MailDeliveryWorker);
    await worker.stop();
    try {
      t.clock.advance(INTO_REMINDER_WINDOW);
      expect(await reminders.sweep()).toBeGreaterThanOrEqual(1);
      expect((await reminderRows(user.id)).map((r) => r.state)).toEqual(['queued']);
      expect((await accept(first)).status).toBe(303);
    } finally {
      t.clock.reset();
      worker.start();
    }
    await expect.poll(async () => (await reminderRows(user.id)).map((r) => r.state), { timeout: 10_000 }).toEqual(['cancelled']);
    expect(smtp.to(user.email!)).toHaveLength(1);
    const links = await t.db.query(`select state from one_time_link where tenant_id = $1 and purpose = 'invitation' and subject_id = $2`, [acme.id, user.id]);
    expect(links.rows.map((l) => l.state)).toEqual(['used']);
  });

  it('a reminder that can never go out (the address was removed) is given up and audited on its user', async () => {
    const user = await newInvitee();
    await invite(user);
    const worker = t.app.get(MailDeliveryWorker);
    await worker.stop();
    try {
      t.clock.advance(INTO_REMINDER_WINDOW);
      expect(await reminders.sweep()).toBeGreaterThanOrEqual(1);
      await t.db.query('update app_user set email = null where tenant_id = $1 and id = $2', [acme.id, user.id]);
    } finally {
      t.clock.reset();
      worker.start();
    }
    await expect.poll(async () => (await reminderRows(user.id)).map((r) => r.state), { timeout: 10_000 }).toEqual(['failed']);
    const failed = await events(user.id, 'invitation_reminder_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].details).toMatchObject({ reason: 'The user has no email address.', attempts: 1 });
    const log = await admin.get('/security/audit');
    expect(log.text).toContain('Invitation reminder failed');
    expect(log.text).toContain(`href="/security/users/${user.id}"`);
    expect(smtp.to(user.email!)).toHaveLength(1);
  });

  it('the sweep reads the partial index, not the table', async () => {
    const client = await t.db.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const plan = await client.query(
        `explain select i.tenant_id, i.id from invitation i where i.status = 'sent' and i.reminded_at is null and i.expires_at > now() and i.expires_at <= now() + interval '1 hour' order by i.expires_at limit 500`,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('invitation_remind_idx');
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});

describe('invitation reminders off (INVITATION_REMINDER_HOURS=0)', () => {
  let world: MailWorld;
  beforeAll(async () => {
    world = await startMailWorld({ env: { INVITATION_TTL_HOURS: '2', INVITATION_REMINDER_HOURS: '0' } });
  });
  afterAll(() => world?.close());

  it('sends nothing, however close the expiry', async () => {
    const { t, smtp, acme } = world;
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    await sendInvitation(world, user);
    t.clock.advance(1.9 * HOUR);
    try {
      expect(await t.app.get(InvitationRemindersService).sweep()).toBe(0);
    } finally {
      t.clock.reset();
    }
    const rows = await t.db.query(`select 1 from mail_outbox where kind = 'invitation_reminder'`);
    expect(rows.rowCount).toBe(0);
    expect((await t.db.query('select reminded_at from invitation where user_id = $1', [user.id])).rows[0].reminded_at).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to(user.email!)).toHaveLength(1);
  });
});
