import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/paths.js';
import { BUILT_MAIN } from './built-app.js';
import { freePort } from './test-app.js';

export interface AppProcess {
  name: string;
  port: number;
  /** `http://127.0.0.1:<port>`; send the instance's Host header with each request. */
  url: string;
  /** The `acme` instance's host on this process's port. */
  host: string;
  child: ChildProcess;
  /** Everything it printed, stdout and stderr. */
  output: string[];
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** The environment of a child process: ours without what vitest/vite add (NODE_ENV=test, BASE_URL=/, MODE, ...). */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NODE_ENV', 'BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  return { ...env, ...vars };
}

/**
 * One more process of the built app (test/.artifacts/dist) on an existing database, as scale-out
 * runs it; `env` adds to or overrides its environment. Resolves once it listens.
 */
export async function startAppProcess(databaseUrl: string, env: Record<string, string> = {}, name = 'app'): Promise<AppProcess> {
  const port = await freePort();
  const vars = childEnv({
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    PORT: String(port),
    BASE_URL: `http://localhost:${port}`,
    SEED_DEMO: 'false',
    MAIL_POLL_MS: '60000',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'erp-app-process-')),
    ...env,
  });
  const child = spawn(process.execPath, [BUILT_MAIN], { cwd: PROJECT_ROOT, env: vars, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('Listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} while starting:\n${output.join('')}`));
    });
  });
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    host: `acme.localhost:${port}`,
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
