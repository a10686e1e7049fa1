import type { InvitationState } from './invitation.entity.js';

/** What the administrator sees: the stored state, with "expired" derived from the expiry time. */
export type InvitationStatus = InvitationState | 'expired';

// Raw SQL rows carry timestamps as strings (MikroORM's driver leaves them unparsed): compare as times.
export function invitationStatus(row: { status: InvitationState; expires_at?: Date | string | null }, now: Date): InvitationStatus {
  if (row.status === 'sent' && row.expires_at && new Date(row.expires_at).getTime() <= now.getTime()) return 'expired';
  return row.status;
}

/** Each state's label in English; pages show it in their reader's language (it is a catalogue text). */
export const STATUS_LABELS: Record<InvitationStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  accepted: 'Accepted',
  revoked: 'Revoked',
  expired: 'Expired',
};

/** Badge colour of a state in lists. */
export const STATUS_TONES: Record<InvitationStatus, string> = {
  queued: 'info',
  sending: 'info',
  sent: 'info',
  failed: 'err',
  accepted: 'ok',
  revoked: 'warn',
  expired: 'warn',
};

/** The badge of an invitation in lists and on the user form: derived state, its label and colour. */
export function statusView(
  row: { status: InvitationState; expires_at?: Date | string | null },
  now: Date,
): { status: InvitationStatus; label: string; tone: string } {
  const status = invitationStatus(row, now);
  return { status, label: STATUS_LABELS[status], tone: STATUS_TONES[status] };
}
