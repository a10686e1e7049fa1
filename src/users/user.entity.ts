import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';
import type { UserType } from './user-type.js';

@Entity({ tableName: 'app_user' })
@Index({ name: 'app_user_tenant_login_uq', expression: 'create unique index "app_user_tenant_login_uq" on "app_user" ("tenant_id", lower("login"))' })
@Index({ name: 'app_user_tenant_email_idx', expression: 'create index "app_user_tenant_email_idx" on "app_user" ("tenant_id", lower("email"))' })
@Index({ name: 'app_user_tenant_name_idx', expression: 'create index "app_user_tenant_name_idx" on "app_user" ("tenant_id", lower("name"))' })
// The target of the (tenant_id, user_id) foreign keys of memberships and invitations.
@Unique({ name: 'app_user_tenant_id_id_uq', properties: ['tenant', 'id'] })
export class User {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne({ entity: () => Tenant, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'app_user_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @Property({ type: 'string', length: 64 })
  login!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email?: string | null;

  @Property({ type: 'string', length: 40 })
  userType!: UserType;

  @Property({ type: 'string', length: 255, nullable: true, hidden: true, lazy: true })
  passwordHash?: string | null;

  /** Set when the person asked for a new invitation from a dead link; cleared by the next one. */
  @Property({ type: 'Date', nullable: true })
  invitationRequestedAt?: Date | null;

  /** Set while the user is deactivated: no login, no session, no open link. */
  @Property({ type: 'Date', nullable: true })
  deactivatedAt?: Date | null;

  /** The latest successful login, and the one before it (shown on My account). */
  @Property({ type: 'Date', nullable: true })
  lastLoginAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  previousLoginAt?: Date | null;

  @Property({ type: 'integer', version: true, default: 1 })
  version!: number;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
