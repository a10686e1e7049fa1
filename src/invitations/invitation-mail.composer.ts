import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDate } from '../common/views.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import { mailTemplate } from '../mail/mail-layout.js';
import { MailComposers, Undeliverable, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import { UsersService } from '../users/users.service.js';
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
    private readonly links: LinksService,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly composers: MailComposers,
  ) {}

  onModuleInit(): void {
    this.composers.register(this);
  }

  async compose(job: OutboxJob): Promise<ComposedMail<Sent> | undefined> {
    const tenantId = job.tenantId!;
    const invitation = await this.repo.find(tenantId, job.refId!);
    if (!invitation || !OPEN_STATES.includes(invitation.status)) return undefined;
    const [user, tenant] = await Promise.all([this.users.contact(tenantId, invitation.user_id), this.tenants.findById(tenantId)]);
    if (!user || !tenant) return undefined;
    if (!user.email) throw new Undeliverable('The user has no email address.');
    const expiresAt = new Date(this.clock.now().getTime() + this.config.invitationTtlHours * 3_600_000);
    const made = await this.em.fork().transactional(async (em) => {
      if (!(await this.repo.markSending(em, tenantId, invitation.id))) return undefined;
      return this.links.issue(em, tenantId, INVITATION_LINK, invitation.user_id, expiresAt);
    });
    if (!made) return undefined;
    const link = `${this.config.tenantOrigin(tenant.name)}${SIGNUP_PATH}/${made.token}`;
    const content = render((m) => `Invitation to join ${m.instanceHost}`, {
      name: user.name,
      instanceName: tenant.displayName,
      instanceHost: this.config.tenantHost(tenant.name),
      link,
      expiresAt: formatDate(expiresAt),
    });
    return {
      to: user.email,
      ...content,
      devNote: `Create Account link for ${user.login}: ${link}`,
      context: { tenantId, userId: invitation.user_id, linkId: made.id, expiresAt },
    };
  }

  async sent(job: OutboxJob, mail: ComposedMail<Sent>, em: EntityManager, at: Date): Promise<void> {
    const { tenantId, userId, linkId, expiresAt } = mail.context;
    if (!(await this.repo.markSent(em, tenantId, job.refId!, expiresAt, at))) return;
    // Earlier links of this invitation (a send retried after a crash) give way to the one just delivered.
    await this.links.replace(em, tenantId, INVITATION_LINK, [userId], linkId);
    await this.audit.record(
      {
        tenantId,
        event: 'invitation_delivered',
        target: { type: 'user', id: userId },
        details: { invitationId: job.refId, email: mail.to, attempts: job.attempts },
      },
      em,
    );
  }

  /** Audited on the first failure and when giving up, not on every retry. */
  async failed(job: OutboxJob, { reason, giveUp }: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void> {
    const tenantId = job.tenantId!;
    if (!(await this.repo.markFailed(em, tenantId, job.refId!, reason))) return;
    if (job.attempts !== 1 && !giveUp) return;
    const invitation = await this.repo.find(tenantId, job.refId!);
    await this.audit.record(
      {
        tenantId,
        event: 'invitation_failed',
        target: invitation ? { type: 'user', id: invitation.user_id } : null,
        details: { invitationId: job.refId, reason, attempts: job.attempts, gaveUp: giveUp },
      },
      em,
    );
  }
}
