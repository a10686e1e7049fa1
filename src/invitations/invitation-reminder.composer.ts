import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { LinksService } from '../links/links.service.js';
import { type Composed, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import { INVITATION_LINK } from './invitation-mail.composer.js';
import { InvitationMails, type LinkMail } from './invitation-mails.js';
import { INVITATION_REMINDER_KIND } from './invitation-reminders.service.js';
import { InvitationsRepository } from './invitations.repository.js';

/**
 * The reminder mail, built when it goes out. It carries a second Create Account link of the same
 * invitation (same purpose and subject, the invitation's current expiry) and never touches the
 * first: the invitee may act on either mail. Both are the user's valid invitation links, so both
 * die together on acceptance (the other is used up), on a resend (replaced), on revoke or
 * deactivation (revoked), and an extension moves both. The link is made, under the invitation's
 * row lock, only while the invitation is still delivered and unexpired, and committed before SMTP
 * sees the mail; an invitation accepted, revoked or expired meanwhile gets no reminder.
 */
@Injectable()
export class InvitationReminderComposer implements MailComposer<LinkMail> {
  readonly kind = INVITATION_REMINDER_KIND;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly mails: InvitationMails,
    private readonly links: LinksService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async compose(jobs: OutboxJob[]): Promise<Composed<LinkMail>[]> {
    const { results, open } = await this.mails.jobs(jobs, (row) => row.status === 'sent');
    if (!open.length) return results;
    // One transaction: the invitations stay as they are (delivered, unexpired) until the links exist.
    const made = await this.em.fork().transactional(async (em) => {
      const expiries = await this.repo.lockForReminder(
        em,
        open.map((o) => o.ref),
        this.clock.now(),
      );
      const due = open.flatMap(({ row, ref }) => {
        const expiresAt = expiries.get(row.id);
        return expiresAt ? [{ invitationId: row.id, tenantId: ref.tenantId, subjectId: row.user_id, expiresAt }] : [];
      });
      const issued = await this.links.issueMany(em, INVITATION_LINK, due);
      return new Map(due.map((d, k) => [d.invitationId, { ...issued[k], expiresAt: d.expiresAt }]));
    });
    for (const job of open) {
      const link = made.get(job.row.id);
      if (link) results[job.i] = await this.mails.mail('reminder', job, link, link.expiresAt);
    }
    return results;
  }

  async sent(items: { job: OutboxJob; mail: ComposedMail<LinkMail> }[], em: EntityManager, at: Date): Promise<void> {
    await this.repo.markReminderSent(
      em,
      items.map(({ job, mail }) => ({ tenantId: mail.context.tenantId, id: job.refId! })),
      at,
    );
    await this.audit.recordMany(
      items.map(({ job, mail }) => ({
        tenantId: mail.context.tenantId,
        event: 'invitation_reminded',
        target: { type: 'user', id: mail.context.userId },
        details: { invitationId: job.refId, email: mail.to, expiresAt: mail.context.expiresAt.toISOString(), attempts: job.attempts },
      })),
      em,
    );
  }

  /** Nothing to undo: a link made for a mail that did not go out was never handed to anyone. */
  async released(): Promise<void> {}

  /** Audited when giving up (the outbox row keeps the reason of each attempt). */
  async failed(job: OutboxJob, { reason, giveUp }: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void> {
    if (!giveUp || !job.tenantId) return;
    const userId = await this.repo.userOf(em, job.tenantId, job.refId!);
    await this.audit.record(
      {
        tenantId: job.tenantId,
        event: 'invitation_reminder_failed',
        target: userId === undefined ? null : { type: 'user', id: userId },
        details: { invitationId: job.refId, reason, attempts: job.attempts },
      },
      em,
    );
  }
}
