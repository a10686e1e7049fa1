import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/paths.js';

/**
 * The compiled app that specs run as child processes (server, command line). Built once per test run,
 * by the global setup before any spec starts, into a private folder so a concurrent `npm run build`
 * cannot change the files under test; skipped when nothing it is built from changed since.
 */
export const BUILT = join(PROJECT_ROOT, 'test', '.artifacts', 'dist');
export const BUILT_MAIN = join(BUILT, 'src', 'main.js');
export const BUILT_CLI = join(BUILT, 'src', 'cli', 'main.js');

const SOURCES = ['src', 'migrations', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function buildApp(): void {
  let built = 0;
  try {
    built = statSync(BUILT_MAIN).mtimeMs;
  } catch {
    /* not built yet */
  }
  if (built > Math.max(...SOURCES.map((s) => newest(join(PROJECT_ROOT, s))))) return;
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILT], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`build failed:\n${run.stdout}${run.stderr}`);
}
