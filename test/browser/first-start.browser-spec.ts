import { BUILT_MAIN } from '../support/built-app.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/common/paths.js';
import { freePort } from '../support/test-app.js';
import { launchBrowser, logIn } from './support.js';

/**
 * `PORT=<port> npm start` with no BASE_URL, as a person whose port 3000 is taken would run it: the
 * URL it prints carries that port, and logging in there through the real form works (the Origin
 * check follows the port too).
 */
describe('npm start on another port, without BASE_URL', () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  let browser: Browser;
  let output = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'erp-port-'));
    chmodSync(dataDir, 0o755); // as root, the postgres user must reach it
    const port = await freePort();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', PORT: String(port), DATA_DIR: join(dataDir, 'data') };
    server = spawn(process.execPath, [BUILT_MAIN], { env, cwd: PROJECT_ROOT });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    browser = await launchBrowser();
    const end = Date.now() + 90_000;
    while (!/^Open \S+/m.test(output) && Date.now() < end && server.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('close', r));
    }
    if (dataDir && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('prints a URL with that port, and the demo admin logs in there through the form', async () => {
    const url = output.match(/^Open (\S+)/m)?.[1];
    const port = output.match(/Listening on port (\d+)/)?.[1];
    expect(url, output).toBe(`http://demo.localhost:${port}/login`);
    const password = output.match(/Password: (\S+)/)?.[1];
    expect(password, output).toBeTruthy();
    const context = await browser.newContext({ baseURL: new URL(url!).origin });
    const page = await context.newPage();
    await logIn(page, 'admin', password!);
    await expect(page.getByRole('link', { name: 'Security', exact: true }).isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain('This form is no longer valid');
    await context.close();
  });
});
