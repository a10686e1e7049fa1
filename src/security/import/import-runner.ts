import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../../audit/audit.service.js';
import { PollLoop } from '../../common/poll-loop.js';
import { DatabaseStatus } from '../../database/database-status.js';
import { InvitationsService } from '../../invitations/invitations.service.js';
import { RolesRepository } from '../../roles/roles.repository.js';
import { isInvitationType } from '../../users/user-type.js';
import { UsersBulkRepository } from '../../users/users-bulk.repository.js';
import { UsersRepository } from '../../users/users.repository.js';
import { ImportJobsRepository, type ImportJobRow } from './import-jobs.repository.js';

const CHUNK = 2000;
const POLL_MS = 1000;
const LEASE_SECONDS = 120;
const KEEP_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

/** Rows the instance refused at import time (a login taken since the preview): nothing is imported. */
class Refused extends Error {
  constructor(readonly rows: { line: number; error: string }[]) {
    super(`${rows.length} row(s) can no longer be imported.`);
  }
}

/**
 * Runs queued imports in the background, in whichever process claims them first (the job row is
 * the queue, claimed with SKIP LOCKED under a lease). One transaction creates every user, their
 * roles, the invitations and the audit entry, and marks the job done: all of it or nothing. The
 * progress is written beside it on its own connection, so every process sees it advance.
 */
@Injectable()
export class ImportRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ImportUsers');
  private readonly loop = new PollLoop(
    () => this.claimAndRun(),
    () => POLL_MS,
    (err) => this.database.reportFrom(this.logger, 'Import', err),
  );
  private prunedAt = 0;

  constructor(
    private readonly em: EntityManager,
    private readonly jobs: ImportJobsRepository,
    private readonly users: UsersBulkRepository,
    private readonly userRows: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly invitations: InvitationsService,
    private readonly audit: AuditService,
    private readonly database: DatabaseStatus,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Prunes old jobs now and then, claims a queued import and runs it; true when one ran (another may wait). */
  private async claimAndRun(): Promise<boolean> {
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.jobs.prune(KEEP_DAYS);
    }
    const job = await this.jobs.claim(LEASE_SECONDS);
    if (!job) return false;
    await this.run(job);
    return true;
  }

  /** Imports one claimed job; a refusal or an error leaves nothing but the job's reason. */
  async run(job: ImportJobRow): Promise<void> {
    const tenantId = job.tenant_id;
    try {
      const invitations = await this.em.fork().transactional((em) => this.importAll(em, job));
      if (invitations > 0) this.invitations.deliverSoon();
    } catch (err) {
      if (err instanceof Refused) return this.jobs.fail(tenantId, job.id, job.attempts, 'Nothing was imported: ' + err.message, err.rows);
      if ((err as { code?: string }).code === '23505') {
        return this.jobs.fail(tenantId, job.id, job.attempts, 'Nothing was imported: a login of the file was created meanwhile. Upload the file again.');
      }
      if (this.database.report(err)) throw err; // the lease runs out and the import is tried again
      this.logger.error(`Import ${job.id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await this.jobs.fail(tenantId, job.id, job.attempts, 'Nothing was imported: the import stopped on an unexpected error.');
    }
  }

  private async importAll(em: EntityManager, job: ImportJobRow): Promise<number> {
    const tenantId = job.tenant_id;
    const roleIds = new Map((await this.roles.options(tenantId)).map((r) => [r.name.toLowerCase(), r.id]));
    const invitees: { id: number; email: string; role_names: string[] }[] = [];
    let created = 0;
    for (let after = 0; ;) {
      const rows = await this.jobs.rows(tenantId, job.id, 'all', after, CHUNK, em);
      if (!rows.length) break;
      after = rows[rows.length - 1].line;
      // Checked again: another administrator may have created a login, or deleted a role, since the preview.
      const taken = await this.users.existingLogins(
        tenantId,
        rows.map((r) => r.login),
        em,
      );
      const refused = rows.flatMap((r) => {
        if (r.error) return [{ line: r.line, error: r.error }];
        if (taken.has(r.login.toLowerCase())) return [{ line: r.line, error: `Login "${r.login}" already exists in this instance.` }];
        const gone = r.roles.find((name) => !roleIds.has(name.toLowerCase()));
        return gone === undefined ? [] : [{ line: r.line, error: `Unknown role "${gone}".` }];
      });
      if (refused.length) throw new Refused(refused);
      const ids = await this.userRows.create(
        tenantId,
        rows.map((r) => ({ login: r.login, name: r.name, email: r.email || null, userType: r.user_type, language: r.language || null })),
        em,
      );
      // Statistics that know the table's new size, so the foreign-key checks of the rows to come use its index.
      if (created === 0) await this.users.refreshStatistics(em);
      await this.roles.grantMany(
        em,
        tenantId,
        rows.map((r, i) => ({ userId: ids[i], roleIds: r.roles.map((name) => roleIds.get(name.toLowerCase())!) })),
      );
      await this.jobs.setUserIds(
        em,
        tenantId,
        job.id,
        rows.map((r, i) => ({ line: r.line, id: ids[i] })),
      );
      rows.forEach((r, i) => {
        if (job.send_invitations && isInvitationType(r.user_type) && r.email) invitees.push({ id: ids[i], email: r.email, role_names: r.roles });
      });
      created += rows.length;
      await this.jobs.progress(tenantId, job.id, job.attempts, created, LEASE_SECONDS);
    }
    const queued = job.created_by_id ? await this.invitations.queueImported(em, tenantId, job.created_by_id, invitees) : 0;
    await this.audit.record(
      {
        tenantId,
        event: 'users_imported',
        actor: job.created_by_id ? { id: job.created_by_id, login: job.created_by_login ?? '' } : null,
        target: { type: 'import', id: job.id },
        details: { file: job.file_name, rows: job.total_rows, created, invitationsQueued: queued },
      },
      em,
    );
    if (!(await this.jobs.finish(em, tenantId, job.id, job.attempts, created, queued))) throw new Error('the import was claimed by another process');
    return queued;
  }
}
