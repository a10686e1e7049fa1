import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import { type Composed, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import { InvitationMails, type LinkMail } from './invitation-mails.js';
import { InvitationsRepository, OPEN_STATES } from './invitations.repository.js';

export const INVITATION_KIND = 'invitation';
export const INVITATION_LINK = 'invitation';

/**
 * The invitation mail, built when it goes out. Its link's hash is stored and committed before the
 * mail is handed to SMTP, so the link works from the moment the mail can arrive, and a crash
 * between SMTP and the outbox commit still leaves the invitee a working link. A retried send makes
 * a fresh link and keeps the earlier ones until SMTP accepted the new mail: then only the newest
 * mail's link works (the others say "replaced"), as the invitee is told.
 */
@Injectable()
export class InvitationMailComposer implements MailComposer<LinkMail> {
  readonly kind = INVITATION_KIND;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly mails: InvitationMails,
    private readonly links: LinksService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async compose(jobs: OutboxJob[]): Promise<Composed<LinkMail>[]> {
    const { results, open } = await this.mails.jobs(jobs, (row) => OPEN_STATES.includes(row.status));
    if (!open.length) return results;
    const expiresAt = new Date(this.clock.now().getTime() + this.config.invitationTtlHours * 3_600_000);
    // Each statement commits before any mail goes out. The links come first: a revoke meanwhile
    // either finds them (and kills them) or leaves the invitation closed, and then they are withdrawn here.
    const links = await this.links.issueMany(
      this.em,
      INVITATION_LINK,
      open.map((o) => ({ tenantId: o.ref.tenantId, subjectId: o.row.user_id, expiresAt })),
    );
    const sending = await this.repo.markSending(
      this.em,
      open.map((o) => o.ref),
    );
    await this.links.withdraw(
      this.em,
      links.filter((_, k) => !sending.has(open[k].row.id)).map((l) => l.id),
    );
    for (const [k, job] of open.entries()) if (sending.has(job.row.id)) results[job.i] = await this.mails.mail('invitation', job, links[k], expiresAt);
    return results;
  }

  async sent(items: { job: OutboxJob; mail: ComposedMail<LinkMail> }[], em: EntityManager, at: Date): Promise<void> {
    const held = await this.repo.markSent(
      em,
      items.map(({ job, mail }) => ({ tenantId: mail.context.tenantId, id: job.refId!, expiresAt: mail.context.expiresAt })),
      at,
    );
    const done = items.filter(({ job }) => held.has(job.refId!));
    // Earlier links of these invitations (a send retried after a crash or a failure, which someone
    // may hold) give way to the ones just delivered. A first attempt has none that was ever sent.
    await this.links.supersede(
      em,
      INVITATION_LINK,
      done
        .filter(({ job }) => job.attempts > 1)
        .map(({ mail: { context } }) => ({ tenantId: context.tenantId, subjectId: context.userId, keepId: context.linkId })),
    );
    await this.audit.recordMany(
      done.map(({ job, mail }) => ({
        tenantId: mail.context.tenantId,
        event: 'invitation_delivered',
        target: { type: 'user', id: mail.context.userId },
        details: { invitationId: job.refId, email: mail.to, attempts: job.attempts },
      })),
      em,
    );
  }

  async released(jobs: OutboxJob[], em: EntityManager): Promise<void> {
    await this.repo.unmarkSending(
      em,
      jobs.map((job) => ({ tenantId: job.tenantId!, id: job.refId! })),
    );
  }

  /** Audited on the first failure and when giving up, not on every retry. */
  async failed(job: OutboxJob, { reason, giveUp }: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void> {
    const tenantId = job.tenantId!;
    const userId = await this.repo.markFailed(em, tenantId, job.refId!, reason);
    if (userId === undefined || (job.attempts !== 1 && !giveUp)) return;
    await this.audit.record(
      {
        tenantId,
        event: 'invitation_failed',
        target: { type: 'user', id: userId },
        details: { invitationId: job.refId, reason, attempts: job.attempts, gaveUp: giveUp },
      },
      em,
    );
  }
}
