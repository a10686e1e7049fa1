import type pg from 'pg';
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
