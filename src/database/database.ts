import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import { ormConfig } from './orm-config.js';
import { describeDatabaseError, isDatabaseUnavailable } from './db-errors.js';
import { clusterLocation } from './cluster-location.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { watchEmbeddedPostgres, type Watchdog } from './embedded-watchdog.js';

export interface Database {
  url: string;
  embedded: boolean;
  /** Stops the embedded server when this process owns it; a no-op otherwise. */
  stop(): Promise<void>;
  /** Keeps the embedded server this process owns running (restarting it when it dies); a no-op otherwise. */
  watch(log: (line: string) => void, giveUp: (message: string) => void): void;
}

const DB_NAME = 'erp';

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL in DATA_DIR/postgres. A server process
 * owns the embedded server (and stops it last) unless another live server process already does;
 * the command line only joins a running one, or starts and stops its own.
 */
export async function openDatabase(config: AppConfig, role: 'server' | 'cli', log: (line: string) => void = () => undefined): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined, watch: () => undefined };

  const pidFile = join(config.dataDir, 'server.pid');
  const otherServer = role === 'server' && liveServer(pidFile);
  const dir = clusterLocation(config.dataDir, config.dataDirChosen, log);
  const cluster = await startEmbeddedPostgres(dir, { log, adopt: role === 'server' && !otherServer });
  if (await ensureDatabase(cluster.url, DB_NAME)) log(`Created the database "${DB_NAME}".`);
  if (role === 'server' && !otherServer) writeFileSync(pidFile, String(process.pid));
  let watchdog: Watchdog | undefined;
  return {
    url: withDatabase(cluster.url, DB_NAME),
    embedded: true,
    watch(log, giveUp) {
      if (role === 'server' && cluster.owned && !watchdog) {
        watchdog = watchEmbeddedPostgres(dir, Number(new URL(cluster.url).port), log, giveUp);
      }
    },
    async stop() {
      await watchdog?.stop();
      await cluster.stop();
      if (role === 'server' && readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
    },
  };
}

/** The database refused the app (a wrong password, no such database) or stayed unreachable for the whole start timeout. */
export class DatabaseUnavailableError extends Error {}

/**
 * At start: waits until the database answers, retrying with backoff and one line per try, for at most
 * `timeoutSeconds`, then gives up with a message that says what to check. Only "unreachable" errors
 * are retried; a wrong password or a missing database stops the start at once.
 */
export async function waitForDatabase(url: string, options: { timeoutSeconds: number; connectTimeoutMs: number; log: (line: string) => void }): Promise<void> {
  const u = new URL(url);
  const target = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  const started = Date.now();
  for (let attempt = 1, waitMs = 500; ; attempt++, waitMs = Math.min(waitMs * 2, 5000)) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      const reason = describeDatabaseError(err);
      if (!isDatabaseUnavailable(err)) throw new DatabaseUnavailableError(`The database at ${target} refused the app: ${reason}. Check DATABASE_URL.`);
      const left = options.timeoutSeconds * 1000 - (Date.now() - started);
      if (left <= 0) {
        throw new DatabaseUnavailableError(
          `The database at ${target} did not answer within ${options.timeoutSeconds} s (${reason}). Check DATABASE_URL and that PostgreSQL is running; DATABASE_START_TIMEOUT_SECONDS sets how long to wait.`,
        );
      }
      waitMs = Math.min(waitMs, left);
      options.log(
        `Database at ${target} not reachable (${reason}); attempt ${attempt}, trying again in ${(waitMs / 1000).toFixed(1)} s (giving up after ${options.timeoutSeconds} s)`,
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Any fixed number: the advisory lock that serialises migrations between processes. */
const MIGRATION_LOCK = 727_001;

/**
 * Applies the committed migrations that have not run yet. Replicas starting together on one
 * database (and the command line beside a starting server) take turns under an advisory lock.
 */
export async function migrate(url: string, log: (line: string) => void = () => undefined): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => undefined); // a connection lost here fails the query in progress, which stops the start
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const orm = await MikroORM.init(ormConfig(url, { pool: { min: 0, max: 1 } }));
    try {
      const migrator = orm.getMigrator();
      const pending = await migrator.getPendingMigrations();
      if (pending.length > 0) log(`Applying ${pending.length} database migration${pending.length === 1 ? '' : 's'} ...`);
      await migrator.up();
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.end();
  }
}

/** Creates the database when missing; true when this call created it. */
export async function ensureDatabase(clusterUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: clusterUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount !== 0) return false;
    await client.query(`create database "${name.replace(/"/g, '')}"`);
    return true;
  } catch (err) {
    // Two processes starting at once: the other one created it first.
    if ((err as { code?: string }).code !== '42P04') throw err;
    return false;
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function liveServer(file: string): boolean {
  const pid = readPid(file);
  if (!pid || pid === process.pid || !existsSync(`/proc/${pid}`)) return false;
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}
