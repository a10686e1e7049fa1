import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory } from '../support/factories.js';
import { logIn, newPage, screenshot, startWorld, type BrowserWorld } from './support.js';

/**
 * Seed steps 1 to 5 (create a user of type Invitation Internal with two roles, Save and reload),
 * clicked through by accessible names only, with and without JavaScript.
 */
describe('Users: seed steps 1 to 5 in a browser', () => {
  let w: BrowserWorld;

  beforeAll(async () => {
    w = await startWorld({ name: 'acme', displayName: 'Acme Trading' });
  });
  afterAll(() => w?.close());

  /** Steps 1 and 2: Security, Users, then the header line's New. */
  async function openNewUserForm(page: Page) {
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.waitForURL('**/security/users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New', exact: true }).click();
    await page.waitForURL('**/security/users/new');
  }

  /** Step 3: the required fields and User Type. */
  async function fillUser(page: Page, user: { login: string; name: string; email: string }) {
    await page.getByLabel('Login', { exact: true }).fill(user.login);
    await page.getByLabel('Name', { exact: true }).fill(user.name);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('User Type', { exact: true }).selectOption({ label: 'Invitation Internal (No login)' });
  }

  const roleSelects = (page: Page) => page.getByRole('region', { name: 'Roles' }).getByRole('combobox', { name: 'Role', exact: true });

  /** After Save and reload: every value, both roles and the success message. */
  async function expectSaved(page: Page, user: { login: string; name: string; email: string }) {
    await page.waitForURL(/\/security\/users\/\d+\?notice=saved$/);
    await expect(page.getByRole('status').filter({ hasText: 'The user has been saved.' }).isVisible()).resolves.toBe(true);
    expect(await page.getByLabel('Login', { exact: true }).inputValue()).toBe(user.login);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(user.name);
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(user.email);
    expect(await page.getByLabel('User Type', { exact: true }).inputValue()).toBe('Invitation Internal (No login)');
    const selects = roleSelects(page);
    expect(await selects.count()).toBe(2);
    const chosen = await selects.evaluateAll((els) => els.map((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent?.trim()));
    // The saved lines come back in role-name order.
    expect(chosen.sort()).toEqual(['Manager', 'Salesperson']);
    const values = await selects.evaluateAll((els) => els.map((el) => (el as HTMLSelectElement).value));
    expect(values.sort()).toEqual([String(w.tenant.roles.Manager), String(w.tenant.roles.Salesperson)].sort());
    const heading = await page.getByRole('heading', { level: 1 }).textContent();
    expect(heading).toContain(user.login);
  }

  it('with JavaScript: Add role adds lines in place, the split button menu saves and reloads', async () => {
    const { context, page } = await newPage(w);
    try {
      await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
      await openNewUserForm(page);
      const user = { login: 'jdoe', name: 'Jane Doe', email: 'jane.doe@example.com' };
      await fillUser(page, user);

      const addRole = page.getByRole('button', { name: 'Add role', exact: true });
      await addRole.click();
      await addRole.click();
      expect(page.url()).toMatch(/\/security\/users\/new$/); // no round trip
      await expect(roleSelects(page).count()).resolves.toBe(2);
      await roleSelects(page).nth(0).selectOption({ label: 'Salesperson' });
      await roleSelects(page).nth(1).selectOption({ label: 'Manager' });

      await page.getByRole('button', { name: 'More save options', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Save and reload', exact: true }).click();
      await expectSaved(page, user);
      await screenshot(page, 'user-form');
    } finally {
      await context.close();
    }
  });

  it('without JavaScript: Add role submits and re-renders, Save and reload is a plain button', async () => {
    const { context, page } = await newPage(w, { javaScriptEnabled: false });
    try {
      await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
      await openNewUserForm(page);
      const user = { login: 'jroe', name: 'John Roe', email: 'john.roe@example.com' };
      await fillUser(page, user);

      expect(await page.getByRole('button', { name: 'More save options' }).isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: 'Run' }).isVisible()).toBe(false);
      const addRole = page.getByRole('button', { name: 'Add role', exact: true });
      for (const expected of [1, 2]) {
        await Promise.all([page.waitForEvent('load'), addRole.click()]);
        await expect(roleSelects(page).count()).resolves.toBe(expected);
      }
      // The typed values survive the round trips.
      expect(await page.getByLabel('Login', { exact: true }).inputValue()).toBe(user.login);
      expect(await page.getByLabel('User Type', { exact: true }).inputValue()).toBe('Invitation Internal (No login)');
      await roleSelects(page).nth(0).selectOption({ label: 'Salesperson' });
      await roleSelects(page).nth(1).selectOption({ label: 'Manager' });

      await page.getByRole('button', { name: 'Save and reload', exact: true }).click();
      await expectSaved(page, user);
    } finally {
      await context.close();
    }
  });

  it('lists users with their invitation states (screenshot)', async () => {
    const { db } = w.t;
    const people: Array<[string, string, string, string | null]> = [
      ['mgarcia', 'Maria Garcia', 'Invitation Internal (No login)', 'sent'],
      ['pnovak', 'Petr Novák', 'Internal', 'accepted'],
      ['lchen', 'Li Chen', 'Invitation External (No login)', 'failed'],
      ['akowalski', 'Anna Kowalski', 'Invitation Internal (No login)', 'expired'],
      ['omensah', 'Owen Mensah', 'External', null],
      ['sdubois', 'Sophie Dubois', 'Invitation Internal (No login)', 'revoked'],
    ];
    for (const [login, name, userType, state] of people) {
      const u = await userFactory(db, w.tenant, {
        login,
        name,
        email: `${login}@example.com`,
        userType,
        roles: ['Salesperson'],
        password: userType.startsWith('Invitation') ? null : undefined,
      });
      if (!state) continue;
      // States are written directly (no mail is involved: no outbox row, so the worker never touches them).
      await db.query(
        `insert into invitation (tenant_id, user_id, status, expires_at, last_error, sent_at, accepted_at, revoked_at, sent_by_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, (select id from app_user where tenant_id = $1 and login = 'admin'))`,
        [
          w.tenant.id,
          u.id,
          state === 'expired' ? 'sent' : state,
          state === 'expired' ? new Date(Date.now() - 3_600_000) : new Date(Date.now() + 72 * 3_600_000),
          state === 'failed' ? '421 mail.example.com: service not available' : null,
          ['sent', 'expired', 'accepted'].includes(state) ? new Date() : null,
          state === 'accepted' ? new Date() : null,
          state === 'revoked' ? new Date() : null,
        ],
      );
    }
    const { context, page } = await newPage(w);
    try {
      await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
      await page.goto('/security/users');
      const table = page.getByRole('table', { name: 'Users' });
      await table.waitFor();
      for (const label of ['Sent', 'Accepted', 'Failed', 'Expired', 'Revoked']) {
        expect(await table.getByText(label, { exact: true }).count(), label).toBeGreaterThan(0);
      }
      await screenshot(page, 'users-list');
    } finally {
      await context.close();
    }
  });
});
