import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { OutgoingMail } from './mail.service.js';

/** A claimed outbox row: what the composer of its kind needs to build the message. */
export interface OutboxJob {
  id: number;
  kind: string;
  tenantId: TenantId | null;
  /** The feature's own record (an invitation id). */
  refId: number | null;
  recipient: string;
  /** This claim's attempt number (1 for the first). */
  attempts: number;
}

/** A mail as its composer built it: what goes out, and what the composer wants back. */
export interface ComposedMail<C = unknown> extends OutgoingMail {
  /** What the composer wants back in `sent` (e.g. the link it made). */
  context: C;
}

/** What a composer makes of one claimed job: the mail, undefined (no longer wanted), or why it can never go out. */
export type Composed<C> = ComposedMail<C> | undefined | Undeliverable;

/**
 * What a feature registers for its kind of message. The worker claims a batch, asks `compose` for
 * the content of its jobs at send time (it may commit, before any of them goes out, what must exist
 * when a mail arrives), sends them, and lets `sent` (for the mails SMTP accepted meanwhile) or
 * `failed` record the outcome in the outbox rows' transaction. Jobs given back unsent at shutdown
 * go to `released`.
 */
export interface MailComposer<C = unknown> {
  readonly kind: string;
  /** One entry per job, in order. */
  compose(jobs: OutboxJob[]): Promise<Composed<C>[]>;
  sent(items: { job: OutboxJob; mail: ComposedMail<C> }[], em: EntityManager, at: Date): Promise<void>;
  failed(job: OutboxJob, failure: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void>;
  released(jobs: OutboxJob[], em: EntityManager): Promise<void>;
}

/** Thrown by a composer for a message that can never go out (no address): no retries. */
export class Undeliverable extends Error {}

/** The composers of every kind, filled in by the features when their modules start. */
@Injectable()
export class MailComposers {
  private readonly byKind = new Map<string, MailComposer>();

  register<C>(composer: MailComposer<C>): void {
    this.byKind.set(composer.kind, composer as MailComposer);
  }

  get(kind: string): MailComposer | undefined {
    return this.byKind.get(kind);
  }
}
