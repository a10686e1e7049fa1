import { msg, type Message } from '../common/i18n/message.js';

/**
 * What the user form and the users list say after an invitation action: `?notice=<code>` and
 * `?error=<code>` on /security/users/:id map to these texts.
 */
export const INVITATION_MESSAGES: Record<string, string> = {
  'invitation-queued': 'The invitation mail is on its way. Its state shows in the Invitation column of the users list.',
  'invitation-extended': 'The invitation was extended: its Create Account link works longer. No mail was sent.',
  'not-extendable': 'This user has no delivered invitation to extend. Send an invitation mail instead.',
  'invitation-revoked': 'The invitation was revoked. Its Create Account link no longer works.',
  'not-invitation-type':
    'Only users of type "Invitation Internal (No login)" or "Invitation External (No login)" can be invited. Change the User Type and save first.',
  'no-email': 'This user has no email address. Enter one and save before sending the invitation.',
  'already-accepted': 'This user has already accepted an invitation and can log in.',
  'no-open-invitation': 'This user has no open invitation to revoke.',
  deactivated: 'This user is deactivated. Reactivate the user before sending an invitation.',
};

export type InvitationRefusal = 'not-invitation-type' | 'no-email' | 'already-accepted' | 'deactivated';

/** The warning shown before sending to a user without roles (the seed's note). */
export function noRolesWarning(login: string): Message {
  return msg('invite.noRolesWarning', { login });
}
