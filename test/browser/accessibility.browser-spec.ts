import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory, type TestUser } from '../support/factories.js';
import { logIn, newPage, openInvitation, seriousViolations, startWorld, type BrowserWorld } from './support.js';

/** axe-core on the Security module's pages: no serious or critical violation. */
describe('Accessibility (axe-core)', () => {
  let w: BrowserWorld;
  let page: Page;
  let user: TestUser;

  beforeAll(async () => {
    w = await startWorld();
    user = await userFactory(w.t.db, w.tenant, {
      name: 'Maria Garcia',
      userType: 'Invitation Internal (No login)',
      roles: ['Salesperson', 'Manager'],
      password: null,
    });
    await userFactory(w.t.db, w.tenant, { userType: 'External', roles: ['Worker'] });
    ({ page } = await newPage(w, { bypassCSP: true }));
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
  });
  afterAll(() => w?.close());

  const check = async (path: string) => {
    await page.goto(path);
    expect(await seriousViolations(page), path).toEqual([]);
  };

  it('the users list', () => check('/security/users'));
  it('the users list with a search and no hit', () => check('/security/users?q=nobody-here'));
  it('the new user form', () => check('/security/users/new'));
  it('an existing user form', () => check(`/security/users/${user.id}`));
  it('the roles list', () => check('/security/roles'));
  it('the groups list', () => check('/security/groups'));
  it('the security start page and home', async () => {
    await check('/security');
    await check('/');
  });

  it('a role page', async () => {
    await page.goto('/security/roles');
    await page.getByRole('link', { name: 'Salesperson', exact: true }).click();
    await page.waitForURL(/\/security\/roles\/\d+$/);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the user form with validation errors shown', async () => {
    await page.goto('/security/users/new');
    await page.getByLabel('Email', { exact: true }).fill('not an email');
    await page.getByRole('button', { name: 'Add role', exact: true }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').first().waitFor();
    expect(await page.getByLabel('Login', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the user form with its Save menu open and the Send invitation dialog open', async () => {
    await page.goto(`/security/users/${user.id}`);
    await page.getByRole('button', { name: 'More save options', exact: true }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Send invitation mail', exact: true }).click();
    await page.getByRole('dialog', { name: 'Send invitation mail' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the Create Account page and the login page', async () => {
    const invitee = await userFactory(w.t.db, w.tenant, { userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    const path = await openInvitation(w, invitee.id);
    const { context, page: anonymous } = await newPage(w, { bypassCSP: true });
    try {
      await anonymous.goto(path);
      await anonymous.getByRole('heading', { name: 'Create Account' }).waitFor();
      expect(await seriousViolations(anonymous)).toEqual([]);
      await anonymous.goto('/login');
      expect(await seriousViolations(anonymous)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
