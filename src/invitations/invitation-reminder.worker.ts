import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDate } from '../common/views.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseStatus } from '../database/database-status.js';
import { renderReminderMail } from '../mail/mail-templates.js';
import { MailService, smtpReason } from '../mail/mail.service.js';
import { SIGNUP_PATH } from './invitation-delivery.worker.js';
import { hashInvitationToken, newInvitationToken } from './invitation-token.js';
import { InvitationTimingRepository, type DueReminderRow } from './invitation-timing.repository.js';

const BATCH = 20;

/**
 * One reminder mail INVITATION_REMINDER_HOURS before an unaccepted invitation expires (0: none).
 * The reminder carries a second link of the same invitation: the first mail's link keeps working,
 * both share the invitation's expiry and die with it (accepted, revoked, replaced by a resend).
 * Claimed with SKIP LOCKED, so of several processes one sends each reminder; a failed send is
 * released and tried again at the next poll, up to a few times.
 */
@Injectable()
export class InvitationReminderWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InvitationReminder');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationTimingRepository,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly database: DatabaseStatus,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.invitationReminderHours <= 0) return;
    this.stopped = false;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    // Reminders are due hours ahead: polling five times slower than the mail queue is plenty.
    this.timer = setTimeout(() => this.tick(), this.config.mailPollMs * 5);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.runOnce()
      .catch((err: unknown) => {
        if (!this.database.report(err)) this.logger.error(`Reminders: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule();
      });
  }

  /** Sends the reminders due now; returns how many went out. */
  async runOnce(): Promise<number> {
    if (this.config.invitationReminderHours <= 0) return 0;
    const tokens = Array.from({ length: BATCH }, () => newInvitationToken());
    const byHash = new Map(tokens.map((t) => [hashInvitationToken(t), t]));
    const rows = await this.em
      .fork()
      .transactional((em) => this.repo.claimReminders(em, this.config.invitationReminderHours * 3600, this.clock.now(), [...byHash.keys()]));
    let sent = 0;
    for (const row of rows) if (await this.remind(row, byHash.get(row.hash)!)) sent++;
    return sent;
  }

  private async remind(row: DueReminderRow, token: string): Promise<boolean> {
    if (!row.email) return false;
    const link = `${this.config.tenantOrigin(row.tenant_name)}${SIGNUP_PATH}/${token}`;
    const content = renderReminderMail({
      name: row.name,
      instanceName: row.display_name,
      instanceHost: this.config.tenantHost(row.tenant_name),
      link,
      expiresAt: formatDate(row.expires_at),
    });
    try {
      await this.mail.send({ to: row.email, ...content, devNote: `Reminder Create Account link for ${row.login}: ${link}` });
    } catch (err) {
      this.logger.warn(`Reminder for invitation ${row.id} not delivered: ${smtpReason(err, this.config.smtpUrl)}`);
      await this.repo.releaseReminder(this.em.fork(), row.id);
      return false;
    }
    await this.audit.record({
      tenantId: row.tenant_id,
      event: 'invitation_reminded',
      target: { type: 'user', id: row.user_id },
      details: { invitationId: row.id, email: row.email, expiresAt: row.expires_at.toISOString() },
    });
    return true;
  }
}
