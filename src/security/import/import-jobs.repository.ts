import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sql, sqlOne } from '../../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../../tenancy/tenant-id.js';
import type { ImportRow } from './import-rows.js';

/** staging: the upload is being read; ready: previewed; queued/running: importing; done; failed. */
export type ImportJobStatus = 'staging' | 'ready' | 'queued' | 'running' | 'done' | 'failed';

export interface ImportJobRow {
  tenant_id: TenantId;
  id: number;
  status: ImportJobStatus;
  file_name: string;
  total_rows: number;
  bad_rows: number;
  done_rows: number;
  created_count: number;
  invitations_queued: number;
  send_invitations: boolean;
  created_by_id: number | null;
  created_by_login: string | null;
  attempts: number;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface StagedRow {
  line: number;
  login: string;
  name: string;
  email: string;
  user_type: string;
  roles: string[];
  language: string;
  error: string | null;
  user_id: number | null;
}

const MAX_ATTEMPTS = 3;

const JOB_SELECT = `select j.tenant_id, j.id, j.status, j.file_name, j.total_rows, j.bad_rows, j.done_rows, j.created_count, j.invitations_queued,
  j.send_invitations, j.created_by_id, u.login as created_by_login, j.attempts, j.error, j.created_at, j.finished_at
  from import_job j left join app_user u on u.tenant_id = j.tenant_id and u.id = j.created_by_id`;

/** Queries on import_job and import_row. Tenant first; writes of an import take its transaction. */
@Injectable()
export class ImportJobsRepository {
  constructor(private readonly em: EntityManager) {}

  async create(tenantId: TenantId, fileName: string, createdById: number): Promise<number> {
    const row = await sqlOne<{ id: number }>(
      this.em,
      `insert into import_job (tenant_id, status, file_name, created_by_id) values (?, 'staging', ?, ?) returning id`,
      [tenantId, fileName, createdById],
    );
    return row!.id;
  }

  /** One statement per batch of rows. */
  async stage(tenantId: TenantId, jobId: number, rows: ImportRow[]): Promise<void> {
    const json = rows.map((r) => ({
      line: r.line,
      login: r.login,
      name: r.name,
      email: r.email,
      user_type: r.userType,
      roles: r.roles,
      language: r.language,
      error: r.error,
    }));
    await sql(
      this.em,
      `insert into import_row (tenant_id, job_id, line, login, name, email, user_type, roles, language, error)
       select ?, ?, x.line, x.login, x.name, x.email, x.user_type, x.roles, x.language, x.error
       from jsonb_to_recordset(?::jsonb) as x(line int, login text, name text, email text, user_type text, roles text[], language text, error text)`,
      [tenantId, jobId, JSON.stringify(json)],
    );
  }

  async staged(tenantId: TenantId, jobId: number, total: number, bad: number): Promise<void> {
    await sql(this.em, `update import_job set status = 'ready', total_rows = ?, bad_rows = ? where tenant_id = ? and id = ? and status = 'staging'`, [
      total,
      bad,
      tenantId,
      jobId,
    ]);
  }

  async remove(tenantId: TenantId, jobId: number): Promise<void> {
    await sql(this.em, 'delete from import_job where tenant_id = ? and id = ?', [tenantId, jobId]);
  }

  async find(tenantId: TenantId, jobId: number): Promise<ImportJobRow | undefined> {
    const row = await sqlOne<ImportJobRow>(this.em, `${JOB_SELECT} where j.tenant_id = ? and j.id = ?`, [tenantId, jobId]);
    return row && { ...row, created_at: asDate(row.created_at)!, finished_at: asDate(row.finished_at) };
  }

  /** Rows in file order after `afterLine`: good ones, bad ones, created ones, or all. */
  async rows(
    tenantId: number,
    jobId: number,
    which: 'good' | 'bad' | 'created' | 'all',
    afterLine: number,
    limit: number,
    em: EntityManager = this.em,
  ): Promise<StagedRow[]> {
    const filter = { good: 'and error is null', bad: 'and error is not null', created: 'and user_id is not null', all: '' }[which];
    return sql<StagedRow>(
      em,
      `select line, login, name, email, user_type, roles, language, error, user_id from import_row
       where tenant_id = ? and job_id = ? and line > ? ${filter} order by line limit ?`,
      [tenantId, jobId, afterLine, limit],
    );
  }

