import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantId } from '../tenancy/tenant-id.js';

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

export interface ComposedMail<C = unknown> {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Logged only when there is no SMTP server (development), e.g. the link to open. */
  devNote?: string;
  /** What the composer wants back in `sent` (e.g. the link it made). */
  context: C;
}

/**
 * What a feature registers for its kind of message. The worker claims a row, asks `compose` for
 * the content at send time (which may write, in its own committed transaction, what must exist
 * before the mail can arrive), sends it, and lets `sent` or `failed` record the outcome in the
 * outbox row's transaction. `compose` returns undefined when the message is no longer wanted.
 */
export interface MailComposer<C = unknown> {
  readonly kind: string;
  compose(job: OutboxJob): Promise<ComposedMail<C> | undefined>;
  sent(job: OutboxJob, mail: ComposedMail<C>, em: EntityManager, at: Date): Promise<void>;
  failed(job: OutboxJob, failure: { reason: string; giveUp: boolean }, em: EntityManager): Promise<void>;
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
