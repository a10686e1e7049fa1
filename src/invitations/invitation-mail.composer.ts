import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDateTime, translate } from '../common/i18n/i18n.js';
import { readerLanguage } from '../common/i18n/language.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import { mailTemplate, type MailBrand } from '../mail/mail-layout.js';
import { MailComposers, Undeliverable, type Composed, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { BrandLogos } from '../tenancy/brand-logos.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { InvitationViewsRepository, type MailRow } from './invitation-views.repository.js';
import { InvitationsRepository, OPEN_STATES } from './invitations.repository.js';

/** Path of the Create Account page; the link is `<tenant origin from BASE_URL>/invitation/<token>`. */
export const SIGNUP_PATH = '/invitation';
export const INVITATION_KIND = 'invitation';
export const INVITATION_LINK = 'invitation';

const render = mailTemplate<{ name: string; instanceName: string; instanceHost: string; link: string; expiresAt: string }>('invitation');

type Sent = { tenantId: TenantId; userId: number; linkId: number; expiresAt: Date };

/**
 * The invitation mail, built when it goes out. Its link's hash is stored and committed before the
 * mail is handed to SMTP, so the link works from the moment the mail can arrive, and a crash
 * between SMTP and the outbox commit still leaves the invitee a working link. A retried send makes
 * a fresh link and keeps the earlier ones until SMTP accepted the new mail: then only the newest
 * mail's link works (the others say "replaced"), as the invitee is told.
 */
@Injectable()
export class InvitationMailComposer implements MailComposer<Sent>, OnModuleInit {
  readonly kind = INVITATION_KIND;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly views: InvitationViewsRepository,
    private readonly links: LinksService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly composers: MailComposers,
    private readonly brands: BrandLogos,
  ) {}

  onModuleInit(): void {
    this.composers.register(this);
  }

  async compose(jobs: OutboxJob[]): Promise<Composed<Sent>[]> {
    const refs = jobs.map((job) => ({ tenantId: job.tenantId!, id: job.refId! }));
    const [rows, tenants] = await Promise.all([this.views.findForMail(refs), Promise.all(refs.map((r) => this.tenants.findById(r.tenantId)))]);
    const results: Composed<Sent>[] = jobs.map(() => undefined);
    const open = refs.flatMap((ref, i) => {
      const row = rows.get(ref.id);
      if (!row || !tenants[i] || !OPEN_STATES.includes(row.status)) return [];
      if (!row.email) results[i] = new Undeliverable('The user has no email address.');
      return row.email ? [{ i, ref, row, tenant: tenants[i] }] : [];
    });
    if (!open.length) return results;
    const brands = new Map(
      await Promise.all([...new Map(open.map((o) => [o.tenant.id, o.tenant])).values()].map(async (t) => [t.id, await this.brands.forMail(t)] as const)),
    );
    const expiresAt = new Date(this.clock.now().getTime() + this.config.invitationTtlHours * 3_600_000);
    // Each statement commits before any mail goes out. The links come first: a revoke meanwhile
    // either finds them (and kills them) or leaves the invitation closed, and then they are withdrawn here.
    const links = await this.links.issueMany(
      this.em,
      INVITATION_LINK,
      open.map((o) => ({ tenantId: o.ref.tenantId, subjectId: o.row.user_id })),
      expiresAt,
    );
    const sending = await this.repo.markSending(
      this.em,
      open.map((o) => o.ref),
    );
    await this.links.withdraw(
      this.em,
      links.filter((_, k) => !sending.has(open[k].row.id)).map((l) => l.id),
    );
    open.forEach(({ i, ref, row, tenant }, k) => {
      if (sending.has(row.id)) results[i] = this.mail(ref.tenantId, row, tenant, links[k], expiresAt, brands.get(tenant.id));
    });
    return results;
  }

  private mail(tenantId: TenantId, row: MailRow, tenant: Tenant, made: { id: number; token: string }, expiresAt: Date, brand?: MailBrand): ComposedMail<Sent> {
    const link = `${this.config.tenantOrigin(tenant.name)}${SIGNUP_PATH}/${made.token}`;
    // In the invitee's language (theirs, else the instance's default), dates in the instance's time zone.
    const lang = readerLanguage(row.language, tenant.defaultLanguage);
    const content = render(
      (m) => translate(lang, 'mail.invitation.subject', { host: m.instanceHost }),
      {
        name: row.name,
        instanceName: tenant.displayName,
        instanceHost: this.config.tenantHost(tenant.name),
        link,
        expiresAt: formatDateTime(expiresAt, lang, tenant.timeZone),
      },
      brand,
      lang,
    );
    return {
      to: row.email!,
      ...content,
      devNote: `Create Account link for ${row.login}: ${link}`,
      context: { tenantId, userId: row.user_id, linkId: made.id, expiresAt },
    };
  }

  async sent(items: { job: OutboxJob; mail: ComposedMail<Sent> }[], em: EntityManager, at: Date): Promise<void> {
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
