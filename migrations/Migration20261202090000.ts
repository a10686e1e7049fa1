import { Migration } from '@mikro-orm/migrations';

/**
 * Instance branding (Security > Settings): a display name, an accent colour and a logo, kept in
 * tenant_settings so every app process serves them. The logo's bytes live in the row with their
 * type and the SHA-256 of the bytes, which names the logo's URL (a new logo, a new URL).
 */
export class Migration20261202090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tenant_settings"
      add column "display_name" varchar(80) null,
      add column "accent_colour" varchar(7) null,
      add column "logo" bytea null,
      add column "logo_type" varchar(20) null,
      add column "logo_hash" varchar(64) null,
      add constraint "tenant_settings_accent_colour_check" check ("accent_colour" ~ '^#[0-9a-f]{6}$'),
      add constraint "tenant_settings_logo_type_check" check ("logo_type" ~ '^image/(png|jpeg)$'),
      add constraint "tenant_settings_logo_check" check (("logo" is null) = ("logo_type" is null) and ("logo" is null) = ("logo_hash" is null));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenant_settings"
      drop constraint if exists "tenant_settings_logo_check",
      drop constraint if exists "tenant_settings_logo_type_check",
      drop constraint if exists "tenant_settings_accent_colour_check",
      drop column if exists "logo_hash",
      drop column if exists "logo_type",
      drop column if exists "logo",
      drop column if exists "accent_colour",
      drop column if exists "display_name";`);
  }
}
