import { BUILT_MAIN } from './support/built-app.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/paths.js';
import { submitForm } from './support/http.js';
import { freePort } from './support/test-app.js';

/**
 * The built server as an operator runs it, on its own embedded PostgreSQL in a temporary DATA_DIR
 * (the cluster this file kills is its own), or on a DATABASE_URL nothing answers at.
 */
const MAIN = BUILT_MAIN;

interface Server {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
let base: string;
let dataDir: string;
let port: number;

function start(extra: Record<string, string> = {}): Server {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NO_COLOR: '1', DATA_DIR: dataDir, PORT: String(port), ...extra };
  const proc = spawn(process.execPath, [MAIN], { env, cwd: PROJECT_ROOT });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('close', (code) => {
      children.delete(proc);
      resolve(code);
    }),
  );
  return { proc, output: () => out, exited };
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function postmasterPid(): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('the built server when its database fails', () => {
  let server: Server | undefined;
  let agent: ReturnType<typeof request.agent>;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'erp-db-process-'));
    chmodSync(base, 0o755); // the postgres user (when we are root) must enter it
    dataDir = join(base, 'data');
    port = await freePort();
    server = start();
    await until(() => server!.output().includes('Listening on port'), 60_000, 'the server to listen');
    const password = server.output().match(/Password: (\S+)/)![1];
    agent = request.agent(`http://127.0.0.1:${port}`).set('Host', `demo.localhost:${port}`);
    expect((await submitForm(agent, '/login', '/login', { login: 'admin', password })).status).toBe(303);
    expect((await agent.get('/')).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    try {
      const pid = postmasterPid();
      if (alive(pid)) process.kill(pid, 'SIGINT');
      await until(() => !alive(pid), 10_000, 'PostgreSQL to stop');
    } catch {
      /* not running */
    }
    if (base) rmSync(base, { recursive: true, force: true });
  }, 30_000);

  it('restarts its embedded PostgreSQL after kill -9 of the postmaster: the same session works again within a minute', async () => {
    const pid = postmasterPid();
    const killed = Date.now();
    process.kill(pid, 'SIGKILL');
    const statuses = new Set<number>();
    const page = async () => {
      const res = await agent.get('/');
      statuses.add(res.status);
      return res.status === 200;
    };
    // Pages keep answering (200 from backends still alive, else 503) until the restart is done.
    await until(async () => (await page()) && /embedded PostgreSQL is running again/.test(server!.output()), 60_000, 'the restart');
    await until(page, 60_000 - (Date.now() - killed), 'the home page to answer 200 again');
    expect(Date.now() - killed).toBeLessThan(60_000);
    expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(server!.proc.exitCode).toBeNull();
    expect(postmasterPid()).not.toBe(pid);
    expect(server!.output()).toMatch(/embedded PostgreSQL .* stopped unexpectedly; restarting it/);
    expect(server!.output()).toMatch(/embedded PostgreSQL is running again/);
    expect(server!.output()).not.toMatch(/\n\s+at .+\(/); // no stack trace
  }, 70_000);

  it('stops with a clear message when its embedded PostgreSQL cannot be started again', async () => {
    // A setting PostgreSQL does not know stops it from starting: what a broken data folder does.
    appendFileSync(join(dataDir, 'postgres', 'postgresql.conf'), '\nno_such_setting_erp = 1\n');
    process.kill(postmasterPid(), 'SIGKILL');
    const code = await server!.exited;
    const out = server!.output();
    server = undefined;
    expect(code).toBe(1);
    expect(out).toMatch(/Database error: The embedded PostgreSQL .* stopped and could not be started again: .*no_such_setting_erp/);
    expect(out).not.toMatch(/\n\s+at .+\(/);
  }, 60_000);

  it('retries an unreachable DATABASE_URL with one line per try, then exits with a clear message', async () => {
    const nothing = `postgres://erp:secret@127.0.0.1:${await freePort()}/erp`;
    const started = Date.now();
    const run = start({ DATABASE_URL: nothing, DATABASE_START_TIMEOUT_SECONDS: '2' });
    expect(await run.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    const out = run.output();
    expect(out.match(/not reachable \(.*ECONNREFUSED.*\); attempt \d+, trying again in/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out).toMatch(/Database error: The database at 127\.0\.0\.1:\d+\/erp did not answer within 2 s/);
    expect(out).not.toContain('secret');
    expect(out).not.toMatch(/\n\s+at .+\(/);
  }, 60_000);
});
