import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/database/embedded-postgres.js';
import { buildApp } from './built-app.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterUrl: string;
  }
}

let cluster: EmbeddedCluster | undefined;
let dir: string | undefined;

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when set, else an embedded cluster under the
 * OS temp folder (reachable by the postgres user even when the checkout is not). Each test file
 * makes its own database in it. The compiled app for the specs that run it as a child process is
 * built here too, once (see built-app.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  buildApp();
  if (process.env.DATABASE_URL) {
    project.provide('clusterUrl', process.env.DATABASE_URL);
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'erp-test-pg-'));
  chmodSync(dir, 0o755);
  cluster = await startEmbeddedPostgres(join(dir, 'postgres'), { fast: true });
  project.provide('clusterUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
