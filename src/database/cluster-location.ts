import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { canTraverse, postgresIds } from './postgres-user.js';

/** Where a root-run cluster goes when the postgres user cannot enter DATA_DIR (a checkout under /root, a `mktemp -d` folder). */
const ROOT_CLUSTERS_DIR = '/var/lib/erp-security';

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