  /**
   * Forgets imports after `days` (their rows hold names and emails; the audit log keeps the counts),
   * and uploads whose reading never finished (a process that stopped mid-upload) after a day.
   */
  async prune(days: number): Promise<void> {
    await sql(
      this.em,
      `delete from import_job where (status in ('ready', 'done', 'failed') and created_at < now() - make_interval(days => ?))
         or (status = 'staging' and created_at < now() - interval '1 day')`,
      [days],
    );
  }

  /** Ready and clean: queued for the background import. False when it was not (bad rows, already started). */
  async queue(tenantId: TenantId, jobId: number, sendInvitations: boolean): Promise<boolean> {
    const rows = await sql(
      this.em,
      `update import_job set status = 'queued', send_invitations = ?, queued_at = now() where tenant_id = ? and id = ? and status = 'ready' and bad_rows = 0 returning id`,
      [sendInvitations, tenantId, jobId],
    );
    return rows.length === 1;
  }

  /** Claims one queued import, or one whose process died (lease over); `attempts` fences this claim. */
  async claim(leaseSeconds: number): Promise<ImportJobRow | undefined> {
    // One statement per poll. An import whose process stopped three times (or whose statements time
    // out) is given up, not tried forever; those rows are no candidates for the claim beside it.
    const claimed = await sqlOne<{ tenant_id: number; id: number }>(
      this.em,
      `with given_up as (
         update import_job set status = 'failed', error = 'Nothing was imported: the import was started three times and did not finish. Try again later, or in smaller files.',
           finished_at = now(), locked_until = null, done_rows = 0
         where status = 'running' and locked_until < now() and attempts >= ?)
       update import_job j set status = 'running', attempts = j.attempts + 1, locked_until = now() + make_interval(secs => ?), started_at = now(), done_rows = 0
       where (j.tenant_id, j.id) = (select tenant_id, id from import_job
         where status = 'queued' or (status = 'running' and locked_until < now() and attempts < ?) order by queued_at limit 1 for update skip locked)
       returning j.tenant_id, j.id`,
      [MAX_ATTEMPTS, leaseSeconds, MAX_ATTEMPTS],
    );
    return claimed && this.find(tenantIdFromDatabase(claimed.tenant_id), claimed.id);
  }

  /** Progress, seen by every process while the import's transaction is still open; also renews the lease. */
  async progress(tenantId: TenantId, jobId: number, attempts: number, done: number, leaseSeconds: number): Promise<void> {
    await sql(
      this.em.fork(),
      `update import_job set done_rows = ?, locked_until = now() + make_interval(secs => ?) where tenant_id = ? and id = ? and attempts = ? and status = 'running'`,
      [done, leaseSeconds, tenantId, jobId, attempts],
    );
  }

  async setUserIds(em: EntityManager, tenantId: TenantId, jobId: number, ids: { line: number; id: number }[]): Promise<void> {
    await sql(
      em,
      `update import_row r set user_id = x.id from jsonb_to_recordset(?::jsonb) as x(line int, id int)
       where r.tenant_id = ? and r.job_id = ? and r.line = x.line`,
      [JSON.stringify(ids), tenantId, jobId],
    );
  }

  /** In the import's transaction: done exactly when the users are there. */
  async finish(em: EntityManager, tenantId: TenantId, jobId: number, attempts: number, created: number, invitations: number): Promise<boolean> {
    const rows = await sql(
      em,
      `update import_job set status = 'done', done_rows = ?, created_count = ?, invitations_queued = ?, finished_at = now(), locked_until = null
       where tenant_id = ? and id = ? and attempts = ? returning id`,
      [created, created, invitations, tenantId, jobId, attempts],
    );
    return rows.length === 1;
  }

  /** Nothing was imported: why, and the rows that were refused at import time. */
  async fail(tenantId: TenantId, jobId: number, attempts: number, error: string, badRows: { line: number; error: string }[] = []): Promise<void> {
    await this.em.transactional(async (em) => {
      if (badRows.length) {
        await sql(
          em,
          `update import_row r set error = x.error from jsonb_to_recordset(?::jsonb) as x(line int, error text)
           where r.tenant_id = ? and r.job_id = ? and r.line = x.line`,
          [JSON.stringify(badRows), tenantId, jobId],
        );
      }
      await sql(
        em,
        `update import_job set status = 'failed', error = ?, bad_rows = bad_rows + ?, done_rows = 0, finished_at = now(), locked_until = null
         where tenant_id = ? and id = ? and attempts = ?`,
        [error, badRows.length, tenantId, jobId, attempts],
      );
    });
  }
}
