import { EntityManager } from '@mikro-orm/postgresql';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvitationMailComposer } from '../src/invitations/invitation-mail.composer.js';
import type { ComposedMail } from '../src/mail/mail-composer.js';
import { MailDeliveryWorker } from '../src/mail/mail-delivery.worker.js';
import { OutboxRepository } from '../src/mail/outbox.repository.js';
import { userFactory, type TestTenant } from './support/factories.js';
import { agentFor, submitForm, type Agent } from './support/http.js';
import { createAccountLink, TestSmtp } from './support/smtp.js';
import { sendInvitation } from './support/invitations.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import type { TestApp } from './support/test-app.js';

const INVITE = 'Invitation Internal (No login)';

/** The outbox and one-time links together: when a Create Account link starts to work, and what a crash leaves behind. */
describe('mail outbox and Create Account links', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  /** What the link in each mail answered while the sender was still waiting for SMTP's answer. */
  const answeredBeforeAccept: number[] = [];

  let world: MailWorld;

  beforeAll(async () => {
    world = await startMailWorld({
      smtp: {
        beforeAccept: async (mail: ParsedMail) => {
          const link = createAccountLink(mail);
          answeredBeforeAccept.push((await agentFor(t, link.host).get(link.pathname)).status);
        },
      },
    });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  it('a link works from the moment its mail can arrive: before SMTP has even accepted it', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations`, {});
    await smtp.waitFor(1);
    expect(answeredBeforeAccept).toEqual([200]);
    const stored = await t.db.query(`select state from one_time_link where subject_id = $1`, [user.id]);
    expect(stored.rows).toEqual([{ state: 'valid' }]);
  });

  it('a crash between SMTP and the commit leaves a working link; the retried mail replaces it once delivered', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    const worker = t.app.get(MailDeliveryWorker);
    await worker.stop();
    await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations`, {});
    // The first attempt: claimed and composed (its link committed), handed to SMTP, and then the
    // process "dies" before the outbox commit.
    const [job] = await t.app.get(OutboxRepository).claimDue(t.app.get(EntityManager).fork(), 20, 20, 120);
    expect(job.refId).not.toBeNull();
    const [firstMail] = await t.app.get(InvitationMailComposer).compose([job]);
    const first = new URL((firstMail as ComposedMail).html.match(/<a href="([^"]+)"/)![1]);
    expect((await agentFor(t, acme.host).get(first.pathname)).status).toBe(200);

    // The lease runs out; the worker sends again with a fresh link.
    await t.db.query(`update mail_outbox set locked_until = now() - interval '1 second' where id = $1`, [job.id]);
    const before = smtp.messages.length;
    worker.start();
    const [retried] = (await smtp.waitFor(before + 1)).slice(before);
    const second = createAccountLink(retried);
    expect(second.pathname).not.toBe(first.pathname);
    await expect.poll(async () => (await t.db.query(`select state from mail_outbox where id = $1`, [job.id])).rows[0].state).toBe('sent');
    // Only the newest mail's link works; the first one says so.
    expect((await agentFor(t, acme.host).get(second.pathname)).status).toBe(200);
    const old = await agentFor(t, acme.host).get(first.pathname);
    expect(old.status).toBe(410);
    expect(old.text).toContain('This invitation was replaced');
    const links = await t.db.query(`select state from one_time_link where subject_id = $1 order by id`, [user.id]);
    expect(links.rows.map((r) => r.state)).toEqual(['replaced', 'valid']);
  });

  it('keeps no raw token anywhere: outbox, links and invitations hold hashes only', async () => {
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    const token = (await sendInvitation(world, user)).pathname.split('/').pop()!;
    const leaks = await t.db.query(
      `select 1 from mail_outbox o where row_to_json(o.*)::text like $1
       union all select 1 from one_time_link l where row_to_json(l.*)::text like $1
       union all select 1 from invitation i where row_to_json(i.*)::text like $1`,
      [`%${token}%`],
    );
    expect(leaks.rowCount).toBe(0);
  });
  it('many mails at once: each delivered and recorded once, the lanes sharing their transactions', async () => {
    // More than two batches, so the next batch is claimed and composed while one goes out.
    const users = await Promise.all(Array.from({ length: 45 }, () => userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null })));
    const ids = users.map((u) => u.id);
    const res = await submitForm(admin, '/', '/security/users/invitations/bulk', { ids: ids.map(String) });
    expect(res.text).toContain('45 invitations queued');
    await expect.poll(() => users.filter((u) => smtp.to(u.email!).length > 0).length, { timeout: 15_000 }).toBe(45);
    // A mail reaches the sink a moment before its lane's transaction records it.
    const sent = async () =>
      (
        await t.db.query(
          `select count(*)::int as n from mail_outbox where kind = 'invitation' and state = 'sent' and ref_id in (select id from invitation where user_id = any($1::int[]))`,
          [ids],
        )
      ).rows[0].n;
    await expect.poll(sent, { timeout: 15_000 }).toBe(45);
    const outbox = await t.db.query<{ state: string; attempts: number; transactions: number; mails: number }>(
      `select o.state, o.attempts, count(distinct o.xmin::text)::int as transactions, count(*)::int as mails
       from mail_outbox o join invitation i on i.id = o.ref_id and i.tenant_id = o.tenant_id
       where o.kind = 'invitation' and i.user_id = any($1::int[]) group by o.state, o.attempts`,
      [ids],
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({ state: 'sent', attempts: 1, mails: 45 });
    // Rows written by one transaction share its xmin: fewer transactions than mails.
    expect(outbox.rows[0].transactions).toBeLessThan(45);
    const invitations = await t.db.query('select status, count(*)::int as n from invitation where user_id = any($1::int[]) group by status', [ids]);
    expect(invitations.rows).toEqual([{ status: 'sent', n: 45 }]);
    const audited = await t.db.query<{ n: number }>(
      `select count(*)::int as n from audit_event where event = 'invitation_delivered' and target_id = any($1::int[]) group by target_id`,
      [ids],
    );
    expect(audited.rows).toHaveLength(45);
    expect(audited.rows.every((r) => r.n === 1)).toBe(true);
    expect(users.every((u) => smtp.to(u.email!).length === 1)).toBe(true);
  });
});
