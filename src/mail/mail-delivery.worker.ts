import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../common/clock.js';
import { PollLoop } from '../common/poll-loop.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseStatus } from '../database/database-status.js';
import { MailComposers, Undeliverable, type Composed, type ComposedMail, type MailComposer, type OutboxJob } from './mail-composer.js';
import { SMTP_CONNECTIONS } from './mail-options.js';
import { MailService, smtpReason } from './mail.service.js';
import { OutboxRepository } from './outbox.repository.js';

/** Claimed rows with their mails, and when the unsent ones go back. */
interface Batch {
  jobs: OutboxJob[];
  composed: Map<number, Composed<unknown> | Error>;
  giveBackAt: number;
}

interface Unrecorded {
  job: OutboxJob;
  mail: ComposedMail;
  composer: MailComposer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export const MAX_ATTEMPTS = 20;
const BATCH = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Delivers the outbox: polls every MAIL_POLL_MS (and right after an enqueue commits), claims due
 * rows, has their composers build the batch (the next one while the current one goes out), sends
 * four at a time, and records each mail SMTP accepted with its composer (in one transaction with
 * those of the other lanes) before that lane sends the next. Failures are retried with exponential
 * backoff (first retry after five polls, at most every 15 minutes), up to MAX_ATTEMPTS; the reason
 * stays on the row.
 *
 * At most once in normal operation: a claim is atomic and fenced by its attempt number. A crash
 * between SMTP accepting a mail and the commit leaves the row 'sending'; after the lease another
 * process composes and sends it again. A database outage is no such crash: the worker keeps polling
 * quietly, and the result of a mail already handed to SMTP is written once the database is back.
 */
@Injectable()
export class MailDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MailOutbox');
  private readonly loop = new PollLoop(
    () => this.runBatch(),
    () => this.config.mailPollMs,
    (err) => this.database.reportFrom(this.logger, 'Mail queue', err),
  );

  /** Mails SMTP accepted whose outcome is not yet committed, and whether a transaction is recording some. */
  private readonly unrecorded: Unrecorded[] = [];
  private recording = false;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: OutboxRepository,
    private readonly composers: MailComposers,
    private readonly mail: MailService,
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
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Look for work now (called after an enqueue commits). */
  kick(): void {
    this.loop.kick();
  }

  /**
   * Claims and delivers batches, a few mails at a time, while they come full: the next batch is
   * claimed and composed while the current one goes out. Ends with nothing claimed and unsent.
   */
  private async runBatch(): Promise<boolean> {
    let next: Promise<Batch> | undefined = this.prepare();
    while (next) {
      const batch: Batch = await next;
      next = batch.jobs.length === BATCH && !this.loop.isStopped ? this.prepare() : undefined;
      next?.catch(() => undefined);
      try {
        await this.send(batch);
      } catch (err) {
        const unsent = await next?.catch(() => undefined);
        if (unsent?.jobs.length) await this.giveBack(unsent.jobs);
        throw err;
      }
    }
    return false;
  }

  private async prepare(): Promise<Batch> {
    const jobs = await this.repo.claimDue(this.em.fork(), BATCH, MAX_ATTEMPTS, this.config.mailLeaseSeconds);
    // Rows not reached within half the lease go back to the queue before another process may take them.
    const giveBackAt = Date.now() + (this.config.mailLeaseSeconds * 1000) / 2;
    return { jobs, composed: await this.composeAll(jobs), giveBackAt };
  }

