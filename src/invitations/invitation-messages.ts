/** Messages for the codes invitation routes put in redirects (?notice= / ?error=). */
export const INVITATION_MESSAGES: Record<string, string> = {
  'invitation-queued': 'The invitation mail is on its way.',
  'invitation-revoked': 'The invitation has been revoked; its link no longer works.',
  'not-invitation-type': 'Only users of type "Invitation Internal (No login)" or "Invitation External (No login)" can be invited.',
  'no-email': 'This user has no email address. Add one and save before sending the invitation.',
  'already-accepted': 'This user has already accepted an invitation.',
};
