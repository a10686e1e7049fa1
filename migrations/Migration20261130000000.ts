import { Migration } from '@mikro-orm/migrations';

/**
 * The mail queue leaves the invitation table: `mail_outbox` holds every message to send (any kind),
 * `one_time_link` every link token's hash (any purpose). Invitations keep their own state, reason
 * and expiry for the administrator. Existing rows move over: open jobs stay due with their attempts
 * and lease, stored link hashes keep working (or stay used, revoked, replaced).
 */
export class Migration20261130000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "mail_outbox" (
      "id" serial primary key,
      "kind" varchar(40) not null,
      "tenant_id" int null references "tenant" ("id") on delete cascade,
      "ref_id" int null,
      "recipient" varchar(254) not null,
      "state" varchar(10) not null default 'queued',
      "attempts" int not null default 0,
      "next_attempt_at" timestamptz not null default now(),
      "locked_until" timestamptz null,
      "last_error" text null,
      "created_at" timestamptz not null default now(),
      "sent_at" timestamptz null);`);
    this.addSql(`create index "mail_outbox_due_idx" on "mail_outbox" ("next_attempt_at") where "state" in ('queued', 'failed', 'sending');`);
    this.addSql(`create index "mail_outbox_ref_idx" on "mail_outbox" ("kind", "ref_id");`);

    this.addSql(`create table "one_time_link" (
      "id" serial primary key,
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "purpose" varchar(40) not null,
      "subject_id" int not null,
      "token_hash" varchar(64) not null,
      "state" varchar(10) not null default 'valid',
      "expires_at" timestamptz not null,
      "created_at" timestamptz not null default now(),
      "ended_at" timestamptz null,
      constraint "one_time_link_token_hash_unique" unique ("token_hash"));`);
    this.addSql(`create index "one_time_link_subject_idx" on "one_time_link" ("tenant_id", "purpose", "subject_id");`);

    // Every invitation's mail becomes an outbox row; finished ones as history.
    this
      .addSql(`insert into "mail_outbox" ("kind", "tenant_id", "ref_id", "recipient", "state", "attempts", "next_attempt_at", "locked_until", "last_error", "created_at", "sent_at")
      select 'invitation', i.tenant_id, i.id, coalesce(u.email, ''),
             case when i.status in ('queued', 'sending', 'failed') then i.status when i.sent_at is not null then 'sent' else 'cancelled' end,
             i.attempts, i.next_attempt_at, i.locked_until, i.last_error, i.created_at, i.sent_at
      from "invitation" i join "app_user" u on u.tenant_id = i.tenant_id and u.id = i.user_id order by i.id;`);
    // Stored link hashes keep their meaning: "replaced" when a newer invitation of the user exists.
    this.addSql(`insert into "one_time_link" ("tenant_id", "purpose", "subject_id", "token_hash", "state", "expires_at", "created_at", "ended_at")
      select i.tenant_id, 'invitation', i.user_id, i.token_hash,
             case when i.status = 'accepted' then 'used'
                  when i.status = 'revoked' and exists (select 1 from "invitation" n where n.tenant_id = i.tenant_id and n.user_id = i.user_id and n.id > i.id) then 'replaced'
                  when i.status = 'revoked' then 'revoked'
                  else 'valid' end,
             coalesce(i.expires_at, now()), coalesce(i.sent_at, i.created_at), coalesce(i.accepted_at, i.revoked_at)
      from "invitation" i where i.token_hash is not null order by i.id;`);

    this.addSql(`drop index "invitation_due_idx";`);
    this.addSql(`alter table "invitation" drop constraint "invitation_token_hash_unique";`);
    this.addSql(`alter table "invitation" drop column "token_hash", drop column "attempts", drop column "next_attempt_at", drop column "locked_until";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "invitation" add column "token_hash" varchar(64) null, add column "attempts" int not null default 0,
      add column "next_attempt_at" timestamptz not null default now(), add column "locked_until" timestamptz null;`);
    this.addSql(`alter table "invitation" add constraint "invitation_token_hash_unique" unique ("token_hash");`);
    this.addSql(`update "invitation" i set "attempts" = o.attempts, "next_attempt_at" = o.next_attempt_at, "locked_until" = o.locked_until
      from "mail_outbox" o where o.kind = 'invitation' and o.ref_id = i.id;`);
    // The newest link of each invitation's user that was made after the invitation.
    this.addSql(`update "invitation" i set "token_hash" = (select l.token_hash from "one_time_link" l
        where l.purpose = 'invitation' and l.tenant_id = i.tenant_id and l.subject_id = i.user_id and l.created_at >= i.created_at
          and not exists (select 1 from "invitation" n where n.tenant_id = i.tenant_id and n.user_id = i.user_id and n.id > i.id and l.created_at >= n.created_at)
        order by l.id desc limit 1);`);
    this.addSql(`create index "invitation_due_idx" on "invitation" ("next_attempt_at") where "status" in ('queued', 'failed', 'sending');`);
    this.addSql(`drop table if exists "one_time_link" cascade;`);
    this.addSql(`drop table if exists "mail_outbox" cascade;`);
  }
}
