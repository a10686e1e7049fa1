import { Migration } from '@mikro-orm/migrations';

/** Reminders: when the one reminder mail of an invitation was queued (null: none yet). */
export class Migration20261130170000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "invitation" add column "reminded_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "invitation" drop column "reminded_at";`);
  }
}
