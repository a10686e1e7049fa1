import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory, type TestUser } from '../support/factories.js';
import { logIn, newPage, startWorld, type BrowserWorld } from './support.js';

/** The WAI-ARIA menu button pattern on the split Save button and the Run menus, and the Send invitation dialog. */
describe('Menus and dialogs by keyboard', () => {
  let w: BrowserWorld;
  let page: Page;
  let invitee: TestUser;

  beforeAll(async () => {
    w = await startWorld();
    invitee = await userFactory(w.t.db, w.tenant, { name: 'Maria Garcia', userType: 'Invitation Internal (No login)', roles: ['Salesperson'], password: null });
    ({ page } = await newPage(w));
    await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
  });
  afterAll(() => w?.close());

  const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
  const focusedName = () => page.evaluate(() => (document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').trim());
  const menuitem = (name: string) => page.getByRole('menuitem', { name, exact: true, includeHidden: true });

  async function expectOpen(button: Locator, menu: Locator, focusedItem: string) {
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await menu.isVisible()).toBe(true);
    expect(await focusedName()).toBe(focusedItem);
  }

  async function expectClosedOn(button: Locator, menu: Locator) {
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await menu.isVisible()).toBe(false);
    expect(await focused(button)).toBe(true);
  }

  it('the split Save button: Enter, Space, ArrowDown open on the first item, ArrowUp on the last; arrows wrap; Escape returns focus', async () => {
    await page.goto(`/security/users/${invitee.id}`);
    const button = page.getByRole('button', { name: 'More save options', exact: true });
    const menu = page.getByRole('menu', { name: 'More save options', includeHidden: true });
    expect(await button.getAttribute('aria-haspopup')).toMatch(/^(true|menu)$/);
    expect(await menu.isVisible()).toBe(false);
    expect(await menu.getByRole('menuitem', { includeHidden: true }).allTextContents()).toEqual(['Save and reload', 'Save and close', 'Save and new']);

    for (const key of ['Enter', ' ', 'ArrowDown']) {
      await button.focus();
      await page.keyboard.press(key);
      await expectOpen(button, menu, 'Save and reload');
      await page.keyboard.press('Escape');
      await expectClosedOn(button, menu);
    }
    expect(page.url()).toMatch(/\/security\/users\/\d+$/); // nothing was submitted

    await button.focus();
    await page.keyboard.press('ArrowUp');
    await expectOpen(button, menu, 'Save and new');
    await page.keyboard.press('ArrowDown');
    expect(await focused(menuitem('Save and reload'))).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await focused(menuitem('Save and close'))).toBe(true);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await focused(menuitem('Save and new'))).toBe(true);
    await page.keyboard.press('Home');
    expect(await focused(menuitem('Save and reload'))).toBe(true);
    await page.keyboard.press('End');
    expect(await focused(menuitem('Save and new'))).toBe(true);
    await page.keyboard.press('Escape');
    await expectClosedOn(button, menu);

    // Menu items are not tab stops; Tab leaves the open menu and closes it.
    expect(await menuitem('Save and reload').getAttribute('tabindex')).toBe('-1');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await menu.isVisible()).toBe(false);
    expect(await button.getAttribute('aria-expanded')).toBe('false');
  });

  it('the split Save button: Enter on Save and reload saves', async () => {
    await page.goto(`/security/users/${invitee.id}`);
    const button = page.getByRole('button', { name: 'More save options', exact: true });
    await button.focus();
    await page.keyboard.press('Enter');
    await Promise.all([page.waitForURL(/\?notice=saved$/), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').filter({ hasText: 'The user has been saved.' }).isVisible()).toBe(true);
  });

  it('Run on the user form: menu by keyboard, Send invitation mail asks in a dialog, Cancel returns to Run', async () => {
    await page.goto(`/security/users/${invitee.id}`);
    const run = page.getByRole('button', { name: 'Run', exact: true });
    const menu = page.getByRole('menu', { name: 'Run', includeHidden: true });
    expect(await menu.isVisible()).toBe(false);

    await run.focus();
    await page.keyboard.press('ArrowDown');
    await expectOpen(run, menu, 'Send invitation mail');
    await page.keyboard.press('Escape');
    await expectClosedOn(run, menu);

    await run.focus();
    await page.keyboard.press('ArrowUp');
    const items = await menu.getByRole('menuitem', { includeHidden: true }).allTextContents();
    await expectOpen(run, menu, items[items.length - 1].trim());
    await page.keyboard.press('Escape');
    await expectClosedOn(run, menu);

    // Enter on the item opens the confirmation dialog (not the no-JavaScript page).
    await run.focus();
    await page.keyboard.press('Enter');
    await expectOpen(run, menu, 'Send invitation mail');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Send invitation mail' });
    await dialog.waitFor();
    expect(page.url()).toMatch(/\/security\/users\/\d+$/);
    expect(await menu.isVisible()).toBe(false);
    const ok = dialog.getByRole('button', { name: 'OK', exact: true });
    const cancel = dialog.getByRole('button', { name: 'Cancel', exact: true });
    expect(await ok.isVisible()).toBe(true);
    expect(await cancel.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Maria Garcia');
    await cancel.click();
    expect(await dialog.isVisible()).toBe(false);
    // The dialog's close event (which gives focus back) comes a task after it closed.
    await expect.poll(() => focused(run)).toBe(true);

    // Escape closes the dialog too, with focus back on Run.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(false);
    // The dialog's close event (which gives focus back) comes a task after it closed.
    await expect.poll(() => focused(run)).toBe(true);
  });

  it('Run on the user form: OK sends and the form confirms it', async () => {
    await page.goto(`/security/users/${invitee.id}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await menuitem('Send invitation mail').click();
    const dialog = page.getByRole('dialog', { name: 'Send invitation mail' });
    await Promise.all([page.waitForURL(/notice=invitation-queued/), dialog.getByRole('button', { name: 'OK', exact: true }).click()]);
    expect(await page.getByRole('status').filter({ hasText: 'The invitation mail is on its way.' }).isVisible()).toBe(true);
    expect(await page.getByRole('region', { name: 'Invitation' }).isVisible()).toBe(true);
  });

  it('Run on the users list: same pattern; its Send invitation mail asks first, Cancel returns to Run', async () => {
    await page.goto('/security/users');
    const run = page.getByRole('button', { name: 'Run', exact: true });
    const menu = page.getByRole('menu', { name: 'Run', includeHidden: true });
    await page.getByRole('checkbox', { name: `Select ${invitee.login}` }).check();
    await run.focus();
    await page.keyboard.press(' ');
    await expectOpen(run, menu, 'Send invitation mail');
    await page.keyboard.press('Escape');
    await expectClosedOn(run, menu);

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Send invitation mail' });
    await dialog.waitFor();
    expect(page.url()).toMatch(/\/security\/users$/);
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    expect(await dialog.isVisible()).toBe(false);
    // The dialog's close event (which gives focus back) comes a task after it closed.
    await expect.poll(() => focused(run)).toBe(true);
  });

  it('select all checks every row of the page', async () => {
    await page.goto('/security/users');
    await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
    const boxes = page.getByRole('table', { name: 'Users' }).getByRole('checkbox');
    const states = await boxes.evaluateAll((els) => els.map((el) => (el as HTMLInputElement).checked));
    expect(states.length).toBeGreaterThan(2);
    expect(states.every(Boolean)).toBe(true);
  });
});
