import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory } from '../support/factories.js';
import { logIn, newPage, openInvitation, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

/**
 * The login and Create Account pages in each language, as a browser of that language opens them
 * (Chromium's `locale` sends its Accept-Language), at desktop and phone width: the right texts and
 * `lang`, nothing cut off by long German words or Cyrillic, and axe clean.
 */
const LANGUAGES = [
  { lang: 'en', locale: 'en-GB', login: 'Log in', password: 'Password', create: 'Create Account' },
  { lang: 'de', locale: 'de-AT', login: 'Anmelden', password: 'Passwort', create: 'Konto erstellen' },
  { lang: 'bg', locale: 'bg-BG', login: 'Вход', password: 'Парола', create: 'Създаване на профил' },
] as const;

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('languages in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startWorld({ displayName: 'Müller & Söhne Werkzeugmaschinen' });
  });
  afterAll(() => world?.close());

  /** Nothing sticks out sideways: no horizontal scrolling, no text wider than its box. */
  async function overflowing(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const found: string[] = [];
      if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push(`page scrolls sideways (${document.documentElement.scrollWidth}px)`);
      for (const el of Array.from(document.querySelectorAll('h1, label, button, a.btn, p'))) {
        const box = el as HTMLElement;
        // (a visually hidden label is clipped on purpose)
        if (box.offsetParent !== null && box.clientWidth > 1 && box.scrollWidth > box.clientWidth + 1)
          found.push(`${box.tagName.toLowerCase()}: ${box.textContent?.trim()}`);
      }
      return found;
    });
  }

  for (const l of LANGUAGES) {
    it(`${l.lang}: login page, by the browser's language`, async () => {
      for (const viewport of VIEWPORTS) {
        const { context, page } = await newPage(world, { locale: l.locale, viewport, bypassCSP: true });
        await page.goto('/login');
        expect(await page.getAttribute('html', 'lang')).toBe(l.lang);
        await page.getByRole('heading', { name: l.login, exact: true }).waitFor();
        await page.getByLabel(l.password, { exact: true }).waitFor();
        await page.getByRole('button', { name: l.login, exact: true }).waitFor();
        expect(await overflowing(page)).toEqual([]);
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `languages-login-${l.lang}-${viewport.name}`);
        await context.close();
      }
    });

    it(`${l.lang}: Create Account page, in the invitee's language whatever the browser says`, async () => {
      const user = await userFactory(world.t.db, world.tenant, {
        name: 'Dorothea Schwarzenberger-Wittgenstein',
        userType: 'Invitation Internal (No login)',
        roles: ['Worker'],
        password: null,
      });
      await world.t.db.query('update app_user set language = $2 where id = $1', [user.id, l.lang]);
      const path = await openInvitation(world, user.id);
      for (const viewport of VIEWPORTS) {
        const { context, page } = await newPage(world, { locale: 'fr-FR', viewport, bypassCSP: true });
        await page.goto(path);
        expect(await page.getAttribute('html', 'lang')).toBe(l.lang);
        await page.getByRole('heading', { name: l.create, exact: true }).waitFor();
        await page.getByLabel(l.password, { exact: true }).waitFor();
        await page.getByRole('button', { name: l.create, exact: true }).waitFor();
        expect(await overflowing(page)).toEqual([]);
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `languages-create-account-${l.lang}-${viewport.name}`);
        await context.close();
      }
    });
  }

  for (const l of LANGUAGES.filter((x) => x.lang !== 'en')) {
    it(`${l.lang}: an administrator's users list, user form and settings, in their own language`, async () => {
      const setLanguage = (lang: string | null) =>
        world.t.db.query(`update app_user set language = $2 where tenant_id = $1 and login = 'admin'`, [world.tenant.id, lang]);
      const { context, page } = await newPage(world, { locale: 'en-GB', bypassCSP: true });
      await setLanguage(null);
      await logIn(page, world.tenant.admin.login, world.tenant.admin.password);
      await setLanguage(l.lang);
      for (const [path, name] of [
        ['/security/users', 'users'],
        ['/security/users/new', 'user-form'],
        ['/security/settings', 'settings'],
      ] as const) {
        await page.goto(path);
        expect(await page.getAttribute('html', 'lang')).toBe(l.lang);
        expect(await overflowing(page)).toEqual([]);
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `languages-${name}-${l.lang}`);
      }
      await setLanguage(null);
      await context.close();
    });
  }
});
