import { Migration } from '@mikro-orm/migrations';

/**
 * The mail outbox and the one-time links join the rest of the schema in being keyed by tenant
 * (docs/scaling.md): primary keys and unique constraints start with tenant_id, and every mail
 * belongs to an instance.
 */
export class Migration20261130140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`delete from "mail_outbox" where "tenant_id" is null;`);
    this.addSql(`alter table "mail_outbox" alter column "tenant_id" set not null,
      drop constraint "mail_outbox_pkey", add constraint "mail_outbox_pkey" primary key ("tenant_id", "id");`);
    this.addSql(`alter table "one_time_link" drop constraint "one_time_link_pkey", add constraint "one_time_link_pkey" primary key ("tenant_id", "id"),
      drop constraint "one_time_link_token_hash_unique", add constraint "one_time_link_token_hash_unique" unique ("tenant_id", "token_hash");`);
  }

  override async down(): Promise<void> {
    this
      .addSql(`alter table "one_time_link" drop constraint "one_time_link_token_hash_unique", add constraint "one_time_link_token_hash_unique" unique ("token_hash"),
      drop constraint "one_time_link_pkey", add constraint "one_time_link_pkey" primary key ("id");`);
    this.addSql(`alter table "mail_outbox" drop constraint "mail_outbox_pkey", add constraint "mail_outbox_pkey" primary key ("id"),
      alter column "tenant_id" drop not null;`);
  }
}
