import { Migration } from '@mikro-orm/migrations';

/**
 * Languages (issue 15): a user's own language (null: the instance's default), and the instance's
 * default language and time zone (dates in pages and mails are shown in it).
 */
export class Migration20261202100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "app_user" add column "language" text null;`);
    this.addSql(`alter table "app_user" add constraint "app_user_language_check" check ("language" in ('en', 'de', 'bg'));`);
    this.addSql(`alter table "tenant_settings" add column "default_language" text not null default 'en';`);
    this.addSql(`alter table "tenant_settings" add constraint "tenant_settings_default_language_check" check ("default_language" in ('en', 'de', 'bg'));`);
    this.addSql(`alter table "tenant_settings" add column "time_zone" text not null default 'UTC';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenant_settings" drop column "time_zone";`);
    this.addSql(`alter table "tenant_settings" drop constraint "tenant_settings_default_language_check";`);
    this.addSql(`alter table "tenant_settings" drop column "default_language";`);
    this.addSql(`alter table "app_user" drop constraint "app_user_language_check";`);
    this.addSql(`alter table "app_user" drop column "language";`);
  }
}
