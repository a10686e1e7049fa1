import { Migration } from '@mikro-orm/migrations';

/**
 * Reminders: one mail before an unaccepted invitation expires. It carries a second link of the same
 * invitation, so the link of the first mail keeps working; both die with the invitation (accepted,
 * revoked, replaced by a resend) and share its expiry (Extend invitation moves both).
 */
export class Migration20261130150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "invitation"
      add column "reminder_token_hash" varchar(64) null,
      add column "reminded_at" timestamptz null,
      add column "reminder_attempts" int not null default 0,
      add constraint "invitation_reminder_token_hash_unique" unique ("reminder_token_hash");`);
    this.addSql(`create index "invitation_reminder_due_idx" on "invitation" ("expires_at") where "status" = 'sent' and "reminded_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "invitation_reminder_due_idx";`);
    this.addSql(`alter table "invitation" drop column "reminder_token_hash", drop column "reminded_at", drop column "reminder_attempts";`);
  }
}
