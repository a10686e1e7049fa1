import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/**
 * Stored states. "expired" is derived (sent and past expiresAt). The mail itself is a mail_outbox
 * row (kind 'invitation', ref_id = this id); its composer keeps these states in step.
 */
export const INVITATION_STATES = ['queued', 'sending', 'sent', 'failed', 'accepted', 'revoked'] as const;
export type InvitationState = (typeof INVITATION_STATES)[number];

@Entity({ tableName: 'invitation' })
@Index({ name: 'invitation_user_idx', expression: 'create index "invitation_user_idx" on "invitation" ("tenant_id", "user_id", "id" desc)' })
// Delivered invitations waiting for their reminder, by expiry (the reminder sweep's range).
@Index({
  name: 'invitation_remind_idx',
  expression: `create index "invitation_remind_idx" on "invitation" ("expires_at") where "status" = 'sent' and "reminded_at" is null`,
})
export class Invitation {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'invitation_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** The invitee; joined to app_user by (tenant_id, user_id) in the migration. */
  @Property({ type: 'integer' })
  userId!: number;

  @Property({ type: 'string', length: 12 })
  status!: InvitationState;

  /** When the link of the delivered mail expires (the link itself is a one_time_link row). */
  @Property({ type: 'Date', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'string[]', default: '{}' })
  roleNames: string[] = [];

  /** Why the last delivery attempt failed, as the administrator sees it. */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  /** Who sent it; joined to app_user by (tenant_id, sent_by_id) in the migration (set null when they go). */
  @Property({ type: 'integer', nullable: true })
  sentById?: number | null;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  sentAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  acceptedAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  revokedAt?: Date | null;

  /** When the one reminder mail was queued, then when SMTP accepted it; null: none yet. */
  @Property({ type: 'Date', nullable: true })
  remindedAt?: Date | null;
}
