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

/** A link that cannot be used, as its page tells it. */
export type DeadLinkStatus = Exclude<LinkStatus, 'valid'>;

/** The HTTP status of a dead link's page: 404 for one never issued, 410 (Gone) for one that was and ended. */
export function deadLinkStatus(status: DeadLinkStatus): 404 | 410 {
  return status === 'unknown' ? 404 : 410;
}
