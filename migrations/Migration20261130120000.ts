import { Migration } from '@mikro-orm/migrations';

/** The account around the invitation: deactivation and last login. */
export class Migration20261130120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "app_user"
      add column "deactivated_at" timestamptz null,
      add column "last_login_at" timestamptz null,
      add column "previous_login_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app_user" drop column "deactivated_at", drop column "last_login_at", drop column "previous_login_at";`);
  }
}
