import { Migration } from '@mikro-orm/migrations';

/**
 * Import users: a job per uploaded file (it outlives the request and every process sees it) and the
 * file's rows, staged as they were read, with the reason of each bad one.
 */
export class Migration20261130160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "import_job" (
      "tenant_id" int not null references "tenant" ("id") on delete cascade,
      "id" serial not null,
      "status" varchar(12) not null,
      "file_name" varchar(255) not null,
      "total_rows" int not null default 0,
      "bad_rows" int not null default 0,
      "done_rows" int not null default 0,
      "created_count" int not null default 0,
      "invitations_queued" int not null default 0,
      "send_invitations" boolean not null default false,
      "created_by_id" int null,
      "attempts" int not null default 0,
      "locked_until" timestamptz null,
      "error" text null,
      "created_at" timestamptz not null default now(),
      "queued_at" timestamptz null,
      "started_at" timestamptz null,
      "finished_at" timestamptz null,
      constraint "import_job_pkey" primary key ("tenant_id", "id"),
      constraint "import_job_tenant_id_created_by_id_fkey" foreign key ("tenant_id", "created_by_id") references "app_user" ("tenant_id", "id") on delete set null ("created_by_id"));`);
    this.addSql(`create index "import_job_due_idx" on "import_job" ("queued_at") where "status" in ('queued', 'running');`);

    this.addSql(`create table "import_row" (
      "tenant_id" int not null,
      "job_id" int not null,
      "line" int not null,
      "login" text not null,
      "name" text not null,
      "email" text not null,
      "user_type" text not null,
      "roles" text[] not null default '{}',
      "language" text not null default '',
      "error" text null,
      "user_id" int null,
      constraint "import_row_pkey" primary key ("tenant_id", "job_id", "line"),
      constraint "import_row_tenant_id_job_id_fkey" foreign key ("tenant_id", "job_id") references "import_job" ("tenant_id", "id") on delete cascade);`);
    this.addSql(`create index "import_row_bad_idx" on "import_row" ("tenant_id", "job_id", "line") where "error" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "import_row";`);
    this.addSql(`drop table if exists "import_job";`);
  }
}
