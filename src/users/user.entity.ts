import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { LANGUAGES } from '../common/i18n/i18n.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import type { UserType } from './user-type.js';

@Entity({ tableName: 'app_user' })
@Index({ name: 'app_user_tenant_login_uq', expression: 'create unique index "app_user_tenant_login_uq" on "app_user" ("tenant_id", lower("login"))' })
// Keyset paging: one index per sort of the users list, (tenant_id, key, id); search: trigrams of login, name and email.
@Index({ name: 'app_user_sort_login_idx', expression: 'create index "app_user_sort_login_idx" on "app_user" ("tenant_id", lower("login"), "id")' })
@Index({ name: 'app_user_sort_name_idx', expression: 'create index "app_user_sort_name_idx" on "app_user" ("tenant_id", lower("name"), "id")' })
@Index({
  name: 'app_user_sort_email_idx',
  expression: `create index "app_user_sort_email_idx" on "app_user" ("tenant_id", lower(coalesce("email", '')), "id")`,
})
@Index({ name: 'app_user_sort_type_idx', expression: 'create index "app_user_sort_type_idx" on "app_user" ("tenant_id", "user_type", "id")' })
// Forgot password looks a user up by email.
@Index({ name: 'app_user_tenant_email_idx', expression: 'create index "app_user_tenant_email_idx" on "app_user" ("tenant_id", lower("email"))' })
// The few deactivated users, for the list's Status filter.
@Index({
  name: 'app_user_deactivated_idx',
  expression: 'create index "app_user_deactivated_idx" on "app_user" ("tenant_id", "id") where "deactivated_at" is not null',
})
@Index({
  name: 'app_user_search_idx',
  expression: `create index "app_user_search_idx" on "app_user" using gin (lower("login" || E'\\n' || "name" || E'\\n' || coalesce("email", '')) gin_trgm_ops)`,
})
export class User {
  /** The primary key is (tenant_id, id), like every tenant-owned table's (docs/scaling.md). */
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'app_user_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

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

  /** The user's language for pages and mails (`en`, `de`, `bg`); null: the instance's default. */
  @Enum({ items: [...LANGUAGES], nullable: true })
  language?: string | null;

  @Property({ type: 'integer', version: true, default: 1 })
  version!: number;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
