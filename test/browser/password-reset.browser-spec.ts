import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory } from '../support/factories.js';
import { mailLink, TestSmtp } from '../support/smtp.js';
import { logIn, newPage, screenshot, seriousViolations, startWorld, type BrowserWorld } from './support.js';

/** Forgot password as a person does it: from the login page, through the mail, to the first login with the new password. */
describe('forgot password in a browser', () => {
  let w: BrowserWorld;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    w = await startWorld({ displayName: 'Acme Trading' }, { SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await w?.close();
    await smtp?.stop();
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`${javaScriptEnabled ? 'with' : 'without'} JavaScript: Forgot password?, the mail's Reset password link, Set password, Log in`, async () => {
      const user = await userFactory(w.t.db, w.tenant, { name: 'Fay Forgetful', roles: ['Salesperson'] });
      const { context, page } = await newPage(w, { javaScriptEnabled, bypassCSP: true });
      await page.goto('/login');
      await page.getByRole('link', { name: 'Forgot password?', exact: true }).click();
      await page.waitForURL('**/password/forgot');
      if (javaScriptEnabled) expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel('Login or email', { exact: true }).fill(user.email!);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Send reset link', exact: true }).click()]);
      await page.getByRole('status').filter({ hasText: 'If an account matches, a mail with a reset link is on its way.' }).waitFor();
      if (javaScriptEnabled) expect(await seriousViolations(page)).toEqual([]);

      const end = Date.now() + 10_000;
      while (smtp.to(user.email!).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const [mail] = smtp.to(user.email!);
      const link = mailLink(mail, 'Reset password');
      await page.goto(link.pathname);
      await page.getByRole('heading', { name: 'Reset password', level: 1 }).waitFor();
      if (javaScriptEnabled) {
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, 'reset-password');
      }
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByLabel('Confirm password', { exact: true }).fill('short');
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Set password', exact: true }).click()]);
      await page.getByText('Use at least 8 characters.').waitFor();
      await page.getByLabel('New password', { exact: true }).fill('my fresh long secret');
      await page.getByLabel('Confirm password', { exact: true }).fill('my fresh long secret');
      await Promise.all([page.waitForURL(/\/login\?notice=password-reset/), page.getByRole('button', { name: 'Set password', exact: true }).click()]);
      await page.getByRole('status').filter({ hasText: 'Your new password is set' }).waitFor();
      await logIn(page, user.login, 'my fresh long secret');

      await page.goto(link.pathname);
      await page.getByRole('heading', { name: 'This reset link has already been used' }).waitFor();
      await expect(page.getByLabel('New password', { exact: true }).count()).resolves.toBe(0);
      if (javaScriptEnabled) expect(await seriousViolations(page)).toEqual([]);
      await context.close();
    });
  }
});
