/** Where an embedded cluster lives, and the `postgres` user it runs as when we are root. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const USER = 'postgres';

/** Thrown with a message that says what the person has to fix. */
export class EmbeddedPostgresError extends Error {}

export type Ids = { uid?: number; gid?: number };

/** Where a root-run cluster goes when the postgres user cannot enter DATA_DIR (a checkout under /root, a `mktemp -d` folder). */
export const ROOT_CLUSTERS_DIR = '/var/lib/erp-security';

/**
 * The folder of DATA_DIR's cluster: DATA_DIR/postgres, unless we run as root, DATA_DIR was not
 * chosen, and the postgres user cannot reach it. Then a folder under ROOT_CLUSTERS_DIR named after
 * DATA_DIR, the same on every start from this checkout (server and command line alike). A cluster
 * already in DATA_DIR/postgres is never abandoned: reachable, it is used; unreachable, it is copied
 * over once and the original is left where it was.
 */
export function clusterLocation(dataDir: string, chosen: boolean, log: (line: string) => void = () => undefined): string {
  const inside = join(dataDir, 'postgres');
  const ids = postgresIds();
  if (ids.uid === undefined || chosen || canTraverse(nearestExisting(inside), ids)) return inside;
  const name = `${basename(dirname(dataDir)).replace(/[^A-Za-z0-9_.-]/g, '_') || 'erp'}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
  const outside = join(ROOT_CLUSTERS_DIR, name, 'postgres');
  mkdirSync(ROOT_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  if (existsSync(join(inside, 'PG_VERSION')) && !existsSync(join(outside, 'PG_VERSION'))) {
    log(`Copying the database in ${inside} to ${outside}, where the "postgres" user can reach it (the original stays in place) ...`);
    cpSync(inside, outside, { recursive: true });
    if (existsSync(join(dataDir, 'postgres-password'))) cpSync(join(dataDir, 'postgres-password'), join(dirname(outside), 'postgres-password'));
    rmSync(join(outside, 'postmaster.pid'), { force: true });
    spawnSync('chown', ['-R', `${ids.uid}:${ids.gid}`, outside]);
  }
  log(`The "postgres" user cannot enter ${dataDir}, so the database lives in ${outside} (set DATA_DIR to choose another place).`);
  return outside;
}

function nearestExisting(path: string): string {
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  return path;
}

function canTraverse(dir: string, ids: Ids): boolean {
  return spawnSync('test', ['-x', dir], { ...ids }).status === 0;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` user, creating it if needed. */
export function postgresIds(): Ids {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', USER]);
    const made = spawnSync('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
    if (made.status !== 0) throw new EmbeddedPostgresError('Running as root, and the "postgres" user PostgreSQL must run as could not be created.');
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}
