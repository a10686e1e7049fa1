import type pg from 'pg';
import { expect } from 'vitest';
import type { TestUser } from './factories.js';
import { submitForm, type Agent } from './http.js';
import { createAccountLink, type TestSmtp } from './smtp.js';
import type { TestApp } from './test-app.js';
import { hashLinkToken, newLinkToken } from '../../src/links/link-token.js';

/**
 * An open invitation written directly (no mail involved): the invitation row and its link's hash;
 * returns the token of its Create Account link.
 */
export async function openInvitationFor(db: pg.Pool, tenantId: number, userId: number, validFor = '1 day'): Promise<string> {
  const token = newLinkToken();
  await db.query(`insert into invitation (tenant_id, user_id, status, expires_at, sent_at) values ($1, $2, 'sent', now() + $3::interval, now())`, [
    tenantId,
    userId,
    validFor,
  ]);
  await db.query(`insert into one_time_link (tenant_id, purpose, subject_id, token_hash, expires_at) values ($1, 'invitation', $2, $3, now() + $4::interval)`, [
    tenantId,
    userId,
    hashLinkToken(token),
    validFor,
  ]);
  return token;
}

/** INVITATION_TTL_HOURS=2 and INVITATION_REMINDER_HOURS=0.5: the reminder is due 1.5 hours after delivery. */
export const REMINDER_ENV = { INVITATION_TTL_HOURS: '2', INVITATION_REMINDER_HOURS: '0.5' };
/** How far to move the clock after delivery to be inside REMINDER_ENV's reminder window. */
export const INTO_REMINDER_WINDOW = 1.6 * 3_600_000;

/**
 * Sends an invitation as the administrator does (the confirmation page's form), waits for its mail
 * and for the invitation to be marked sent, and returns the mail's Create Account link.
 */
export async function sendInvitation(world: { t: TestApp; smtp: TestSmtp; admin: Agent }, user: TestUser): Promise<URL> {
  const { t, smtp, admin } = world;
  const before = smtp.to(user.email!).length;
  const res = await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations`, {});
  expect(res.headers.location).toBe(`/security/users/${user.id}?notice=invitation-queued`);
  await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(before + 1);
  await expect
    .poll(async () => (await t.db.query('select status from invitation where user_id = $1 order by id desc limit 1', [user.id])).rows[0].status)
    .toBe('sent');
  return createAccountLink(smtp.to(user.email!)[before]);
}
