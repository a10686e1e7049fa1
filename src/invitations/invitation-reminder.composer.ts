import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDateTime, translate } from '../common/i18n/i18n.js';
import { readerLanguage } from '../common/i18n/language.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import { mailTemplate } from '../mail/mail-layout.js';
import { MailComposers, Undeliverable, type Composed, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { BrandLogos } from '../tenancy/brand-logos.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import { INVITATION_LINK, SIGNUP_PATH } from './invitation-mail.composer.js';
import { INVITATION_REMINDER_KIND } from './invitation-reminders.service.js';
import { InvitationViewsRepository } from './invitation-views.repository.js';
import { InvitationsRepository } from './invitations.repository.js';

const render = mailTemplate<{ name: string; instanceName: string; instanceHost: string; link: string; expiresAt: string }>('invitation-reminder');

type Reminded = { tenantId: TenantId; userId: number; linkId: number; expiresAt: Date };

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
export class InvitationReminderComposer implements MailComposer<Reminded>, OnModuleInit {
  readonly kind = INVITATION_REMINDER_KIND;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly views: InvitationViewsRepository,
    private readonly links: LinksService,
    private readonly tenants: TenantsService,
    private readonly brands: BrandLogos,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly composers: MailComposers,
  ) {}

  onModuleInit(): void {
    this.composers.register(this);
  }

  async compose(jobs: OutboxJob[]): Promise<Composed<Reminded>[]> {
    const refs = jobs.map((job) => ({ tenantId: job.tenantId!, id: job.refId! }));
    const [rows, tenants] = await Promise.all([this.views.findForMail(refs), Promise.all(refs.map((r) => this.tenants.findById(r.tenantId)))]);
    const results: Composed<Reminded>[] = jobs.map(() => undefined);
    const open = refs.flatMap((ref, i) => {
      const row = rows.get(ref.id);
      if (!row || !tenants[i] || row.status !== 'sent') return [];
      if (!row.email) results[i] = new Undeliverable('The user has no email address.');
      return row.email ? [{ i, ref, row, tenant: tenants[i] }] : [];
    });
    if (!open.length) return results;
    // One transaction: the invitations stay as they are (delivered, unexpired) until the links exist.
    const made = await this.em.fork().transactional(async (em) => {
      const expiries = await this.repo.lockForReminder(
        em,
        open.map((o) => o.ref),
        this.clock.now(),
      );
      const links = new Map<number, { id: number; token: string; expiresAt: Date }>();
      for (const { row, ref } of open) {
        const expiresAt = expiries.get(row.id);
        if (expiresAt) links.set(row.id, { ...(await this.links.issue(em, ref.tenantId, INVITATION_LINK, row.user_id, expiresAt)), expiresAt });
      }
      return links;
    });
    for (const { i, ref, row, tenant } of open) {
      const link = made.get(row.id);
      if (!link) continue;
      const url = `${this.config.tenantOrigin(tenant.name)}${SIGNUP_PATH}/${link.token}`;
      // In the invitee's language (theirs, else the instance's default), like the invitation.
      const lang = readerLanguage(row.language, tenant.defaultLanguage);
      const content = render(
        (m) => translate(lang, 'mail.reminder.subject', { host: m.instanceHost }),
        {
          name: row.name,
          instanceName: tenant.displayName,
          instanceHost: this.config.tenantHost(tenant.name),
          link: url,
          expiresAt: formatDateTime(link.expiresAt, lang, tenant.timeZone),
        },
        await this.brands.forMail(tenant), // the logo is read once per instance and kept
        lang,
      );
      results[i] = {
        to: row.email!,
        ...content,
        devNote: `Create Account link (reminder) for ${row.login}: ${url}`,
        context: { tenantId: ref.tenantId, userId: row.user_id, linkId: link.id, expiresAt: link.expiresAt },
      } satisfies ComposedMail<Reminded>;
    }
    return results;
  }

  async sent(items: { job: OutboxJob; mail: ComposedMail<Reminded> }[], em: EntityManager, at: Date): Promise<void> {
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
    await this.audit.record(
      { tenantId: job.tenantId, event: 'invitation_reminder_failed', target: null, details: { invitationId: job.refId, reason, attempts: job.attempts } },
      em,
    );
  }
}
