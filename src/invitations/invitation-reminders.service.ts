import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { PollLoop } from '../common/poll-loop.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseStatus } from '../database/database-status.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import { InvitationsRepository } from './invitations.repository.js';

export const INVITATION_REMINDER_KIND = 'invitation_reminder';

/** How often the sweep looks for invitations to remind. */
const REMINDER_SWEEP_MS = 60_000;
/** Invitations reminded per transaction; a full batch is followed by the next at once. */
const BATCH = 500;
/** Batches per sweep, so one sweep stays bounded; what is left waits for the next. */
const MAX_BATCHES = 20;

/**
 * One reminder mail per delivered, unaccepted invitation, INVITATION_REMINDER_HOURS before it
 * expires (0: none). Every process sweeps; a batch is claimed in one transaction that marks the
 * invitations reminded (rows another process holds are skipped), queues their mails in the outbox
 * and audits them, so an invitation is reminded once whichever process finds it. The mail and its
 * link are made at send time by InvitationReminderComposer.
 */
@Injectable()
export class InvitationRemindersService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InvitationReminders');
  private readonly loop = new PollLoop(
    // Every batch of a sweep was full: more are due, so the next sweep starts at once.
    async () => (await this.sweep()) >= BATCH * MAX_BATCHES,
    () => REMINDER_SWEEP_MS,
    (err) => this.database.reportFrom(this.logger, 'Invitation reminders', err),
  );

  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly outbox: MailOutbox,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly database: DatabaseStatus,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.invitationReminderHours > 0) this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Stops sweeping (tests stop it and call `sweep` themselves). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Queues the reminders that are due; returns how many. Nothing when reminders are off. */
  async sweep(): Promise<number> {
    const hours = this.config.invitationReminderHours;
    if (hours <= 0) return 0;
    let queued = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const until = new Date(now.getTime() + hours * 3_600_000);
      const count = await this.em.fork().transactional(async (em) => {
        const due = await this.repo.claimReminders(em, now, until, BATCH);
        await this.outbox.enqueue(
          em,
          due.map((r) => ({ kind: INVITATION_REMINDER_KIND, tenantId: r.tenantId, refId: r.id, recipient: r.email })),
        );
        await this.audit.recordMany(
          due.map((r) => ({
            tenantId: r.tenantId,
            event: 'invitation_reminder_queued',
            target: { type: 'user', id: r.userId },
            details: { invitationId: r.id, email: r.email, expiresAt: r.expiresAt.toISOString() },
          })),
          em,
        );
        return due.length;
      });
      queued += count;
      if (count < BATCH) break;
    }
    if (queued) this.outbox.kick();
    return queued;
  }
}
