import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabase, migrate, withDatabase } from '../../src/database/database.js';
import { freePort, startEmbeddedPostgres, type EmbeddedCluster } from '../../src/database/embedded-postgres.js';
import type { Agent } from './http.js';

/**
 * A PostgreSQL cluster of one test file, which it may stop, restart on the same port, freeze or
 * lock at will: the shared test cluster is never touched. It holds one database, `erp`, migrated.
 */
export class OwnCluster {
  private cluster?: EmbeddedCluster;

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly clusterUrl: string,
  ) {}

  static async create(): Promise<OwnCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'erp-own-pg-'));
    chmodSync(dir, 0o755); // the postgres user (when we are root) must enter it
    const port = await freePort();
    const cluster = await startEmbeddedPostgres(join(dir, 'postgres'), { fast: true, port });
    const own = new OwnCluster(dir, port, cluster.url);
    own.cluster = cluster;
    await ensureDatabase(cluster.url, 'erp');
    await migrate(own.databaseUrl);
    return own;
  }

  get databaseUrl(): string {
    return withDatabase(this.clusterUrl, 'erp');
  }

  async start(): Promise<void> {
    this.cluster = await startEmbeddedPostgres(join(this.dir, 'postgres'), { fast: true, port: this.port });
  }

  /** A fast shutdown: sessions are ended, new connections refused. */
  async stop(): Promise<void> {
    await this.cluster?.stop();
    this.cluster = undefined;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One statement as the superuser, on a connection of its own. */
  async superuser<T extends pg.QueryResultRow>(text: string): Promise<pg.QueryResult<T>> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.query<T>(text);
    } finally {
      await client.end();
    }
  }

  /** The postmaster and every process it started (backends included), e.g. to freeze them all. */
  processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      });
    return [postmaster, ...children.map(Number)];
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timed GETs in a loop, one lane per path, until `stop` resolves; every answer is kept. */
export async function traffic(agent: Agent, paths: string[], stop: Promise<unknown>) {
  const answers: { path: string; status: number; ms: number }[] = [];
  let done = false;
  void stop.finally(() => (done = true));
  const lane = async (path: string) => {
    while (!done) {
      const started = Date.now();
      const res = await agent.get(path).timeout(15_000); // a hang fails the test instead of stalling it
      answers.push({ path, status: res.status, ms: Date.now() - started });
    }
  };
  await Promise.all(paths.map(lane));
  return answers;
}