  private async send({ jobs, composed, giveBackAt }: Batch): Promise<void> {
    const giveBack: OutboxJob[] = [];
    let next = 0;
    // A lane records a mail SMTP accepted before it sends the next: at most one per lane is ever
    // sent but not recorded (what a crash can make another process send again).
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (this.loop.isStopped || Date.now() > giveBackAt) giveBack.push(job);
        else await this.deliver(job, composed.get(job.id));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SMTP_CONNECTIONS, jobs.length) }, lane));
    if (giveBack.length) await this.giveBack(giveBack);
  }

  /** Each kind's composer builds its jobs in one go; a composer that fails fails its jobs (they are retried). */
  private async composeAll(jobs: OutboxJob[]): Promise<Map<number, Composed<unknown> | Error>> {
    const out = new Map<number, Composed<unknown> | Error>();
    for (const kind of new Set(jobs.map((j) => j.kind))) {
      const group = jobs.filter((j) => j.kind === kind);
      const composer = this.composers.get(kind);
      try {
        if (!composer) throw new Undeliverable(`No composer for mail of kind "${kind}".`);
        (await composer.compose(group)).forEach((result, i) => out.set(group[i].id, result));
      } catch (err) {
        for (const job of group) out.set(job.id, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return out;
  }

  /** Sends one mail and, when SMTP accepted it, records that. */
  private async deliver(job: OutboxJob, composed: Composed<unknown> | Error): Promise<void> {
    const composer = this.composers.get(job.kind);
    if (composed instanceof Error) return this.fail(job, composer, composed.message, composed instanceof Undeliverable || job.attempts >= MAX_ATTEMPTS);
    if (!composed || !composer) return this.repo.markCancelled(this.em.fork(), job.id, job.attempts);
    try {
      await this.mail.send(composed);
    } catch (err) {
      return this.fail(job, composer, smtpReason(err, this.config.smtpUrl), job.attempts >= MAX_ATTEMPTS);
    }
    await this.record(job, composed, composer);
  }

  /**
   * The mail went out: its row is sent and its composer records what follows, in one transaction.
   * Mails the other lanes had accepted meanwhile share that transaction (group commit); each lane
   * still waits for its own mail's commit before it sends the next.
   */
  private record(job: OutboxJob, mail: ComposedMail, composer: MailComposer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ job, mail, composer, resolve, reject });
      if (!this.recording) void this.recordAll();
    });
  }

  /** Records groups until none is waiting; it settles each lane's promise and never throws. */
  private async recordAll(): Promise<void> {
    this.recording = true;
    while (this.unrecorded.length) {
      const group = this.unrecorded.splice(0);
      try {
        await this.despiteOutage(() => this.recordGroup(group));
        for (const item of group) item.resolve();
      } catch (err) {
        for (const item of group) item.reject(err);
      }
    }
    // In the same step as the last look at the queue: a mail accepted after it starts a new run.
    this.recording = false;
  }

  private recordGroup(group: Unrecorded[]): Promise<void> {
    const at = this.clock.now();
    return this.em.fork().transactional(async (tem) => {
      const held = await this.repo.markSent(
        tem,
        group.map(({ job, mail }) => ({ id: job.id, attempts: job.attempts, recipient: mail.to })),
        at,
      );
      for (const composer of new Set(group.map((item) => item.composer))) {
        const items = group.filter((item) => item.composer === composer && held.has(item.job.id));
        if (items.length) await composer.sent(items, tem, at);
      }
    });
  }

  private async fail(job: OutboxJob, composer: MailComposer | undefined, reason: string, giveUp: boolean): Promise<void> {
    const retryInMs = giveUp ? 0 : Math.min(this.config.mailPollMs * 5 * 2 ** (job.attempts - 1), MAX_BACKOFF_MS);
    await this.despiteOutage(() =>
      this.em.fork().transactional(async (tem) => {
        if (!(await this.repo.markFailed(tem, job.id, job.attempts, reason, retryInMs, giveUp ? MAX_ATTEMPTS : job.attempts))) return;
        await composer?.failed(job, { reason, giveUp }, tem);
      }),
    );
    this.logger.warn(`Mail ${job.id} (${job.kind}) not delivered (attempt ${job.attempts}${giveUp ? ', giving up' : ''}): ${reason}`);
  }

  /** Unsent claimed rows go back to the queue as if never claimed, and their composers undo what compose recorded. */
  private async giveBack(jobs: OutboxJob[]): Promise<void> {
    await this.em.fork().transactional(async (tem) => {
      await this.repo.release(
        tem,
        jobs.map((j) => j.id),
      );
      for (const kind of new Set(jobs.map((j) => j.kind)))
        await this.composers.get(kind)?.released(
          jobs.filter((j) => j.kind === kind),
          tem,
        );
    });
  }

  /**
   * Records the outcome of a claimed mail, again and again while the database cannot answer (the
   * outage is logged once by DatabaseStatus), until it succeeds or the worker stops: a sent mail must
   * not be sent again after its lease, nor a failed one wait out the lease.
   */
  private async despiteOutage(write: () => Promise<void>): Promise<void> {
    for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
      try {
        return await write();
      } catch (err) {
        if (this.loop.isStopped || !this.database.report(err)) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
