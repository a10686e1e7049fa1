import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, newPage, startWorld, type BrowserWorld } from './support.js';

/** Types a login and password into the real form and presses Log in; returns the URL it ends on. */
async function tryLogIn(page: Page, login: string, password: string): Promise<string> {
  await page.goto('/login');
  await page.getByLabel('Login', { exact: true }).fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
  return page.url();
}

/**
 * Someone types wrong passwords at the administrator's login until it locks. The administrator's own
 * browser, which logged in before, still gets in; a browser that never did is refused.
 */
describe('a lock strangers cause does not shut out the administrator', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startWorld({ displayName: 'Lockout Ltd' });
  });
  afterAll(() => world?.close());

  it('lets the browser that logged in before in, and keeps a fresh browser out', async () => {
    const { admin } = world.tenant;
    const own = await newPage(world);
    await logIn(own.page, admin.login, admin.password);
    await own.page.getByRole('button', { name: 'Log out', exact: true }).click();
    await own.page.waitForURL((url) => url.pathname === '/login');

    const stranger = await newPage(world);
    for (let i = 0; i < 11; i++) expect(new URL(await tryLogIn(stranger.page, admin.login, `guess ${i}`)).pathname).toBe('/login');
    await stranger.context.close();

    const fresh = await newPage(world);
    await tryLogIn(fresh.page, admin.login, admin.password);
    expect(new URL(fresh.page.url()).pathname).toBe('/login');
    await expect(fresh.page.getByRole('button', { name: 'Log out', exact: true }).count()).resolves.toBe(0);
    await fresh.context.close();

    await logIn(own.page, admin.login, admin.password);
    await expect(own.page.getByRole('link', { name: 'Security', exact: true }).isVisible()).resolves.toBe(true);
    await own.context.close();
  });
});
