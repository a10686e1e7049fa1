/** Stored states of a link; "expired" is derived from the expiry time. */
export const LINK_STATES = ['valid', 'used', 'revoked', 'replaced'] as const;
export type StoredLinkState = (typeof LINK_STATES)[number];

/** What a link is worth when someone opens it. */
export type LinkStatus = StoredLinkState | 'expired' | 'unknown';

/** An ended link says how it ended; a valid one past its expiry is expired. */
export function linkStatus(row: { state: StoredLinkState; expires_at: Date } | undefined, now: Date): LinkStatus {
  if (!row) return 'unknown';
  if (row.state !== 'valid') return row.state;
  return row.expires_at.getTime() <= now.getTime() ? 'expired' : 'valid';
}
