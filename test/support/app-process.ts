import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/paths.js';
import { BUILT_MAIN } from './built-app.js';
import { freePort } from './test-app.js';

export interface AppProcess {
  port: number;
  /** `http://127.0.0.1:<port>`; send the instance's Host header with each request. */
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The environment of a child process: ours without what vitest/vite add (NODE_ENV=test, BASE_URL=/, MODE, ...). */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NODE_ENV', 'BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  return { ...env, ...vars };
}

/** One more process of the built app (test/.artifacts/dist) on an existing database, as scale-out runs it. */
export async function startAppProcess(databaseUrl: string): Promise<AppProcess> {
  const port = await freePort();
  const env = childEnv({
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    PORT: String(port),
    BASE_URL: `http://localhost:${port}`,
    SEED_DEMO: 'false',
    MAIL_POLL_MS: '60000',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'erp-second-process-')),
  });
  const child = spawn(process.execPath, [BUILT_MAIN], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start:\n${output.join('')}`)), 30_000);
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
      reject(new Error(`the app exited with ${code} while starting:\n${output.join('')}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
