import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { formatDate } from '../common/views.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseStatus } from '../database/database-status.js';
import { renderInvitationMail } from '../mail/mail-templates.js';
import { SMTP_CONNECTIONS } from '../mail/mail-options.js';
import { MailService, smtpReason } from '../mail/mail.service.js';
import { hashInvitationToken, newInvitationToken } from './invitation-token.js';
import { InvitationsRepository, type DueInvitationRow } from './invitations.repository.js';

/** Path of the Create Account page; the link is `<tenant origin from BASE_URL>/invitation/<token>`. */
export const SIGNUP_PATH = '/invitation';
export const MAX_ATTEMPTS = 20;
const BATCH = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Delivers queued invitations: polls every MAIL_POLL_MS (and right after a send commits), claims
 * due rows, makes each link's token at the moment its mail goes out and stores only its hash once
 * SMTP accepted the mail. Failures are retried with exponential backoff (first retry after five
 * polls, at most every 15 minutes), up to MAX_ATTEMPTS; the reason stays on the row.
 *
 * At most once in normal operation: a claim is atomic and fenced by its attempt number. A crash
 * between SMTP accepting a mail and the commit leaves the row 'sending'; after the lease another
 * process sends a second mail, and only that one's link works (the first link's hash was never stored).
 * A database outage is no such crash: the worker keeps polling quietly (the outage is logged once
 * by DatabaseStatus), and the result of a mail already handed to SMTP is written once the database
 * is back, so the mail is neither lost nor sent again.
 */
@Injectable()
export class InvitationDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InvitationMail');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private again = false;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly database: DatabaseStatus,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Lets the batch in flight finish (unsent claimed rows are given back), then stops polling. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Look for work now (called after an enqueue commits). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.runOnce()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.database.report(err)) this.logger.error(`Mail queue: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
        const again = this.again;
        this.again = false;
        if (!this.stopped) this.schedule(again ? 0 : this.config.mailPollMs);
      });
  }

  /** Claims and delivers one batch, a few mails at a time; returns how many went out. */
  async runOnce(): Promise<number> {
    const em = this.em.fork();
    const rows = await this.repo.claimDue(em, BATCH, MAX_ATTEMPTS, this.config.mailLeaseSeconds);
    // A full batch means more are likely due: claim the next one at once, not after MAIL_POLL_MS.
    if (rows.length === BATCH) this.again = true;
    // Rows not reached within half the lease go back to the queue before another process may take them.
    const giveBackAt = Date.now() + (this.config.mailLeaseSeconds * 1000) / 2;
    const giveBack: number[] = [];
    let next = 0;
    let sent = 0;
    const lane = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        if (this.stopped || Date.now() > giveBackAt) giveBack.push(row.id);
        else if (await this.deliver(this.em.fork(), row)) sent++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SMTP_CONNECTIONS, rows.length) }, lane));
    if (giveBack.length) await this.repo.release(em, giveBack);
    return sent;
  }

  private async deliver(em: EntityManager, row: DueInvitationRow): Promise<boolean> {
    if (!row.email) {
      await this.fail(em, row, 'The user has no email address.', true);
      return false;
    }
    const token = newInvitationToken();
    const expiresAt = new Date(this.clock.now().getTime() + this.config.invitationTtlHours * 3_600_000);
    const link = `${this.config.tenantOrigin(row.tenant_name)}${SIGNUP_PATH}/${token}`;
    const content = renderInvitationMail({
      name: row.name,
      instanceName: row.display_name,
      instanceHost: this.config.tenantHost(row.tenant_name),
      link,
      expiresAt: formatDate(expiresAt),
    });
    try {
      await this.mail.send({ to: row.email, ...content, devNote: `Create Account link for ${row.login}: ${link}` });
    } catch (err) {
      await this.fail(em, row, smtpReason(err, this.config.smtpUrl), row.attempts >= MAX_ATTEMPTS);
      return false;
    }
    const sentAt = this.clock.now();
    await this.despiteOutage(() =>
      em.transactional(async (tem) => {
        if (!(await this.repo.markSent(tem, row.id, row.attempts, hashInvitationToken(token), expiresAt, sentAt))) return;
        await this.audit.record(
          {
            tenantId: row.tenant_id,
            event: 'invitation_delivered',
            target: { type: 'user', id: row.user_id },
            details: { invitationId: row.id, email: row.email, attempts: row.attempts },
          },
          tem,
        );
      }),
    );
    return true;
  }

  /** Audited on the first failure and when giving up, not on every retry. */
  private async fail(em: EntityManager, row: DueInvitationRow, reason: string, giveUp: boolean): Promise<void> {
    const retryInMs = giveUp ? 0 : Math.min(this.config.mailPollMs * 5 * 2 ** (row.attempts - 1), MAX_BACKOFF_MS);
    const attempts = giveUp ? MAX_ATTEMPTS : row.attempts;
    await this.despiteOutage(() =>
      em.transactional(async (tem) => {
        if (!(await this.repo.markFailed(tem, row.id, row.attempts, reason, retryInMs, attempts))) return;
        if (row.attempts === 1 || giveUp) {
          await this.audit.record(
            {
              tenantId: row.tenant_id,
              event: 'invitation_failed',
              target: { type: 'user', id: row.user_id },
              details: { invitationId: row.id, reason, attempts: row.attempts, gaveUp: giveUp },
            },
            tem,
          );
        }
      }),
    );
    this.logger.warn(`Invitation ${row.id} not delivered (attempt ${row.attempts}${giveUp ? ', giving up' : ''}): ${reason}`);
  }

  /**
   * Records the outcome of a claimed mail, again and again while the database cannot answer, until it
   * succeeds or the worker stops: a sent mail must not be sent again after its lease, nor a failed one wait out the lease.
   */
  private async despiteOutage(write: () => Promise<void>): Promise<void> {
    for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
      try {
        return await write();
      } catch (err) {
        if (this.stopped || !this.database.report(err)) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
