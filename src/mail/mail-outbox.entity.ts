import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** One message to send, of any kind; the worker claims due rows with FOR UPDATE SKIP LOCKED. */
@Entity({ tableName: 'mail_outbox' })
@Index({
  name: 'mail_outbox_due_idx',
  expression: `create index "mail_outbox_due_idx" on "mail_outbox" ("next_attempt_at") where "state" in ('queued', 'failed', 'sending')`,
})
@Index({ name: 'mail_outbox_ref_idx', properties: ['kind', 'refId'] })
export class MailOutboxRow {
  /** Every mail belongs to an instance; the key starts with it (docs/scaling.md). */
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'mail_outbox_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** Which composer builds it, e.g. 'invitation'. */
  @Property({ type: 'string', length: 40 })
  kind!: string;

  /** The feature's record the message is about (an invitation id). */
  @Property({ type: 'integer', nullable: true })
  refId?: number | null;

  @Property({ type: 'string', length: 254 })
  recipient!: string;

  @Property({ type: 'string', length: 10, default: 'queued' })
  state: OutboxState = 'queued';

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  nextAttemptAt: Date = new Date();

  /** The lease of the process sending it; after it another process may. */
  @Property({ type: 'Date', nullable: true })
  lockedUntil?: Date | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  sentAt?: Date | null;
}
