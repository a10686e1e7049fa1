import { Injectable } from '@nestjs/common';
import { formatDateTime, translate } from '../common/i18n/i18n.js';
import { readerLanguage } from '../common/i18n/language.js';
import { AppConfig } from '../config/app-config.js';
import { mailTemplate } from '../mail/mail-layout.js';
import { Undeliverable, type Composed, type ComposedMail, type OutboxJob } from '../mail/mail-composer.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { BrandLogos } from '../tenancy/brand-logos.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import { InvitationViewsRepository, type MailRow } from './invitation-views.repository.js';
import type { InvitationRef } from './invitations.repository.js';

/** Path of the Create Account page; the link is `<tenant origin from BASE_URL>/invitation/<token>`. */
export const SIGNUP_PATH = '/invitation';

/** What a sent invitation or reminder mail records: whose link, which one, until when. */
export type LinkMail = { tenantId: TenantId; userId: number; linkId: number; expiresAt: Date };

/** An outbox job whose invitation may get its mail: where its result goes, the invitation, the instance. */
export interface MailJob {
  i: number;
  ref: InvitationRef;
  row: MailRow;
  tenant: Tenant;
}

type Model = { name: string; instanceName: string; instanceHost: string; link: string; expiresAt: string };
const TEMPLATES = {
  invitation: { render: mailTemplate<Model>('invitation'), subject: 'mail.invitation.subject' },
  reminder: { render: mailTemplate<Model>('invitation-reminder'), subject: 'mail.reminder.subject' },
};

/** What the invitation and the reminder composer share: reading their jobs, and a mail with a Create Account link. */
@Injectable()
export class InvitationMails {
  constructor(
    private readonly views: InvitationViewsRepository,
    private readonly tenants: TenantsService,
    private readonly brands: BrandLogos,
    private readonly config: AppConfig,
  ) {}

  /**
   * The jobs' invitations and instances. Those `mayGo` accepts, with an email, are returned to be
   * composed; one without an email is undeliverable; the others get nothing (no mail, no retry).
   */
  async jobs(jobs: OutboxJob[], mayGo: (row: MailRow) => boolean): Promise<{ results: Composed<LinkMail>[]; open: MailJob[] }> {
    const refs = jobs.map((job) => ({ tenantId: job.tenantId!, id: job.refId! }));
    const [rows, tenants] = await Promise.all([this.views.findForMail(refs), Promise.all(refs.map((r) => this.tenants.findById(r.tenantId)))]);
    const results: Composed<LinkMail>[] = jobs.map(() => undefined);
    const open = refs.flatMap((ref, i) => {
      const row = rows.get(ref.id);
      const tenant = tenants[i];
      if (!row || !tenant || !mayGo(row)) return [];
      if (!row.email) results[i] = new Undeliverable('The user has no email address.');
      return row.email ? [{ i, ref, row, tenant }] : [];
    });
    return { results, open };
  }

  /** The mail in the invitee's language (theirs, else the instance's default), dates in the instance's time zone, with its brand. */
  async mail(
    kind: keyof typeof TEMPLATES,
    { ref, row, tenant }: MailJob,
    made: { id: number; token: string },
    expiresAt: Date,
  ): Promise<ComposedMail<LinkMail>> {
    const link = `${this.config.tenantOrigin(tenant.name)}${SIGNUP_PATH}/${made.token}`;
    const lang = readerLanguage(row.language, tenant.defaultLanguage);
    const template = TEMPLATES[kind];
    const content = template.render(
      (m) => translate(lang, template.subject, { host: m.instanceHost }),
      {
        name: row.name,
        instanceName: tenant.displayName,
        instanceHost: this.config.tenantHost(tenant.name),
        link,
        expiresAt: formatDateTime(expiresAt, lang, tenant.timeZone),
      },
      await this.brands.forMail(tenant), // the logo is read once per instance and kept
      lang,
    );
    return {
      to: row.email!,
      ...content,
      devNote: `Create Account link${kind === 'reminder' ? ' (reminder)' : ''} for ${row.login}: ${link}`,
      context: { tenantId: ref.tenantId, userId: row.user_id, linkId: made.id, expiresAt },
    };
  }
}
