import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../../tenancy/tenant.entity.js';
import type { ImportJobStatus } from './import-jobs.repository.js';

/** One uploaded file of Import users: its preview counts, the background import's state and result. */
@Entity({ tableName: 'import_job' })
@Index({ name: 'import_job_due_idx', expression: `create index "import_job_due_idx" on "import_job" ("queued_at") where "status" in ('queued', 'running')` })
export class ImportJob {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'import_job_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 12 })
  status!: ImportJobStatus;

  @Property({ type: 'string', length: 255 })
  fileName!: string;

  @Property({ type: 'integer', default: 0 })
  totalRows: number = 0;

  @Property({ type: 'integer', default: 0 })
  badRows: number = 0;

  @Property({ type: 'integer', default: 0 })
  doneRows: number = 0;

  @Property({ type: 'integer', default: 0 })
  createdCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  invitationsQueued: number = 0;

  @Property({ type: 'boolean', default: false })
  sendInvitations: boolean = false;

  /** The administrator who uploaded it; (tenant_id, created_by_id) references app_user in the migration. */
  @Property({ type: 'integer', nullable: true })
  createdById?: number | null;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'Date', nullable: true })
  lockedUntil?: Date | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  queuedAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'Date', nullable: true })
  finishedAt?: Date | null;
}

/**
 * One data row of an import's file as it was read, with the reason it cannot be imported, or the user
 * it became. Its (tenant_id, job_id) foreign key to import_job is the migration's (a plain key here).
 */
@Entity({ tableName: 'import_row' })
@Index({
  name: 'import_row_bad_idx',
  expression: `create index "import_row_bad_idx" on "import_row" ("tenant_id", "job_id", "line") where "error" is not null`,
})
export class ImportRow {
  @PrimaryKey({ type: 'integer' })
  tenantId!: number;

  @PrimaryKey({ type: 'integer' })
  jobId!: number;

  @PrimaryKey({ type: 'integer' })
  line!: number;

  @Property({ type: 'text' })
  login!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  userType!: string;

  @Property({ type: 'text[]', default: '{}' })
  roles: string[] = [];

  @Property({ type: 'text', default: '' })
  language: string = '';

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'integer', nullable: true })
  userId?: number | null;
}
