import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MailDeliveryWorker } from './mail-delivery.worker.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { OutboxRepository, type NewMail } from './outbox.repository.js';

export type { NewMail };

/** What features use to send mail: rows written in their own transaction, delivered after it commits. */
@Injectable()
export class MailOutbox {
  constructor(
    private readonly repo: OutboxRepository,
    private readonly worker: MailDeliveryWorker,
  ) {}

  /** Queues messages in the caller's transaction; call `kick()` once it committed. */
  enqueue(em: EntityManager, mails: NewMail[]): Promise<void> {
    return this.repo.insert(em, mails);
  }

  /** How many messages of a kind were queued for one record since a time (a feature's rate limit), in the caller's transaction. */
  countSince(em: EntityManager, kind: string, tenantId: TenantId, refId: number, since: Date): Promise<number> {
    return this.repo.countSince(em, kind, tenantId, refId, since);
  }

  /** Drops the queued messages of these records (those already in flight finish). */
  cancel(em: EntityManager, kind: string, refIds: number[]): Promise<void> {
    return this.repo.cancel(em, kind, refIds);
  }

  /** Deliver now rather than at the next poll. */
  kick(): void {
    this.worker.kick();
  }
}
