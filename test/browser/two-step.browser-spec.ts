import type { CDPSession, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { BASE_HOST, launchBrowser, logIn, newPage, screenshot, seriousViolations, type BrowserWorld } from './support.js';

/**
 * Two-step login in Chromium: the authenticator app set up by reading the page, and passkeys with
 * Chromium's virtual authenticator (CDP WebAuthn), including the same passkey on another instance.
 */
describe('two-step login in a browser', () => {
  let w: BrowserWorld;
  let other: TestTenant;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ baseHost: BASE_HOST });
    const tenant = await tenantFactory(t, { displayName: 'Acme Passkeys' });
    other = await tenantFactory(t, { displayName: 'Other Instance' });
    // WebAuthn needs a secure context; the test serves plain http, so Chromium is told these two origins are.
    const origins = [tenant, other].map((x) => `http://${x.host}`).join(',');
    const browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${origins}`]);
    w = {
      t,
      browser,
      tenant,
      origin: `http://${tenant.host}`,
      async close() {
        await browser.close();
        await t.close();
      },
    };
  });
  afterAll(() => w?.close());

  /** A virtual platform authenticator (like Touch ID) on this page: resident keys, user verification always passes. */
  async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { cdp, authenticatorId };
  }

  async function logOut(page: Page) {
    await Promise.all([page.waitForURL(/\/login/), page.getByRole('button', { name: 'Log out', exact: true }).click()]);
  }

  it('adds a passkey on My account, logs out, and logs in with it alone', async () => {
    const user = await userFactory(t.db, w.tenant, { name: 'Pia Passkey', roles: ['Salesperson'] });
    const { context, page } = await newPage(w, { bypassCSP: true });
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await logIn(page, user.login, user.password);
    await page.goto('/account');
    await page.getByLabel('Passkey name', { exact: true }).fill('Test laptop');
    await Promise.all([page.waitForURL(/notice=passkey-added/), page.getByRole('button', { name: 'Add a passkey', exact: true }).click()]);
    await page.getByRole('cell', { name: 'Test laptop', exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('heading', { name: 'Two-step login', level: 2 }).scrollIntoViewIfNeeded();
    await screenshot(page, 'account-two-step');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].rpId).toBe(w.tenant.host.split(':')[0]);
    expect(credentials[0].isResidentCredential).toBe(true);

    await logOut(page);
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Log in with a passkey', exact: true }).click()]);
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    const logins = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'authn_login_success' and actor_id = $2 order by id`, [
      w.tenant.id,
      user.id,
    ]);
    expect(logins.rows.at(-1)!.details).toEqual({ method: 'passkey' });

    // After a password, a user whose second factor is a passkey confirms with it on /login/two-step.
    await logOut(page);
    await page.getByLabel('Login', { exact: true }).fill(user.login);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await Promise.all([page.waitForURL('**/login/two-step'), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Use a passkey', exact: true }).click()]);
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();

    // The same passkey means nothing on another instance's host: the browser finds none for it, and a
    // copy of it made for that host is not known there either.
    await page.goto(`http://${other.host}/login`);
    await page.getByRole('button', { name: 'Log in with a passkey', exact: true }).click();
    await page.getByText('No passkey was used').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    const credential = credentials[0];
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential, rpId: other.host.split(':')[0] } });
    await page.reload();
    await page.getByRole('button', { name: 'Log in with a passkey', exact: true }).click();
    await page.getByText('That passkey did not log you in.').waitFor();
    await expect(page.getByRole('button', { name: 'Log in', exact: true }).isVisible()).resolves.toBe(true);
    const refused = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'authn_passkey_fail'`, [other.id]);
    expect(refused.rows.map((r) => r.details.reason)).toEqual(['unknown_passkey']);

    // Remove: gone from My account, and audited.
    await page.goto(`${w.origin}/account`);
    await Promise.all([page.waitForURL(/notice=passkey-removed/), page.getByRole('button', { name: 'Remove passkey Test laptop', exact: true }).click()]);
    await page.getByRole('status').filter({ hasText: 'The passkey was removed.' }).waitFor();
    const audit = await t.db.query(`select event from audit_event where tenant_id = $1 and target_id = $2 and event like 'passkey_%' order by id`, [
      w.tenant.id,
      user.id,
    ]);
    expect(audit.rows.map((r) => r.event)).toEqual(['passkey_added', 'passkey_removed']);
    await context.close();
  });

  it('sets up the authenticator app from the page, then the second step asks for its code; axe finds nothing serious', async () => {
    const user = await userFactory(t.db, w.tenant, { name: 'Otto Otp', roles: ['Administrator'] });
    const { context, page } = await newPage(w, { bypassCSP: true });
    await logIn(page, user.login, user.password);
    await page.goto('/account');
    await page.getByRole('link', { name: 'Set up authenticator app', exact: true }).click();
    await page.getByRole('heading', { name: 'Set up authenticator app', level: 1 }).waitFor();
    expect(await page.getByRole('img', { name: /QR code/ }).getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'two-step-setup');
    const secret = (await page.locator('dt:text-is("Secret key") + dd').textContent())!.replace(/\s/g, '');
    const code = (offset = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() + offset });
    await page.getByLabel('Code', { exact: true }).fill(code());
    await page.getByRole('button', { name: 'Turn on', exact: true }).click();
    await page.getByRole('heading', { name: 'Recovery codes', level: 1 }).waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto('/security/settings');
    await page.getByLabel('Require two-step login for administrators', { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await logOut(page);
    await page.getByLabel('Login', { exact: true }).fill(user.login);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await Promise.all([page.waitForURL('**/login/two-step'), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Code', { exact: true }).fill(code(30_000));
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Verify', exact: true }).click()]);
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await context.close();

    // Without JavaScript: no passkey button, and password plus code still log in.
    t.clock.advance(60_000);
    const plain = await newPage(w, { javaScriptEnabled: false });
    await plain.page.goto('/login');
    expect(await plain.page.getByRole('button', { name: 'Log in with a passkey', exact: true }).isVisible()).toBe(false);
    await plain.page.getByLabel('Login', { exact: true }).fill(user.login);
    await plain.page.getByLabel('Password', { exact: true }).fill(user.password);
    await Promise.all([plain.page.waitForURL('**/login/two-step'), plain.page.getByRole('button', { name: 'Log in', exact: true }).click()]);
    await plain.page.getByLabel('Code', { exact: true }).fill(code());
    await Promise.all([plain.page.waitForURL((url) => url.pathname === '/'), plain.page.getByRole('button', { name: 'Verify', exact: true }).click()]);
    await plain.page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await plain.context.close();

    // Lost phone: an administrator resets it from the user form's Run menu (a dialog with OK and Cancel).
    const admin = await newPage(w);
    await logIn(admin.page, w.tenant.admin.login, w.tenant.admin.password);
    await admin.page.goto(`/security/users/${user.id}`);
    await admin.page.getByRole('button', { name: 'Run', exact: true }).click();
    await admin.page.getByRole('menuitem', { name: 'Reset two-step login', exact: true }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Reset two-step login' });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Cancel', exact: true }).isVisible()).toBe(true);
    await Promise.all([admin.page.waitForURL(/notice=two-step-reset/), dialog.getByRole('button', { name: 'OK', exact: true }).click()]);
    await admin.page.getByRole('status').filter({ hasText: 'Two-step login has been reset.' }).waitFor();
    await admin.context.close();
    const again = await newPage(w);
    await logIn(again.page, user.login, user.password);
    await again.context.close();
  });
});
