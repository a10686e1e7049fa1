import type { ParsedMail } from 'mailparser';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSmtp } from '../support/smtp.js';
import { BASE_HOST, logIn, newPage, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

/**
 * The whole seed (how-to-invite-a-user.md) in a real browser, with a real SMTP server: the
 * administrator creates the user and sends the invitation by accessible names, the mail arrives,
 * the invitee follows Create Account in their own browser context, sets a password and logs in,
 * and the administrator sees the user turned Internal and in Everybody. Then the same with a user
 * without roles, who ends on the seed's no-roles page.
 */
const INSTANCE = { name: 'northwind', displayName: 'Northwind Traders' };
const INVITE = 'Invitation Internal (No login)';

describe('seed: invite a user, from the admin form to the first login', () => {
  let w: BrowserWorld;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    w = await startWorld(INSTANCE, { SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await w?.close();
    await smtp?.stop();
  });

  /** Steps 1 to 5, clicked by accessible names: Security, Users, New, the fields, roles, Save and reload. Returns the user's id. */
  async function createUser(page: Page, user: { login: string; name: string; email: string; roles: string[] }): Promise<number> {
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New', exact: true }).click();
    await page.waitForURL('**/security/users/new');

    await page.getByLabel('Login', { exact: true }).fill(user.login);
    await page.getByLabel('Name', { exact: true }).fill(user.name);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('User Type', { exact: true }).selectOption({ label: INVITE });

    const roles = page.getByRole('region', { name: 'Roles' });
    for (const [i, role] of user.roles.entries()) {
      await roles.getByRole('button', { name: 'Add role', exact: true }).click();
      await roles.getByRole('combobox', { name: 'Role', exact: true }).nth(i).selectOption({ label: role });
    }

    await page.getByRole('button', { name: 'More save options', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Save and reload', exact: true }).click();
    await page.waitForURL(/\/security\/users\/\d+\?notice=saved$/);
    await page.getByRole('status').filter({ hasText: 'The user has been saved.' }).waitFor();
    expect(await page.getByLabel('User Type', { exact: true }).inputValue()).toBe(INVITE);
    return Number(new URL(page.url()).pathname.split('/').pop());
  }

  /** Steps 6 and 7: Run, Send invitation mail, the dialog (its text is returned), OK, and the form's confirmation. */
  async function sendInvitation(page: Page, userId: number): Promise<string> {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Send invitation mail', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Send invitation mail' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    await expect(dialog.getByRole('button', { name: 'Cancel', exact: true }).isVisible()).resolves.toBe(true);
    await Promise.all([
      page.waitForURL(`**/security/users/${userId}?notice=invitation-queued`),
      dialog.getByRole('button', { name: 'OK', exact: true }).click(),
    ]);
    await page.getByRole('status').filter({ hasText: 'The invitation mail is on its way.' }).waitFor();
    return text;
  }

  /** The one mail sent to an address (the SMTP server may still be receiving it). */
  async function mailTo(address: string): Promise<ParsedMail> {
    const until = Date.now() + 15_000;
    while (smtp.to(address).length === 0) {
      if (Date.now() > until) throw new Error(`no mail to ${address}; got ${smtp.messages.length} in all`);
      await smtp.waitFor(smtp.messages.length + 1, Math.max(1, until - Date.now())).catch(() => undefined);
    }
    expect(smtp.to(address)).toHaveLength(1);
    return smtp.to(address)[0];
  }

  /** Step 8: sender, subject (instance host, no port), greeting, instance name, expiry, both parts. */
  function expectInvitationMail(mail: ParsedMail, user: { name: string }) {
    expect(mail.from?.value).toHaveLength(1);
    expect(mail.from?.value[0].address).toBe('notification@erpnet.info');
    expect(mail.subject).toBe(`Invitation to join ${INSTANCE.name}.${BASE_HOST}`);
    expect(mail.subject).not.toMatch(/:\d+/);
    for (const part of [mail.html || '', mail.text || '']) {
      expect(part).toContain(`Hello ${user.name},`);
      expect(part).toContain(INSTANCE.displayName);
      expect(part).toContain('Create Account');
      expect(part).toMatch(/expires on/);
    }
  }

  /** Step 9 begins: the invitee opens the mail (its HTML part) and follows Create Account, in their own context. */
  async function followCreateAccount(page: Page, mail: ParsedMail): Promise<{ response: Response | null; href: string }> {
    await page.setContent(String(mail.html));
    const link = page.getByRole('link', { name: 'Create Account', exact: true });
    const href = (await link.getAttribute('href'))!;
    expect(new URL(href).origin).toBe(w.origin);
    const [response] = await Promise.all([page.waitForNavigation({ url: (u) => u.origin === w.origin }), link.click()]);
    await page.getByRole('heading', { name: 'Create Account', level: 1 }).waitFor();
    return { response, href };
  }

  async function expectSignupForm(page: Page, user: { login: string; name: string }) {
    const login = page.getByLabel('Login', { exact: true });
    const name = page.getByLabel('Name', { exact: true });
    expect(await login.inputValue()).toBe(user.login);
    expect(await name.inputValue()).toBe(user.name);
    expect(await login.isEditable()).toBe(false);
    expect(await name.isEditable()).toBe(false);
    await page.getByLabel('Password', { exact: true }).waitFor();
    await page.getByLabel('Confirm password', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create Account', exact: true }).waitFor();
  }

  /** Fills and submits the signup form; returns the HTTP status of the page it lands on. */
  async function submitSignup(page: Page, password: string, confirmPassword = password): Promise<number> {
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Confirm password', { exact: true }).fill(confirmPassword);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)),
      page.getByRole('button', { name: 'Create Account', exact: true }).click(),
    ]);
    await page.waitForLoadState();
    return response.status();
  }

  /** Step 11 from the login page the signup lands on: returns the status of the first page after login. */
  async function logInAsInvitee(page: Page, login: string, password: string): Promise<number> {
    await page.getByLabel('Login', { exact: true }).fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)),
      page.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).not.toBe('/login');
    return response.status();
  }

  it('with a role: the invitee creates the account, logs in, and becomes Internal in Everybody', async () => {
    const admin = await newPage(w);
    const invitee = await newPage(w, { bypassCSP: true }); // bypassCSP: axe-core is injected inline
    try {
      const { page } = admin;
      await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
      // Readable values: the signup page is screenshotted for the docs (the database is this file's own).
      const user = { login: 'mgarcia', name: 'Maria Garcia', email: 'maria.garcia@example.com', roles: ['Salesperson'] };
      const userId = await createUser(page, user);
      await expect(
        page
          .getByRole('region', { name: 'Roles' })
          .getByRole('combobox', { name: 'Role', exact: true })
          .evaluateAll((els) => els.map((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent?.trim())),
      ).resolves.toEqual(['Salesperson']);

      const dialogText = await sendInvitation(page, userId);
      expect(dialogText).toContain(user.name);
      expect(dialogText).toContain(user.email);
      expect(dialogText).not.toContain('no assigned roles');

      const mail = await mailTo(user.email);
      expectInvitationMail(mail, user);

      // The invitee, in a browser of their own.
      const p = invitee.page;
      const { response, href } = await followCreateAccount(p, mail);
      expect(response?.status()).toBe(200);
      await expectSignupForm(p, user);
      // Branded with the instance.
      await expect(p.getByText(INSTANCE.displayName, { exact: true }).isVisible()).resolves.toBe(true);
      expect(await p.title()).toContain(INSTANCE.displayName);
      await screenshot(p, 'signup');
      expect(await seriousViolations(p), 'axe on the signup page').toEqual([]);

      // Too short: refused with a message, the page kept.
      expect(await submitSignup(p, 'tulip-4')).toBe(400);
      expect(new URL(p.url()).pathname).toBe(new URL(href).pathname);
      await p.getByText('Use at least 8 characters.').waitFor();
      await expectSignupForm(p, user);
      expect(await p.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      expect(await seriousViolations(p), 'axe on the signup page with an error').toEqual([]);

      // Confirmation does not match: refused with a message, the page kept.
      expect(await submitSignup(p, 'tulip-42', 'tulip-43')).toBe(400);
      expect(new URL(p.url()).pathname).toBe(new URL(href).pathname);
      await p.getByText('The passwords do not match.').waitFor();
      await expectSignupForm(p, user);

      // 8 characters, not a common password: accepted.
      expect(await submitSignup(p, 'tulip-42')).toBe(200);
      expect(new URL(p.url()).pathname).toBe('/login');
      await expect(p.getByText('most commonly used').count()).resolves.toBe(0);
      await p.getByRole('status').filter({ hasText: 'Your account is ready' }).waitFor();
      expect(await logInAsInvitee(p, user.login, 'tulip-42')).toBe(200);
      await p.getByRole('button', { name: 'Log out', exact: true }).waitFor();
      await expect(p.getByText(user.name).first().isVisible()).resolves.toBe(true);

      // The used link is dead: a page saying so, no form.
      const again = await p.goto(href);
      expect(again?.status()).toBe(410);
      await p.getByText('already been used').first().waitFor();
      await expect(p.getByLabel('Password', { exact: true }).count()).resolves.toBe(0);
      await expect(p.getByRole('button', { name: 'Create Account' }).count()).resolves.toBe(0);
      expect(await seriousViolations(p), 'axe on the dead-link page').toEqual([]);
      // Its own form posts from the browser too (same Origin rule as the signup form).
      const [requested] = await Promise.all([
        p.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
        p.getByRole('button', { name: 'Request a new invitation', exact: true }).click(),
      ]);
      expect(requested.status()).toBe(200);
      await p.getByRole('status').filter({ hasText: 'Your request for a new invitation was passed on.' }).waitFor();

      // Step 12: the administrator reloads the form.
      await page.reload();
      expect(await page.getByLabel('User Type', { exact: true }).inputValue()).toBe('Internal');
      await expect(page.getByRole('region', { name: 'Groups' }).getByRole('link', { name: 'Everybody', exact: true }).isVisible()).resolves.toBe(true);
    } finally {
      await invitee.context.close();
      await admin.context.close();
    }
  });

  it('without roles: the dialog warns, OK still sends, and the invitee ends on the no-roles page (403)', async () => {
    const admin = await newPage(w);
    const invitee = await newPage(w);
    try {
      const { page } = admin;
      await logIn(page, w.tenant.admin.login, w.tenant.admin.password);
      const user = { login: 'omensah', name: 'Owen Mensah', email: 'owen.mensah@example.com', roles: [] };
      const userId = await createUser(page, user);

      const dialogText = await sendInvitation(page, userId);
      expect(dialogText).toContain(`The currently logged user ${user.login} has no assigned roles.`);

      const mail = await mailTo(user.email);
      expectInvitationMail(mail, user);

      const p = invitee.page;
      await followCreateAccount(p, mail);
      await expectSignupForm(p, user);
      expect(await submitSignup(p, 'tulip-42')).toBe(200);
      await p.getByRole('status').filter({ hasText: 'Your account is ready' }).waitFor();

      expect(await logInAsInvitee(p, user.login, 'tulip-42')).toBe(403);
      const alert = p.getByRole('alert');
      const lines = await alert.locator('p').allTextContents();
      expect(lines.map((l) => l.trim())).toEqual([
        `The currently logged user ${user.login} has no assigned roles.`,
        `Please contact your system administrator to configure the roles for user ${user.login}.`,
      ]);

      await page.reload();
      expect(await page.getByLabel('User Type', { exact: true }).inputValue()).toBe('Internal');
      await expect(page.getByRole('region', { name: 'Groups' }).getByRole('link', { name: 'Everybody', exact: true }).isVisible()).resolves.toBe(true);
    } finally {
      await invitee.context.close();
      await admin.context.close();
    }
  });
});
