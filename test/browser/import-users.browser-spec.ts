/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, newPage, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

const ROWS = 3000;
const login = (i: number) => `imp${String(i).padStart(4, '0')}`;

/** Import users through the pages: Run menu, upload, preview, Import, the progress bar, the result; axe on each. */
describe('Import users in the browser', () => {
  let w: BrowserWorld;
  let page: Page;

  beforeAll(async () => {
    // A long lock timeout: the test holds one row of the import on purpose, to see the bar mid-way.
    w = await startWorld({ displayName: 'Acme' }, { DATABASE_LOCK_TIMEOUT_MS: '60000', DATABASE_STATEMENT_TIMEOUT_MS: '60000' });
    ({ page } = await newPage(w, { bypassCSP: true }));
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
  });
  afterAll(() => w?.close());

  it('uploads a file, shows the preview, and follows the import with its progress bar to the result', async () => {
    await page.goto('/security/users');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await Promise.all([page.waitForURL('**/security/users/import'), page.getByRole('menuitem', { name: 'Import users', exact: true }).click()]);
    expect(await seriousViolations(page)).toEqual([]);

    const lines = ['login,name,email,user_type,roles,language'];
    for (let i = 1; i <= ROWS; i++) lines.push(`${login(i)},Person ${i},${login(i)}@example.com,Internal,Worker,de`);
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    await Promise.all([page.waitForURL(/\/security\/users\/import\/\d+$/), page.getByRole('button', { name: 'Upload and preview', exact: true }).click()]);
    await page.getByText(`${ROWS} users will be created`).waitFor();
    await page.getByRole('cell', { name: login(1), exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Another session holds row 2,500's login uncommitted: the import waits there, after its first 2,000 rows.
    const blocker = await w.t.db.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into app_user (tenant_id, login, name, user_type) values ($1, $2, 'Blocker', 'Internal')`, [w.tenant.id, login(2500)]);
      await page.getByLabel('Send invitation mail', { exact: true }).check();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const bar = page.getByRole('progressbar', { name: `Importing ${ROWS} users` });
      await bar.waitFor();
      await page.waitForFunction(() => (document.querySelector('progress') as HTMLProgressElement | null)?.value === 2000);
      await page.getByText(`2000 of ${ROWS} created (66%).`).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'import-progress');
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
    // The script reloads the page once the import is done.
    await page.getByText(`${ROWS} users created, 0 invitation mails queued.`).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: login(1), exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const count = await w.t.db.query(`select count(*)::int as n from app_user where tenant_id = $1 and login like 'imp%'`, [w.tenant.id]);
    expect(count.rows[0].n).toBe(ROWS);
  });
});
