import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { VIEWS_DIR } from '../common/views.js';

export interface InvitationMailModel {
  name: string;
  instanceName: string;
  instanceHost: string;
  link: string;
  /** Already formatted, e.g. `2026-11-27 14:05 UTC`. */
  expiresAt: string;
}

// Compiled once. The HTML part escapes every value; the text part must not turn `&` into `&amp;`,
// so it is compiled without escaping and each value is made a single plain line first.
const hb = Handlebars.create();
const load = (file: string) => readFileSync(join(VIEWS_DIR, 'mail', file), 'utf8');
const invitationHtml = hb.compile(load('invitation.hbs'), { strict: true });
const invitationText = hb.compile(load('invitation.txt.hbs'), { strict: true, noEscape: true });
const reminderHtml = hb.compile(load('invitation-reminder.hbs'), { strict: true });
const reminderText = hb.compile(load('invitation-reminder.txt.hbs'), { strict: true, noEscape: true });

/** One line of plain text: no line breaks or other control characters, so a value cannot add lines to the mail. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

export function renderInvitationMail(model: InvitationMailModel): { subject: string; html: string; text: string } {
  const plain = Object.fromEntries(Object.entries(model).map(([k, v]) => [k, oneLine(v)])) as unknown as InvitationMailModel;
  return { subject: `Invitation to join ${plain.instanceHost}`, html: invitationHtml(model), text: invitationText(plain) };
}

/** The reminder before an invitation expires (same model: its own link, the invitation's expiry). */
export function renderReminderMail(model: InvitationMailModel): { subject: string; html: string; text: string } {
  const plain = Object.fromEntries(Object.entries(model).map(([k, v]) => [k, oneLine(v)])) as unknown as InvitationMailModel;
  return { subject: `Reminder: invitation to join ${plain.instanceHost}`, html: reminderHtml(model), text: reminderText(plain) };
}
