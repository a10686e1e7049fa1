import { Migration } from '@mikro-orm/migrations';

/**
 * Deactivation and password reset at scale: the users list filtered on Deactivated reads the few deactivated users
 * through their own index instead of walking the instance; their count comes from user_count (filled
 * here from the users already deactivated). A user's sessions are found by (tenant_id, user_id)
 * now, so the index on the session JSON goes.
 */
export class Migration20261130130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "app_user_deactivated_idx" on "app_user" ("tenant_id", "id") where "deactivated_at" is not null;`);
    // Forgot password finds a user by email (tenant_id, lower(email)): the index the list's email sort replaced, back for that lookup.
    this.addSql(`create index if not exists "app_user_tenant_email_idx" on "app_user" ("tenant_id", lower("email"));`);
    this.addSql(`drop index if exists "session_user_idx";`);
    this.addSql(`delete from "user_count";`);
    this.addSql(`insert into "user_count" ("tenant_id", "status", "users")
      select "tenant_id", case when "deactivated_at" is null then 'active' else 'deactivated' end, count(*) from "app_user" group by 1, 2;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index "session_user_idx" on "session" (("sess" #>> '{passport,user,id}'));`);
    this.addSql(`drop index "app_user_deactivated_idx", "app_user_tenant_email_idx";`);
    this
      .addSql(`insert into "user_count" ("tenant_id", "status", "users") select "tenant_id", 'active', "users" from "user_count" where "status" = 'deactivated'
      on conflict ("tenant_id", "status") do update set "users" = "user_count"."users" + excluded."users";`);
    this.addSql(`delete from "user_count" where "status" = 'deactivated';`);
  }
}
