import { createHash, randomBytes } from 'node:crypto';

/** A link token: 32 bytes from the CSPRNG, base64url (43 characters). Only its hash is stored. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Tokens of any other shape are unknown without asking the database. */
export function looksLikeLinkToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
