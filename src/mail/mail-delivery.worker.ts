import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { MailComposers, Undeliverable, type MailComposer, type OutboxJob } from './mail-composer.js';
import { SMTP_CONNECTIONS } from './mail-options.js';
import { MailService, smtpReason } from './mail.service.js';
import { OutboxRepository } from './outbox.repository.js';

export const MAX_ATTEMPTS = 20;
const BATCH = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Delivers the outbox: polls every MAIL_POLL_MS (and right after an enqueue commits), claims due
 * rows, asks each row's composer for the content, sends it, and records the outcome with the
 * composer in one transaction. Failures are retried with exponential backoff (first retry after
 * five polls, at most every 15 minutes), up to MAX_ATTEMPTS; the reason stays on the row.
 *
 * At most once in normal operation: a claim is atomic and fenced by its attempt number. A crash
 * between SMTP accepting a mail and the commit leaves the row 'sending'; after the lease another
 * process composes and sends it again.
 */
@Injectable()
export class MailDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MailOutbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private again = false;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: OutboxRepository,
    private readonly composers: MailComposers,
    private readonly mail: MailService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
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
      .catch((err: unknown) => this.logger.error(`Mail queue: ${err instanceof Error ? err.message : String(err)}`))
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
    const jobs = await this.repo.claimDue(em, BATCH, MAX_ATTEMPTS, this.config.mailLeaseSeconds);
    // A full batch means more are likely due: claim the next one at once, not after MAIL_POLL_MS.
    if (jobs.length === BATCH) this.again = true;
    // Rows not reached within half the lease go back to the queue before another process may take them.
    const giveBackAt = Date.now() + (this.config.mailLeaseSeconds * 1000) / 2;
    const giveBack: number[] = [];
    let next = 0;
    let sent = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (this.stopped || Date.now() > giveBackAt) giveBack.push(job.id);
        else if (await this.deliver(job)) sent++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SMTP_CONNECTIONS, jobs.length) }, lane));
    if (giveBack.length) await this.repo.release(em, giveBack);
    return sent;
  }

  private async deliver(job: OutboxJob): Promise<boolean> {
    const composer = this.composers.get(job.kind);
    let mail;
    try {
      if (!composer) throw new Undeliverable(`No composer for mail of kind "${job.kind}".`);
      mail = await composer.compose(job);
    } catch (err) {
      await this.fail(job, composer, err instanceof Error ? err.message : String(err), err instanceof Undeliverable || job.attempts >= MAX_ATTEMPTS);
      return false;
    }
    if (!mail) {
      await this.repo.markCancelled(this.em.fork(), job.id, job.attempts);
      return false;
    }
    try {
      await this.mail.send(mail);
    } catch (err) {
      await this.fail(job, composer, smtpReason(err, this.config.smtpUrl), job.attempts >= MAX_ATTEMPTS);
      return false;
    }
    const at = this.clock.now();
    await this.em.fork().transactional(async (tem) => {
      if (await this.repo.markSent(tem, job.id, job.attempts, mail.to, at)) await composer!.sent(job, mail, tem, at);
    });
    return true;
  }

  private async fail(job: OutboxJob, composer: MailComposer | undefined, reason: string, giveUp: boolean): Promise<void> {
    const retryInMs = giveUp ? 0 : Math.min(this.config.mailPollMs * 5 * 2 ** (job.attempts - 1), MAX_BACKOFF_MS);
    await this.em.fork().transactional(async (tem) => {
      if (!(await this.repo.markFailed(tem, job.id, job.attempts, reason, retryInMs, giveUp ? MAX_ATTEMPTS : job.attempts))) return;
      await composer?.failed(job, { reason, giveUp }, tem);
    });
    this.logger.warn(`Mail ${job.id} (${job.kind}) not delivered (attempt ${job.attempts}${giveUp ? ', giving up' : ''}): ${reason}`);
  }
}
