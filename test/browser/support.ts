/// <reference lib="dom" />
// Browser specs run code in the page (evaluate callbacks), so they need the DOM types.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SIGNUP_PATH } from '../../src/invitations/invitation-mails.js';
import { tenantFactory, type TestTenant } from '../support/factories.js';
import { openInvitationFor } from '../support/invitations.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Instance hosts are real names (`acme.my.erp.net`); Chromium maps them to the test server. */
export const BASE_HOST = 'my.erp.net';
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

/**
 * One Chromium per spec file (the machine is small): the Debian build, never a downloaded one.
 * `extraArgs` e.g. treat given http origins as secure (WebAuthn needs a secure context).
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath) throw new Error('CHROMIUM_PATH is not set (npm test sets it when /usr/bin/chromium exists)');
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP *.${BASE_HOST} 127.0.0.1`,
      ...extraArgs,
    ],
  });
}

export interface BrowserWorld {
  t: TestApp;
  browser: Browser;
  tenant: TestTenant;
  /** `http://<instance>.my.erp.net:<port>`: the origin the app's CSRF/Origin checks expect. */
  origin: string;
  close(): Promise<void>;
}

/** The real app on its own database, one instance with its admin, and one browser. */
export async function startWorld(instance: { name?: string; displayName?: string } = {}, env: Record<string, string> = {}): Promise<BrowserWorld> {
  const [t, browser] = await Promise.all([createTestApp({ baseHost: BASE_HOST, env }), launchBrowser()]);
  const tenant = await tenantFactory(t, instance);
  return {
    t,
    browser,
    tenant,
    origin: `http://${tenant.host}`,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/**
 * A fresh context (own cookies) at 1280x800 or `viewport`, in `locale` (its Accept-Language) if
 * given, with or without JavaScript. `bypassCSP` lets seriousViolations() inject axe-core as an
 * inline script past the app's `script-src 'self'`.
 */
export async function newPage(
  world: BrowserWorld,
  options: { javaScriptEnabled?: boolean; bypassCSP?: boolean; viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await world.browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.locale ? { locale: options.locale } : {}),
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    bypassCSP: options.bypassCSP ?? false,
    baseURL: world.origin,
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

/**
 * An open invitation for a user, written directly (no mail involved): returns the path of its
 * Create Account page.
 */
export async function openInvitation(world: BrowserWorld, userId: number): Promise<string> {
  return `${SIGNUP_PATH}/${await openInvitationFor(world.t.db, world.tenant.id, userId, '72 hours')}`;
}

/** Logs in through the real login form, by accessible names only. */
export async function logIn(page: Page, login: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Login', { exact: true }).fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
}

const require = createRequire(import.meta.url);
const axeSource: string = require('axe-core').source;

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Runs axe-core on the page as it is (open the page with `bypassCSP`); returns the serious and critical violations, compactly. */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A 1280x800 screenshot into docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
