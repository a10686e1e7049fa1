import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDateTime, translate } from '../common/i18n/i18n.js';
import { readerLanguage } from '../common/i18n/language.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import { type Composed, type ComposedMail, type MailComposer, type OutboxJob } from '../mail/mail-composer.js';
import { mailTemplate } from '../mail/mail-layout.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { BrandLogos } from '../tenancy/brand-logos.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import { canLogIn } from '../users/user-type.js';
import { UsersRepository, type UserContact } from '../users/users.repository.js';

export const PASSWORD_RESET_KIND = 'password_reset';
export const PASSWORD_RESET_LINK = 'password_reset';
export const RESET_PATH = '/password/reset';

const render = mailTemplate<{ name: string; login: string; instanceName: string; instanceHost: string; link: string; expiresAt: string }>('password-reset');

type Sent = { tenantId: TenantId; userId: number };

export type ResetRefusal = 'cannot-log-in' | 'no-email' | 'deactivated';

/** Why this user cannot be sent a reset mail, if they cannot: only active Internal and External users with an address. */
export function resetRefusal(user: UserContact): ResetRefusal | undefined {
  if (!canLogIn(user.user_type)) return 'cannot-log-in';
  if (!user.email) return 'no-email';
  if (user.deactivated) return 'deactivated';
  return undefined;
}

/**
 * The "Reset your password" mail (outbox kind `password_reset`, ref = the user). The link is made
 * when the mail goes out and its hash committed before SMTP sees the mail, so it works as soon as
 * the mail can arrive; only its hash is kept. A user who can no longer log in by then gets nothing.
 */
@Injectable()
export class PasswordResetComposer implements MailComposer<Sent> {
  readonly kind = PASSWORD_RESET_KIND;

  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly links: LinksService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly brands: BrandLogos,
  ) {}

  async compose(jobs: OutboxJob[]): Promise<Composed<Sent>[]> {
    return Promise.all(jobs.map((job) => this.composeOne(job)));
  }

  private async composeOne(job: OutboxJob): Promise<ComposedMail<Sent> | undefined> {
    const tenantId = job.tenantId!;
    const [user, tenant] = await Promise.all([this.users.findContact(tenantId, job.refId!), this.tenants.findById(tenantId)]);
    if (!user || !tenant || resetRefusal(user)) return undefined;
    const brand = await this.brands.forMail(tenant);
    const expiresAt = new Date(this.clock.now().getTime() + this.config.passwordResetTtlMinutes * 60_000);
    const made = await this.links.issue(this.em, tenantId, PASSWORD_RESET_LINK, user.id, expiresAt);
    const link = `${this.config.tenantOrigin(tenant.name)}${RESET_PATH}/${made.token}`;
    const host = this.config.tenantHost(tenant.name);
    const lang = readerLanguage(user.language, tenant.defaultLanguage);
    const content = render(
      (m) => translate(lang, 'mail.reset.subject', { host: m.instanceHost }),
      {
        name: user.name,
        login: user.login,
        instanceName: tenant.displayName,
        instanceHost: host,
        link,
        expiresAt: formatDateTime(expiresAt, lang, tenant.timeZone),
      },
      brand,
      lang,
    );
    return { to: user.email!, ...content, devNote: `Reset password link for ${user.login}: ${link}`, context: { tenantId, userId: user.id } };
  }

  async sent(items: { job: OutboxJob; mail: ComposedMail<Sent> }[], em: EntityManager): Promise<void> {
    await this.audit.recordMany(
      items.map(({ job, mail }) => ({
        tenantId: mail.context.tenantId,
        event: 'password_reset_mail_delivered',
        target: { type: 'user', id: mail.context.userId },
        details: { email: mail.to, attempts: job.attempts },
      })),
      em,
    );
  }

  /** Audited on the first failure and when giving up, not on every retry. */
  async failed(job: OutboxJob, { reason, giveUp }: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void> {
    if (job.attempts !== 1 && !giveUp) return;
    await this.audit.record(
      {
        tenantId: job.tenantId!,
        event: 'password_reset_mail_failed',
        target: { type: 'user', id: job.refId! },
        details: { reason, attempts: job.attempts, gaveUp: giveUp },
      },
      em,
    );
  }

  /** Given back unsent at shutdown: another process sends it (with a link of its own). */
  async released(): Promise<void> {}
}
