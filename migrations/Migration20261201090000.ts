import { Migration } from '@mikro-orm/migrations';

/**
 * Two-step login: authenticator app secrets (encrypted), recovery codes (hashed), passkeys, and the
 * instance's settings (the two-step policy). Every key starts with tenant_id; rows join their user
 * through (tenant_id, user_id), so a row of one instance can never point at another's user.
 */
export class Migration20261201090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "user_totp" (
      "tenant_id" int not null,
      "user_id" int not null,
      "secret_enc" text not null,
      "enabled_at" timestamptz null,
      "last_used_step" bigint null,
      "created_at" timestamptz not null default now(),
      primary key ("tenant_id", "user_id"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade);`);

    this.addSql(`create table "recovery_code" (
      "tenant_id" int not null,
      "user_id" int not null,
      "code_hash" varchar(64) not null,
      "used_at" timestamptz null,
      primary key ("tenant_id", "user_id", "code_hash"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade);`);

    this.addSql(`create table "passkey" (
      "tenant_id" int not null,
      "id" serial not null,
      "user_id" int not null,
      "credential_id" varchar(1400) not null,
      "public_key" bytea not null,
      "counter" bigint not null default 0,
      "transports" text[] not null default '{}',
      "name" varchar(100) not null,
      "created_at" timestamptz not null default now(),
      "last_used_at" timestamptz null,
      primary key ("tenant_id", "id"),
      constraint "passkey_tenant_credential_uq" unique ("tenant_id", "credential_id"),
      foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade);`);
    this.addSql(`create index "passkey_tenant_user_idx" on "passkey" ("tenant_id", "user_id");`);

    this.addSql(`create table "tenant_settings" (
      "tenant_id" int not null primary key,
      "require_two_step_for_admins" boolean not null default false,
      "updated_at" timestamptz not null default now(),
      constraint "tenant_settings_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade);`);
  }

  override async down(): Promise<void> {
    for (const table of ['tenant_settings', 'passkey', 'recovery_code', 'user_totp']) this.addSql(`drop table if exists "${table}";`);
  }
}
