import { Migration } from '@mikro-orm/migrations';

/**
 * Reminders: the sweep looks for delivered invitations not yet reminded, by expiry. A partial index
 * holds only those (accepted, revoked and reminded ones leave it), so each sweep reads a short range.
 */
export class Migration20261201120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "invitation_remind_idx" on "invitation" ("expires_at") where "status" = 'sent' and "reminded_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "invitation_remind_idx";`);
  }
}
