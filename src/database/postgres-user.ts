import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** As root, PostgreSQL runs as this user. */
export const USER = 'postgres';

/** The ids PostgreSQL's processes run under: none of our own when we are not root. */
export type Ids = { uid?: number; gid?: number };

/** Thrown with a message that says what the person has to fix. */
export class EmbeddedPostgresError extends Error {}

let known: Ids | undefined;

/**
 * PostgreSQL refuses to run as root: as root we run it as the `postgres` user, creating it if needed.
 * Looked up once per process (the cluster's location, its start and every restart ask).
 */
export function postgresIds(): Ids {
  return (known ??= lookUpIds());
}

function lookUpIds(): Ids {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', USER]);
    const made = spawnSync('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
    if (made.status !== 0) throw new EmbeddedPostgresError('Running as root, and the "postgres" user PostgreSQL must run as could not be created.');
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Whether the postgres user can run this binary. */
export function canRun(file: string, ids: Ids): boolean {
  return spawnSync(file, ['--version'], { ...ids, stdio: 'ignore' }).status === 0;
}

/** Whether the postgres user can write in and enter this folder. */
export function canReach(dir: string, ids: Ids): boolean {
  return spawnSync('test', ['-w', dir, '-a', '-x', dir], { ...ids }).status === 0;
}

/** Whether the postgres user can enter this folder (and every one above it). */
export function canTraverse(dir: string, ids: Ids): boolean {
  return spawnSync('test', ['-x', dir], { ...ids }).status === 0;
}
