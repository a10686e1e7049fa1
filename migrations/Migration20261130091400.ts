import { Migration } from '@mikro-orm/migrations';

/**
 * Users at scale and a schema ready to be distributed by tenant (Citus, or partitioning):
 * - every tenant-owned table's primary key and unique constraints start with tenant_id, and every
 *   foreign key between tenant-owned tables carries it;
 * - the session table carries tenant_id (and the user it belongs to);
 * - user_count: users per instance and status, kept in the transaction that changes them;
 * - keyset-paging indexes for every sort of the users list, and a trigram index for search.
 */
export class Migration20261130091400 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create extension if not exists pg_trgm;');

    // Foreign keys that point at the keys being replaced go first, and come back on the new keys.
    for (const [table, fk] of [
      ['user_role', 'user_role_tenant_id_user_id_fkey'],
      ['user_role', 'user_role_tenant_id_role_id_fkey'],
      ['group_member', 'group_member_tenant_id_user_id_fkey'],
      ['group_member', 'group_member_tenant_id_group_id_fkey'],
      ['invitation', 'invitation_tenant_id_user_id_fkey'],
      ['invitation', 'invitation_sent_by_id_fkey'],
    ]) {
      this.addSql(`alter table "${table}" drop constraint "${fk}";`);
    }
    // Primary keys (tenant_id, id); the separate unique (tenant_id, id) they replace goes.
    for (const [table, unique] of [
      ['app_user', 'app_user_tenant_id_id_uq'],
      ['role', 'role_tenant_id_uq'],
      ['user_group', 'user_group_tenant_id_uq'],
      ['invitation', null],
      ['audit_event', null],
    ] as const) {
      if (unique) this.addSql(`alter table "${table}" drop constraint "${unique}";`);
      this.addSql(`alter table "${table}" drop constraint "${table}_pkey", add constraint "${table}_pkey" primary key ("tenant_id", "id");`);
    }
    this.addSql(`alter table "user_role" drop constraint "user_role_pkey", add constraint "user_role_pkey" primary key ("tenant_id", "user_id", "role_id");`);
    this.addSql(
      `alter table "group_member" drop constraint "group_member_pkey", add constraint "group_member_pkey" primary key ("tenant_id", "user_id", "group_id");`,
    );
    this.addSql(`drop index "user_role_role_idx"; create index "user_role_role_idx" on "user_role" ("tenant_id", "role_id");`);
    this.addSql(`drop index "group_member_group_idx"; create index "group_member_group_idx" on "group_member" ("tenant_id", "group_id");`);
    // The invitation's own token column, where it still exists (link tokens later live in one_time_link).
    this.addSql(`do $$ begin
      if exists (select 1 from pg_constraint where conname = 'invitation_token_hash_unique' and conrelid = 'invitation'::regclass) then
        alter table "invitation" drop constraint "invitation_token_hash_unique", add constraint "invitation_token_hash_unique" unique ("tenant_id", "token_hash");
      end if;
    end $$;`);

    this.addSql(`alter table "user_role"
      add constraint "user_role_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "user_role_tenant_id_role_id_fkey" foreign key ("tenant_id", "role_id") references "role" ("tenant_id", "id") on delete cascade;`);
    this.addSql(`alter table "group_member"
      add constraint "group_member_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "group_member_tenant_id_group_id_fkey" foreign key ("tenant_id", "group_id") references "user_group" ("tenant_id", "id") on delete cascade;`);
    this.addSql(`alter table "invitation"
      add constraint "invitation_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "invitation_tenant_id_sent_by_id_fkey" foreign key ("tenant_id", "sent_by_id") references "app_user" ("tenant_id", "id") on delete set null ("sent_by_id");`);

    // Sessions: the id already starts with the tenant id ("<tenant>.<random>"); the store now writes both.
    this.addSql(`delete from "session" where "sid" !~ '^[0-9]+\\.';`);
    this.addSql(`alter table "session"
      add column "tenant_id" int null,
      add column "user_id" int null;`);
    this.addSql(`update "session" set "tenant_id" = split_part("sid", '.', 1)::int,
      "user_id" = nullif("sess" -> 'passport' -> 'user' ->> 'id', '')::int;`);
    this.addSql(`delete from "session" s where not exists (select 1 from "tenant" t where t.id = s.tenant_id);`);
    this.addSql(`update "session" s set "user_id" = null where "user_id" is not null
      and not exists (select 1 from "app_user" u where u.tenant_id = s.tenant_id and u.id = s.user_id);`);
    this.addSql(`alter table "session"
      alter column "tenant_id" set not null,
      drop constraint "session_pkey",
      add constraint "session_pkey" primary key ("tenant_id", "sid"),
      add constraint "session_tenant_id_fkey" foreign key ("tenant_id") references "tenant" ("id") on delete cascade,
      add constraint "session_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade;`);
    this.addSql(`create index "session_tenant_user_idx" on "session" ("tenant_id", "user_id");`);

    // Users per instance and status, changed in the same transaction as the users they count.
    this.addSql(`create table "user_count" (
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "status" varchar(20) not null,
      "users" bigint not null default 0,
      primary key ("tenant_id", "status"));`);
    this.addSql(`insert into "user_count" ("tenant_id", "status", "users") select "tenant_id", 'active', count(*) from "app_user" group by "tenant_id";`);

    // One index per sort of the users list (keyset paging: the sort key, then id), and one trigram
    // index for "any part of login, name or email". The trigram index leaves tenant_id out: as a GIN
    // key it made a search in a 1,000,000-user instance read that instance's whole posting list
    // (177 ms against 15 ms); the tenant is checked on the few rows found.
    // The name index gives way to the sort indexes; the email one stays for Forgot password (a user found by email).
    this.addSql(`drop index "app_user_tenant_name_idx";`);
    this.addSql(`create index "app_user_sort_login_idx" on "app_user" ("tenant_id", lower("login"), "id");`);
    this.addSql(`create index "app_user_sort_name_idx" on "app_user" ("tenant_id", lower("name"), "id");`);
    this.addSql(`create index "app_user_sort_email_idx" on "app_user" ("tenant_id", lower(coalesce("email", '')), "id");`);
    this.addSql(`create index "app_user_sort_type_idx" on "app_user" ("tenant_id", "user_type", "id");`);
    this.addSql(
      `create index "app_user_search_idx" on "app_user" using gin (lower("login" || E'\\n' || "name" || E'\\n' || coalesce("email", '')) gin_trgm_ops);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index "app_user_search_idx", "app_user_sort_type_idx", "app_user_sort_email_idx", "app_user_sort_name_idx", "app_user_sort_login_idx";');
    this.addSql(`create index "app_user_tenant_name_idx" on "app_user" ("tenant_id", lower("name"));`);
    this.addSql('drop table "user_count";');
    this.addSql(
      `alter table "session" drop constraint "session_pkey", drop column "tenant_id", drop column "user_id", add constraint "session_pkey" primary key ("sid");`,
    );
    for (const [table, fk] of [
      ['user_role', 'user_role_tenant_id_user_id_fkey'],
      ['user_role', 'user_role_tenant_id_role_id_fkey'],
      ['group_member', 'group_member_tenant_id_user_id_fkey'],
      ['group_member', 'group_member_tenant_id_group_id_fkey'],
      ['invitation', 'invitation_tenant_id_user_id_fkey'],
      ['invitation', 'invitation_tenant_id_sent_by_id_fkey'],
    ]) {
      this.addSql(`alter table "${table}" drop constraint "${fk}";`);
    }
    this.addSql(`do $$ begin
      if exists (select 1 from pg_constraint where conname = 'invitation_token_hash_unique' and conrelid = 'invitation'::regclass) then
        alter table "invitation" drop constraint "invitation_token_hash_unique", add constraint "invitation_token_hash_unique" unique ("token_hash");
      end if;
    end $$;`);
    this.addSql(`drop index "user_role_role_idx"; create index "user_role_role_idx" on "user_role" ("role_id");`);
    this.addSql(`drop index "group_member_group_idx"; create index "group_member_group_idx" on "group_member" ("group_id");`);
    this.addSql(`alter table "user_role" drop constraint "user_role_pkey", add constraint "user_role_pkey" primary key ("user_id", "role_id");`);
    this.addSql(`alter table "group_member" drop constraint "group_member_pkey", add constraint "group_member_pkey" primary key ("user_id", "group_id");`);
    for (const [table, unique] of [
      ['app_user', 'app_user_tenant_id_id_uq'],
      ['role', 'role_tenant_id_uq'],
      ['user_group', 'user_group_tenant_id_uq'],
      ['invitation', null],
      ['audit_event', null],
    ] as const) {
      this.addSql(`alter table "${table}" drop constraint "${table}_pkey", add constraint "${table}_pkey" primary key ("id");`);
      if (unique) this.addSql(`alter table "${table}" add constraint "${unique}" unique ("tenant_id", "id");`);
    }
    this.addSql(`alter table "user_role"
      add constraint "user_role_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "user_role_tenant_id_role_id_fkey" foreign key ("tenant_id", "role_id") references "role" ("tenant_id", "id") on delete cascade;`);
    this.addSql(`alter table "group_member"
      add constraint "group_member_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "group_member_tenant_id_group_id_fkey" foreign key ("tenant_id", "group_id") references "user_group" ("tenant_id", "id") on delete cascade;`);
    this.addSql(`alter table "invitation"
      add constraint "invitation_tenant_id_user_id_fkey" foreign key ("tenant_id", "user_id") references "app_user" ("tenant_id", "id") on delete cascade,
      add constraint "invitation_sent_by_id_fkey" foreign key ("sent_by_id") references "app_user" ("id") on delete set null;`);
  }
}
