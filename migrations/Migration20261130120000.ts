import { Migration } from '@mikro-orm/migrations';

/** The account around the invitation: deactivation, last login, and finding a user's sessions to end them. */
export class Migration20261130120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "app_user"
      add column "deactivated_at" timestamptz null,
      add column "last_login_at" timestamptz null,
      add column "previous_login_at" timestamptz null;`);
    // Ending every session of one user (deactivation, password change) reads this, not every session.
    this.addSql(`create index "session_user_idx" on "session" (("sess" #>> '{passport,user,id}'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "session_user_idx";`);
    this.addSql(`alter table "app_user" drop column "deactivated_at", drop column "last_login_at", drop column "previous_login_at";`);
  }
}
