import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory, type TestUser } from '../support/factories.js';
import { logIn, newPage, openInvitation, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

/** The account around the invitation, clicked through by accessible names: deactivate, reactivate, My account, signup while logged in. */
describe('the account around the invitation in a browser', () => {
  let w: BrowserWorld;

  beforeAll(async () => {
    w = await startWorld({ displayName: 'Acme Trading' });
  });
  afterAll(() => w?.close());

  /** Run, the menu item, the dialog's OK; resolves on the notice. */
  async function runWithDialog(page: Page, item: string, notice: string) {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('menuitem', { name: item, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: item });
    await dialog.waitFor();
    await expect(dialog.getByRole('button', { name: 'Cancel', exact: true }).isVisible()).resolves.toBe(true);
    await Promise.all([page.waitForURL(/notice=/), dialog.getByRole('button', { name: 'OK', exact: true }).click()]);
    await page.getByRole('status').filter({ hasText: notice }).waitFor();
  }

  async function expectLoggedOut(page: Page) {
    await page.reload();
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
  }

  it('with JavaScript: Deactivate user logs the person out at once and keeps them out; Reactivate lets them in', async () => {
    const leaver: TestUser = await userFactory(w.t.db, w.tenant, { name: 'Lea Leaving', roles: ['Salesperson'] });
    const theirs = await newPage(w);
    await logIn(theirs.page, leaver.login, leaver.password);
    const admin = await newPage(w, { bypassCSP: true });
    await logIn(admin.page, w.tenant.admin.login, w.tenant.admin.password);
    await admin.page.goto(`/security/users/${leaver.id}`);
    await runWithDialog(admin.page, 'Deactivate user', 'The user has been deactivated');
    await expect(admin.page.getByRole('status').filter({ hasText: 'This user is deactivated' }).isVisible()).resolves.toBe(true);
    expect(await seriousViolations(admin.page)).toEqual([]);

    await expectLoggedOut(theirs.page);
    await theirs.page.getByLabel('Login', { exact: true }).fill(leaver.login);
    await theirs.page.getByLabel('Password', { exact: true }).fill(leaver.password);
    await Promise.all([theirs.page.waitForEvent('load'), theirs.page.getByRole('button', { name: 'Log in', exact: true }).click()]);
    await expect(theirs.page.getByRole('alert').textContent()).resolves.toMatch(/not correct|did not match|wrong|incorrect/i);

    await admin.page.goto(`/security/users?status=deactivated`);
    await admin.page.getByRole('cell', { name: 'Deactivated' }).first().waitFor();
    await admin.page.goto(`/security/users/${leaver.id}`);
    await runWithDialog(admin.page, 'Reactivate user', 'The user has been reactivated');
    await logIn(theirs.page, leaver.login, leaver.password);
    await theirs.context.close();
    await admin.context.close();
  });

  it('without JavaScript: the Run menu links to a confirmation page with OK and Cancel', async () => {
    const user = await userFactory(w.t.db, w.tenant, { name: 'Noah Noscript', roles: ['Salesperson'] });
    const { context, page } = await newPage(w, { javaScriptEnabled: false });
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
    await page.goto(`/security/users/${user.id}`);
    await page.getByRole('link', { name: 'Deactivate user', exact: true }).click();
    await page.waitForURL(`**/security/users/${user.id}/deactivate`);
    await expect(page.getByRole('link', { name: 'Cancel', exact: true }).isVisible()).resolves.toBe(true);
    await Promise.all([page.waitForURL(/notice=user-deactivated/), page.getByRole('button', { name: 'OK', exact: true }).click()]);
    await page.getByRole('link', { name: 'Reactivate user', exact: true }).click();
    await Promise.all([page.waitForURL(/notice=user-reactivated/), page.getByRole('button', { name: 'OK', exact: true }).click()]);
    await context.close();
  });

  it('My account: shows who I am and changes the password; the other browser is logged out, this one stays', async () => {
    const user = await userFactory(w.t.db, w.tenant, { name: 'Mo Mover', roles: ['Salesperson'] });
    const other = await newPage(w);
    await logIn(other.page, user.login, user.password);
    const { context, page } = await newPage(w, { bypassCSP: true });
    await logIn(page, user.login, user.password);
    await page.getByRole('link', { name: 'My account', exact: true }).click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await expect(page.getByText('Acme Trading').first().isVisible()).resolves.toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Current password', { exact: true }).fill('not it at all');
    await page.getByLabel('New password', { exact: true }).fill('a fresh long secret');
    await page.getByLabel('Confirm password', { exact: true }).fill('a fresh long secret');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Change password', exact: true }).click()]);
    await page.getByText('This is not your current password.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Current password', { exact: true }).fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill('a fresh long secret');
    await page.getByLabel('Confirm password', { exact: true }).fill('a fresh long secret');
    await Promise.all([page.waitForURL(/notice=password-changed/), page.getByRole('button', { name: 'Change password', exact: true }).click()]);
    await page.getByRole('status').filter({ hasText: 'Your password has been changed.' }).waitFor();
    await screenshot(page, 'my-account');
    await page.goto('/');
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await expectLoggedOut(other.page);
    await other.context.close();
    await context.close();
  });

  it('a Create Account link opened while logged in: says who, Log out and continue shows the form', async () => {
    const invitee = await userFactory(w.t.db, w.tenant, { userType: 'Invitation Internal (No login)', roles: ['Salesperson'], password: null });
    const link = await openInvitation(w, invitee.id);
    const { context, page } = await newPage(w, { bypassCSP: true });
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
    await page.goto(link);
    await page.getByText(`You are logged in as ${w.tenant.admin.login}.`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(`**${link}`), page.getByRole('button', { name: 'Log out and continue', exact: true }).click()]);
    await page.getByRole('button', { name: 'Create Account', exact: true }).waitFor();
    await expect(page.getByLabel('Login', { exact: true }).inputValue()).resolves.toBe(invitee.login);
    await context.close();
  });
});
