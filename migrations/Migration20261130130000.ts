import { Migration } from '@mikro-orm/migrations';

/**
 * Deactivation and password reset at scale: the users list filtered on Deactivated reads the few deactivated users
 * through their own index instead of walking the instance; their count comes from user_count (filled
 * here from the users already deactivated).
 */
export class Migration20261130130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "app_user_deactivated_idx" on "app_user" ("tenant_id", "id") where "deactivated_at" is not null;`);
    this.addSql(`delete from "user_count";`);
    this.addSql(`insert into "user_count" ("tenant_id", "status", "users")
      select "tenant_id", case when "deactivated_at" is null then 'active' else 'deactivated' end, count(*) from "app_user" group by 1, 2;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "app_user_deactivated_idx";`);
    this
      .addSql(`insert into "user_count" ("tenant_id", "status", "users") select "tenant_id", 'active', "users" from "user_count" where "status" = 'deactivated'
      on conflict ("tenant_id", "status") do update set "users" = "user_count"."users" + excluded."users";`);
    this.addSql(`delete from "user_count" where "status" = 'deactivated';`);
  }
}
