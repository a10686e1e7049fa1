import type { TenantId } from '../../tenancy/tenant-id.js';
import { Injectable, NotFoundException } from '@nestjs/common';
import { RolesRepository } from '../../roles/roles.repository.js';
import { UsersBulkRepository } from '../../users/users-bulk.repository.js';
import { readImportCsv } from './csv-reader.js';
import { ImportJobsRepository, type ImportJobRow, type StagedRow } from './import-jobs.repository.js';
import { ImportFileError } from './import-rows.js';
import { ImportRunner } from './import-runner.js';

export const PREVIEW_ROWS = 20;
/** Bad rows and created users shown on one page; the counts above say how many there are in all. */
export const LISTED_ROWS = 1000;

/** Import users: reads an upload into a job (the preview), and hands a clean one to the background runner. */
@Injectable()
export class UserImportService {
  constructor(
    private readonly jobs: ImportJobsRepository,
    private readonly users: UsersBulkRepository,
    private readonly roles: RolesRepository,
    private readonly runner: ImportRunner,
  ) {}

  /**
   * Reads the file as it arrives, a batch at a time: each row is checked on its own, against the
   * rows before it, and against the logins the instance has; every row is staged with its reason.
   * A problem with the file as a whole (ImportFileError) leaves nothing behind.
   */
  async stage(tenantId: TenantId, actorId: number, fileName: string, source: AsyncIterable<Buffer>): Promise<number> {
    const roleNames = new Map((await this.roles.options(tenantId)).map((r) => [r.name.toLowerCase(), r.name]));
    const jobId = await this.jobs.create(tenantId, fileName.slice(0, 255) || 'upload.csv', actorId);
    let total = 0;
    let bad = 0;
    try {
      for await (const batch of readImportCsv(source, roleNames)) {
        const taken = await this.users.existingLogins(
          tenantId,
          batch.filter((r) => !r.error).map((r) => r.login),
        );
        for (const row of batch) {
          if (!row.error && taken.has(row.login.toLowerCase())) row.error = `Login "${row.login}" already exists in this instance.`;
          if (row.error) bad++;
        }
        total += batch.length;
        await this.jobs.stage(tenantId, jobId, batch);
      }
    } catch (err) {
      await this.jobs.remove(tenantId, jobId);
      throw err;
    }
    await this.jobs.staged(tenantId, jobId, total, bad);
    return jobId;
  }

  async job(tenantId: TenantId, jobId: number): Promise<ImportJobRow> {
    const job = await this.jobs.find(tenantId, jobId);
    if (!job || job.status === 'staging') throw new NotFoundException();
    return job;
  }

  /** What the job's page lists: the first good rows before the import, the bad rows, or what was created. */
  async rows(tenantId: TenantId, job: ImportJobRow): Promise<{ preview: StagedRow[]; bad: StagedRow[]; created: StagedRow[] }> {
    const none: StagedRow[] = [];
    const [preview, bad, created] = await Promise.all([
      job.status === 'ready' && job.bad_rows === 0 ? this.jobs.rows(tenantId, job.id, 'good', 0, PREVIEW_ROWS) : none,
      job.bad_rows > 0 ? this.jobs.rows(tenantId, job.id, 'bad', 0, LISTED_ROWS) : none,
      job.status === 'done' ? this.jobs.rows(tenantId, job.id, 'created', 0, LISTED_ROWS) : none,
    ]);
    return { preview, bad, created };
  }

  /** Starts the import of a clean, previewed file; false when it cannot start (bad rows, already started). */
  async start(tenantId: TenantId, jobId: number, sendInvitations: boolean): Promise<boolean> {
    const queued = await this.jobs.queue(tenantId, jobId, sendInvitations);
    if (queued) this.runner.kick();
    return queued;
  }
}

export { ImportFileError };
