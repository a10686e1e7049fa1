import { BUILT, BUILT_CLI, BUILT_MAIN } from './support/built-app.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/paths.js';
import { submitForm } from './support/http.js';
import { freePort } from './support/test-app.js';

/**
 * The product as an operator runs it: the built server and command line as child processes on
 * their own embedded PostgreSQL in a temporary DATA_DIR. The build goes to a private folder so a
 * concurrent `npm run build` cannot change the files under test.
 */
const OUT = BUILT;
const MAIN = BUILT_MAIN;
const CLI = BUILT_CLI;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Server {
  proc: ChildProcess;
  output(): string;
  exited: Promise<Run>;
}

const children = new Set<ChildProcess>();
let base: string;
let dataDir: string;
let port: number;
let env: NodeJS.ProcessEnv;

/** Only what a person's shell would hold, so nothing of the test run leaks in (DATABASE_URL, NODE_ENV). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NO_COLOR: '1' };
  if (process.env.TMPDIR) keep.TMPDIR = process.env.TMPDIR;
  return { ...keep, ...extra };
}

function runNode(script: string, args: string[], runEnv: NodeJS.ProcessEnv = env, cwd = PROJECT_ROOT): Promise<Run> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [script, ...args], { env: runEnv, cwd });
    children.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('close', (code) => {
      children.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => runNode(CLI, args);

/** Starts the server and resolves once it listens (or rejects with its output when it stops first). */
async function startServer(options: { main?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Server> {
  const proc = spawn(process.execPath, [options.main ?? MAIN], { env: options.env ?? env, cwd: options.cwd ?? PROJECT_ROOT });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<Run>((resolve) =>
    proc.on('close', (code) => {
      children.delete(proc);
      resolve({ code, stdout: out, stderr: err });
    }),
  );
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Listening on port')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then((r) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${r.code} before listening:\n${r.stdout}\n${r.stderr}`));
    });
  });
  await listening;
  return { proc, output: () => out, exited };
}

async function stopServer(server: Server, signal: NodeJS.Signals): Promise<Run> {
  server.proc.kill(signal);
  return server.exited;
}

const agent = (instance: string) => request.agent(`http://127.0.0.1:${port}`).set('Host', `${instance}.localhost:${port}`);
const get = (instance: string, path: string) => agent(instance).get(path);

