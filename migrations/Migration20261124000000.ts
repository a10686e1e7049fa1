import { Migration } from '@mikro-orm/migrations';

/** Tenants, users, roles, groups, invitations (also the mail queue), audit log, login throttling, sessions. */
export class Migration20261124000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "tenant" (
      "id" serial primary key,
      "name" varchar(63) not null,
      "display_name" varchar(200) not null,
      "created_at" timestamptz not null default now(),
      constraint "tenant_name_unique" unique ("name"));`);

    this.addSql(`create table "app_user" (
      "id" serial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "login" varchar(64) not null,
      "name" varchar(200) not null,
      "email" varchar(254) null,
      "user_type" varchar(40) not null,
      "password_hash" varchar(255) null,
      "invitation_requested_at" timestamptz null,
      "version" int not null default 1,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "app_user_tenant_id_id_uq" unique ("tenant_id", "id"));`);
    this.addSql(`create unique index "app_user_tenant_login_uq" on "app_user" ("tenant_id", lower("login"));`);
    this.addSql(`create index "app_user_tenant_email_idx" on "app_user" ("tenant_id", lower("email"));`);
    this.addSql(`create index "app_user_tenant_name_idx" on "app_user" ("tenant_id", lower("name"));`);

    this.addSql(`create table "role" (
      "id" serial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "name" varchar(100) not null,
      "permissions" text[] not null default '{}',
      "created_at" timestamptz not null default now(),
      constraint "role_tenant_id_uq" unique ("tenant_id", "id"));`);
    this.addSql(`create unique index "role_tenant_name_uq" on "role" ("tenant_id", lower("name"));`);

    // Composite keys to (tenant_id, id): a membership can only join a user and a role of one instance.
    this.addSql(`create table "user_role" (
      "user_id" int not null,
      "role_id" int not null,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "created_at" timestamptz not null default now(),
      primary key ("user_id", "role_id"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      foreign key ("tenant_id", "role_id") references "role" ("tenant_id", "id") on delete cascade);`);
    this.addSql(`create index "user_role_role_idx" on "user_role" ("role_id");`);

    this.addSql(`create table "user_group" (
      "id" serial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "name" varchar(100) not null,
      constraint "user_group_tenant_id_uq" unique ("tenant_id", "id"));`);
    this.addSql(`create unique index "user_group_tenant_name_uq" on "user_group" ("tenant_id", lower("name"));`);

    this.addSql(`create table "group_member" (
      "user_id" int not null,
      "group_id" int not null,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "created_at" timestamptz not null default now(),
      primary key ("user_id", "group_id"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      foreign key ("tenant_id", "group_id") references "user_group" ("tenant_id", "id") on delete cascade);`);
    this.addSql(`create index "group_member_group_idx" on "group_member" ("group_id");`);

    this.addSql(`create table "invitation" (
      "id" serial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "user_id" int not null,
      "status" varchar(12) not null,
      "token_hash" varchar(64) null,
      "expires_at" timestamptz null,
      "role_names" text[] not null default '{}',
      "attempts" int not null default 0,
      "next_attempt_at" timestamptz not null default now(),
      "locked_until" timestamptz null,
      "last_error" text null,
      "sent_by_id" int null references "app_user" ("id") on delete set null,
      "created_at" timestamptz not null default now(),
      "sent_at" timestamptz null,
      "accepted_at" timestamptz null,
      "revoked_at" timestamptz null,
      constraint "invitation_token_hash_unique" unique ("token_hash"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade);`);
    this.addSql(`create index "invitation_user_idx" on "invitation" ("tenant_id", "user_id", "id" desc);`);
    this.addSql(`create index "invitation_due_idx" on "invitation" ("next_attempt_at") where "status" in ('queued', 'failed', 'sending');`);

    this.addSql(`create table "audit_event" (
      "id" bigserial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "at" timestamptz not null default now(),
      "event" varchar(60) not null,
      "actor_id" int null,
      "actor_login" varchar(64) null,
      "target_type" varchar(30) null,
      "target_id" int null,
      "ip" varchar(64) null,
      "details" jsonb null);`);
    this.addSql(`create index "audit_event_tenant_at_idx" on "audit_event" ("tenant_id", "at");`);

    this.addSql(`create table "login_throttle" (
      "key" varchar(200) primary key,
      "failures" int not null default 0,
      "last_failure_at" timestamptz not null,
      "locked_until" timestamptz null);`);

    // express-session store (connect-pg-simple's layout); kept out of the ORM's schema diff.
    this.addSql(`create table "session" (
      "sid" varchar not null primary key,
      "sess" json not null,
      "expire" timestamp(6) not null);`);
    this.addSql(`create index "session_expire_idx" on "session" ("expire");`);
  }

  override async down(): Promise<void> {
    for (const table of ['session', 'login_throttle', 'audit_event', 'invitation', 'group_member', 'user_group', 'user_role', 'role', 'app_user', 'tenant']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}
