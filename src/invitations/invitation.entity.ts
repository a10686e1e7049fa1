import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * Stored states. "expired" is derived (sent and past expiresAt). The invitation row is also the
 * mail job: the worker claims queued/failed rows with FOR UPDATE SKIP LOCKED.
 */
export const INVITATION_STATES = ['queued', 'sending', 'sent', 'failed', 'accepted', 'revoked'] as const;
export type InvitationState = (typeof INVITATION_STATES)[number];

@Entity({ tableName: 'invitation' })
@Index({
  name: 'invitation_due_idx',
  expression: `create index "invitation_due_idx" on "invitation" ("next_attempt_at") where "status" in ('queued', 'failed', 'sending')`,
})
@Index({ name: 'invitation_user_idx', properties: ['tenant', 'user'] })
@Index({
  name: 'invitation_reminder_due_idx',
  expression: `create index "invitation_reminder_due_idx" on "invitation" ("expires_at") where "status" = 'sent' and "reminded_at" is null`,
})
export class Invitation {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne({ entity: () => Tenant, deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  @ManyToOne({ entity: () => User, deleteRule: 'cascade' })
  user!: Rel<User>;

  @Property({ type: 'string', length: 12 })
  status!: InvitationState;

  /** SHA-256 of the link's token, hex. The token is made when the mail is sent and never stored. */
  @Property({ type: 'string', length: 64, nullable: true, unique: true })
  tokenHash?: string | null;

  @Property({ type: 'Date', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'string[]', default: '{}' })
  roleNames: string[] = [];

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  nextAttemptAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  lockedUntil?: Date | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @ManyToOne({ entity: () => User, nullable: true, deleteRule: 'set null' })
  sentBy?: Rel<User> | null;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  sentAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  acceptedAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  revokedAt?: Date | null;

  /** SHA-256 of the reminder mail's link: a second link of this invitation, with its expiry and fate. */
  @Property({ type: 'string', length: 64, nullable: true, unique: 'invitation_reminder_token_hash_unique' })
  reminderTokenHash?: string | null;

  /** When the (one) reminder mail was claimed and sent. */
  @Property({ type: 'Date', nullable: true })
  remindedAt?: Date | null;

  @Property({ type: 'integer', default: 0 })
  reminderAttempts: number = 0;
}