/** PID of the postmaster of DATA_DIR's cluster, from its lock file. */
function postmasterPid(): number | undefined {
  try {
    return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose command line names the cluster folder: the postmaster runs `postgres -D <dir>`. */
function postgresProcesses(): number[] {
  const needle = join(dataDir, 'postgres');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle) && alive(Number(p));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function passwordIn(output: string): string | undefined {
  return output.match(/Password: (\S+)/)?.[1];
}

describe.runIf(process.platform === 'linux')('the built server and command line', () => {
  let demoPassword: string;
  let server: Server | undefined;

  beforeAll(async () => {
    // mkdtemp makes the folder 700; the postgres user (when we are root) must be able to enter it.
    base = mkdtempSync(join(tmpdir(), 'erp-process-'));
    chmodSync(base, 0o755);
    dataDir = join(base, 'data');
    port = await freePort();
    env = cleanEnv({ DATA_DIR: dataDir, PORT: String(port), BASE_URL: `http://localhost:${port}` });
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    // A postgres left behind (a kill -9 test that failed half way): fast shutdown, then remove the files.
    const pid = postmasterPid();
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGINT');
      await waitUntil(() => !alive(pid));
    }
    for (const p of base ? postgresProcesses() : []) process.kill(p, 'SIGKILL');
    if (base) rmSync(base, { recursive: true, force: true });
  }, 30_000);

  it('prints the demo password on the first start and serves the demo login page', async () => {
    server = await startServer();
    const password = passwordIn(server.output());
    expect(password, server.output()).toBeTruthy();
    demoPassword = password!;
    expect(server.output()).toContain(`http://demo.localhost:${port}/login`);
    const page = await get('demo', '/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
  });

  it('lets the demo admin log in with the printed password', async () => {
    const a = agent('demo');
    const res = await submitForm(a, '/login', '/login', { login: 'admin', password: demoPassword });
    expect(res.status).toBe(303);
    expect((await a.get('/')).status).toBe(200);
  });

  it('creates an instance from the command line while the server runs on the embedded database', async () => {
    const run = await cli(
      'instance:create',
      'acme',
      '--admin-login',
      'boss',
      '--admin-email',
      'boss@acme.example.com',
      '--admin-password',
      'Tr0ub4dor&3-horse-staple',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`http://acme.localhost:${port}/login`);
    expect(run.stdout).not.toContain('shown once');
    expect((await get('acme', '/login')).status).toBe(200);
    expect(postmasterPid() && alive(postmasterPid()!)).toBe(true);
  });

  it('answers 404 for an unknown instance without naming the others', async () => {
    for (const host of ['nosuch', 'a'.repeat(64)]) {
      const res = await get(host, '/');
      expect(res.status).toBe(404);
      expect(res.text).not.toMatch(/acme|demo/i);
    }
  });

  it('refuses bad names, a taken name, a bad email and a weak password with a message', async () => {
    const admin = ['--admin-login', 'boss', '--admin-email', 'boss@example.com'];
    const cases: [string[], RegExp][] = [
      [['Acme!', ...admin], /lowercase letters/],
      [['www', ...admin], /reserved/],
      [['a'.repeat(64), ...admin], /2 to 63 characters/],
      [['acme', ...admin], /already taken/],
      [['gamma', '--admin-login', 'boss', '--admin-email', 'not-an-email'], /email/i],
      [['gamma', ...admin, '--admin-password', 'password'], /password/i],
      [['gamma', '--admin-login', 'boss'], /admin-email/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli('instance:create', ...args)));
    runs.forEach((run, i) => {
      expect(run.code, `instance:create ${cases[i][0].join(' ')}`).not.toBe(0);
      expect(run.stderr).toMatch(cases[i][1]);
    });
    const list = await cli('instance:list');
    expect(list.stdout).not.toMatch(/gamma/);
  });

  it('lists instances with their URLs', async () => {
    const run = await cli('instance:list');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^acme\\s+http://acme\\.localhost:${port}/login`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^demo\\s+http://demo\\.localhost:${port}/login`, 'm'));
  });

  it('comes back with all data after kill -9, without a new password', async () => {
    const killed = await stopServer(server!, 'SIGKILL');
    expect(killed.code).toBeNull();
    server = await startServer();
    expect(server.output()).not.toMatch(/Password:|Demo instance created/);
    expect((await get('acme', '/login')).status).toBe(200);
    const a = agent('demo');
    const res = await submitForm(a, '/login', '/login', { login: 'admin', password: demoPassword });
    expect(res.status).toBe(303);
  });

  it('stops on SIGTERM with exit code 0, stopping the embedded PostgreSQL it owns', async () => {
    const pid = postmasterPid();
    expect(pid && alive(pid)).toBe(true);
    const run = await stopServer(server!, 'SIGTERM');
    server = undefined;
    expect(run.code, run.stderr).toBe(0);
    expect(await waitUntil(() => !alive(pid!))).toBe(true);
    expect(postgresProcesses()).toEqual([]);
  });

  it('creates an instance from the command line when no server runs, and leaves no database running', async () => {
    const run = await cli('instance:create', 'beta', '--admin-login', 'chief', '--admin-email', 'chief@beta.example.com', '--display-name', 'Beta Ltd');
    expect(run.code, run.stderr).toBe(0);
    expect(passwordIn(run.stdout.replace('Administrator password (shown once):', 'Password:'))).toBeTruthy();
    expect(postgresProcesses()).toEqual([]);
  });

  it('starts again on the same data and serves every instance, then stops cleanly', async () => {
    server = await startServer();
    expect(server.output()).not.toMatch(/Password:/);
    for (const name of ['demo', 'acme', 'beta']) expect((await get(name, '/login')).status, name).toBe(200);
    expect((await get('beta', '/login')).text).toContain('Beta Ltd');
    const run = await stopServer(server, 'SIGTERM');
    server = undefined;
    expect(run.code).toBe(0);
    expect(postgresProcesses()).toEqual([]);
  });

  describe('refuses a bad configuration with one line naming the variable', () => {
    const oneLine = async (extra: Record<string, string>, variable: string) => {
      const run = await runNode(MAIN, [], cleanEnv({ DATA_DIR: join(base, 'config-check'), PORT: String(port), ...extra }));
      expect(run.code).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toContain(variable);
      return lines[0];
    };

    it('NODE_ENV=production without SESSION_SECRET', async () => {
      await oneLine({ NODE_ENV: 'production' }, 'SESSION_SECRET');
      await oneLine({ NODE_ENV: 'production', BASE_URL: 'https://my.erp.net' }, 'SESSION_SECRET');
    });

    it('BASE_URL that is not a URL, or plain http in production', async () => {
      await oneLine({ BASE_URL: 'not a url' }, 'BASE_URL');
      await oneLine({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), BASE_URL: 'http://my.erp.net' }, 'BASE_URL');
    });

    it('DATABASE_URL or SMTP_URL with an unknown scheme', async () => {
      await oneLine({ DATABASE_URL: 'mysql://db/erp' }, 'DATABASE_URL');
      await oneLine({ SMTP_URL: 'http://mail' }, 'SMTP_URL');
    });

    it('a DATA_DIR that cannot be created', async () => {
      const file = join(base, 'a-file');
      writeFileSync(file, '');
      await oneLine({ DATA_DIR: join(file, 'data') }, 'DATA_DIR');
    });

    it.runIf(process.getuid?.() === 0)('as root, a DATA_DIR the postgres user cannot reach', async () => {
      const closed = join(base, 'closed');
      mkdirSync(closed, { mode: 0o700 });
      chmodSync(closed, 0o700);
      const line = await oneLine({ DATA_DIR: join(closed, 'data') }, 'DATA_DIR');
      expect(line).toMatch(/postgres" user cannot reach/);
    });
  });
});

/**
 * The README's two commands on a fresh machine: a checkout in a folder closed to other users (root's
 * home, `mktemp -d`), no DATA_DIR, no BASE_URL. As root the postgres user cannot enter that folder,
 * so the database must go somewhere it can, find its way back on every start, and keep what was there.
 */
describe.runIf(process.platform === 'linux')('a first start as the README says, from a closed folder', () => {
  const asRoot = process.getuid?.() === 0;
  let base: string;
  let checkout: string;
  let firstPort: number;
  let runEnv: NodeJS.ProcessEnv;
  let server: Server | undefined;
  let outside: string | undefined;
  let demoFirstPassword: string;
  const start = () => startServer({ main: join(checkout, 'dist', 'src', 'main.js'), env: runEnv, cwd: checkout });
  const host = (instance: string) => request.agent(`http://127.0.0.1:${firstPort}`).set('Host', `${instance}.localhost:${firstPort}`);

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'erp-first-start-'));
    checkout = join(base, 'erp');
    mkdirSync(checkout);
    cpSync(OUT, join(checkout, 'dist'), { recursive: true });
    for (const part of ['views', 'public', 'package.json']) cpSync(join(PROJECT_ROOT, part), join(checkout, part), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(checkout, 'node_modules'));
    firstPort = await freePort();
    runEnv = cleanEnv({ PORT: String(firstPort) });
  });

  afterAll(async () => {
    if (server) await stopServer(server, 'SIGTERM');
    // A postgres left behind by a test that failed half way.
    for (const dir of [join(checkout, '.data', 'postgres'), outside].filter((d): d is string => !!d && existsSync(join(d, 'postmaster.pid')))) {
      const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  afterAll(() => {
    rmSync(base, { recursive: true, force: true });
    if (outside) rmSync(dirname(outside), { recursive: true, force: true });
  });

  it('follows PORT in every printed URL and shows what it does', async () => {
    chmodSync(base, 0o755); // first a folder others may enter: the cluster goes to ./.data
    server = await start();
    // "Listening on port" resolves start(); the line after it may arrive in a later chunk.
    for (let i = 0; i < 100 && !server.output().includes('Open http'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const out = server.output();
    expect(out).toMatch(/Creating a new PostgreSQL cluster in .*\.data\/postgres/);
    expect(out).toMatch(/Applying \d+ database migrations? \.\.\./);
    expect(out).toContain(`URL:      http://demo.localhost:${firstPort}/login`);
    expect(out.trim().split('\n').pop()).toBe(`Open http://demo.localhost:${firstPort}/login`);
    expect(out).not.toMatch(/RouterExplorer|InstanceLoader/);
    expect((await host('demo').get('/login')).status).toBe(200);
    demoFirstPassword = passwordIn(out)!;
    expect(demoFirstPassword).toBeTruthy();
    expect((await stopServer(server, 'SIGTERM')).code).toBe(0);
    server = undefined;
  });

  it('as root, in a folder closed to others, moves the database where postgres can reach it and keeps the data', async () => {
    chmodSync(base, 0o700);
    server = await start();
    const out = server.output();
    if (asRoot) {
      outside = out.match(/the database lives in (\S+?\/postgres)/)?.[1];
      expect(outside, out).toMatch(/^\/var\/lib\/erp-security\/erp-[0-9a-f]{12}\/postgres$/);
      expect(out).toContain(`Copying the database in ${join(checkout, '.data', 'postgres')}`);
      expect(existsSync(join(checkout, '.data', 'postgres', 'PG_VERSION'))).toBe(true); // the original stays
    }
    expect(out).not.toMatch(/Password:/);
    const res = await submitForm(host('demo'), '/login', '/login', { login: 'admin', password: demoFirstPassword });
    expect(res.status).toBe(303);
  });

  it('lets the command line create an instance beside it, on the same data', async () => {
    const run = await runNode(
      join(checkout, 'dist', 'src', 'cli', 'main.js'),
      ['instance:create', 'acme', '--admin-login', 'boss', '--admin-email', 'boss@acme.example.com'],
      runEnv,
      checkout,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`http://acme.localhost:${firstPort}/login`);
    expect((await host('acme').get('/login')).status).toBe(200);
  });

  it('finds the same data on the next start', async () => {
    await stopServer(server!, 'SIGTERM');
    server = await start();
    expect(server.output()).not.toMatch(/Password:|Copying|Creating a new PostgreSQL/);
    if (asRoot) expect(server.output()).toContain(outside);
    for (const name of ['demo', 'acme']) expect((await host(name).get('/login')).status, name).toBe(200);
    expect((await stopServer(server, 'SIGTERM')).code).toBe(0);
    server = undefined;
  });
});
