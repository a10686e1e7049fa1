import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/common/paths.js';
import { userFactory } from '../support/factories.js';
import { logIn, newPage, openInvitation, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

const LOGO_FILE = join(PROJECT_ROOT, 'test', 'fixtures', 'demo-logo.png');
const NAME = 'Northwind Traders';
const TEAL = 'rgb(13, 110, 110)';

/** The brand's logo as the page shows it: loaded (so img-src allows it), its alt text (empty: the name beside it is the text) and its rendered size. */
async function shownLogo(page: Page) {
  const img = page.locator('img.brand-logo').first();
  await img.waitFor();
  return img.evaluate((el: HTMLImageElement) => {
    const box = el.getBoundingClientRect();
    const name = el.parentElement?.querySelector('span')?.getBoundingClientRect();
    return {
      alt: el.alt,
      loaded: el.complete && el.naturalWidth > 0,
      height: box.height,
      width: box.width,
      // The name's vertical centre against the logo's: aligned within a few pixels.
      offset: name ? Math.abs(box.top + box.height / 2 - (name.top + name.height / 2)) : 0,
    };
  });
}

describe('instance branding in a browser', () => {
  let w: BrowserWorld;

  beforeAll(async () => {
    w = await startWorld({ displayName: 'Acme Trading' });
  });
  afterAll(() => w?.close());

  it('an administrator uploads a logo and sets a name and colour; the login and Create Account pages show them, axe-clean', async () => {
    const { context, page } = await newPage(w, { bypassCSP: true });
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
    await page.goto('/security/settings');
    await page.getByLabel('Display name', { exact: true }).fill(NAME);
    await page.getByLabel('Accent colour', { exact: true }).fill('#0d6e6e');
    await page.getByLabel('Logo', { exact: true }).setInputFiles(LOGO_FILE);
    await Promise.all([page.waitForURL('**/security/settings?notice=saved'), page.getByRole('button', { name: 'Save', exact: true }).click()]);
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    await page.getByRole('checkbox', { name: 'Remove logo', exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const header = await shownLogo(page);
    expect(header).toMatchObject({ alt: '', loaded: true });
    expect(header.height).toBeLessThanOrEqual(40);
    expect(header.offset).toBeLessThanOrEqual(3);
    await screenshot(page, 'settings-branding');
    await context.close();

    // Without bypassing the CSP: the logo loads and the accent stylesheet applies (img-src and style-src 'self').
    const strict = await newPage(w);
    await strict.page.goto('/login');
    const login = await shownLogo(strict.page);
    expect(login).toMatchObject({ alt: '', loaded: true });
    expect(login.height).toBeGreaterThanOrEqual(20);
    expect(login.height).toBeLessThanOrEqual(40);
    expect(login.offset).toBeLessThanOrEqual(3);
    const button = strict.page.getByRole('button', { name: 'Log in', exact: true });
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(TEAL);
    await expect(strict.page.title()).resolves.toContain(NAME);
    await screenshot(strict.page, 'branded-login');
    await strict.context.close();

    const anonymous = await newPage(w, { bypassCSP: true });
    await anonymous.page.goto('/login');
    await shownLogo(anonymous.page);
    expect(await seriousViolations(anonymous.page)).toEqual([]);

    const invitee = await userFactory(w.t.db, w.tenant, { name: 'Ivy Invitee', userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    await anonymous.page.goto(await openInvitation(w, invitee.id));
    await anonymous.page.getByRole('heading', { name: 'Create Account', level: 1 }).waitFor();
    const signup = await shownLogo(anonymous.page);
    expect(signup).toMatchObject({ alt: '', loaded: true });
    expect(signup.height).toBeLessThanOrEqual(40);
    expect(await seriousViolations(anonymous.page)).toEqual([]);
    await screenshot(anonymous.page, 'branded-create-account');

    // A German invitee's Create Account page: the instance's brand, the invitee's language.
    const german = await userFactory(w.t.db, w.tenant, { name: 'Jürgen Weiß', userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    await w.t.db.query(`update app_user set language = 'de' where id = $1`, [german.id]);
    await anonymous.page.goto(await openInvitation(w, german.id));
    await anonymous.page.getByRole('heading', { name: 'Konto erstellen', level: 1 }).waitFor();
    expect(await anonymous.page.getAttribute('html', 'lang')).toBe('de');
    expect(await shownLogo(anonymous.page)).toMatchObject({ alt: '', loaded: true });
    expect(await seriousViolations(anonymous.page)).toEqual([]);
    await screenshot(anonymous.page, 'branded-create-account-de');
    await anonymous.context.close();
  });
});
