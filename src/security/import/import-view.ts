import './import-messages.js';
import { msg } from '../../common/i18n/message.js';
import type { ImportJobRow, StagedRow } from './import-jobs.repository.js';
import { LISTED_ROWS } from './user-import.service.js';

const REFRESH_SECONDS = 2;

const row = (r: StagedRow) => ({ ...r, roles: r.roles.join('; ') });

/** The job's page: preview (with bad rows), progress, result or failure, depending on where the import is. */
export function importJobView(job: ImportJobRow, rows: { preview: StagedRow[]; bad: StagedRow[]; created: StagedRow[] }) {
  const running = job.status === 'queued' || job.status === 'running';
  const good = job.total_rows - job.bad_rows;
  return {
    title: msg('import.job.title', { file: job.file_name }),
    job,
    ready: job.status === 'ready',
    canImport: job.status === 'ready' && job.bad_rows === 0,
    running,
    done: job.status === 'done',
    failed: job.status === 'failed',
    good,
    percent: job.total_rows ? Math.floor((job.done_rows * 100) / job.total_rows) : 0,
    // Without JavaScript the page reloads itself while the import runs; app.js updates the bar instead.
    refreshSeconds: running ? REFRESH_SECONDS : undefined,
    preview: rows.preview.map(row),
    moreGood: Math.max(0, good - rows.preview.length),
    bad: rows.bad.map(row),
    moreBad: Math.max(0, job.bad_rows - rows.bad.length),
    created: rows.created.map(row),
    moreCreated: Math.max(0, job.created_count - rows.created.length),
    listed: LISTED_ROWS,
  };
}
