import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userFactory, type TestTenant } from './support/factories.js';
import { agentFor, htmlLang, login, submitForm, type Agent } from './support/http.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import { INTO_REMINDER_WINDOW, REMINDER_ENV } from './support/invitations.js';
import { mailLink, type TestSmtp } from './support/smtp.js';
import type { TestApp } from './support/test-app.js';
import { InvitationRemindersService } from '../src/invitations/invitation-reminders.service.js';

const INVITE = 'Invitation Internal (No login)';

describe('languages: pages and mails in English, German and Bulgarian', () => {
  let world: MailWorld;
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme GmbH' });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  const mailTo = async (address: string): Promise<ParsedMail> => {
    await expect.poll(() => smtp.to(address).length > 0, { timeout: 15_000 }).toBe(true);
    return smtp.to(address)[0];
  };

  /** An invitee of this language, invited through the real form; returns the mail. */
  const invite = async (language: string): Promise<{ mail: ParsedMail; user: { id: number; login: string } }> => {
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    await t.db.query('update app_user set language = $3 where tenant_id = $1 and id = $2', [acme.id, user.id, language || null]);
    const res = await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations`, {});
    expect(res.status).toBe(303);
    return { mail: await mailTo(user.email!), user };
  };

  it('a German invitee gets a German mail whose link opens a German Create Account page', async () => {
    const { mail } = await invite('de');
    expect(mail.subject).toBe(`Einladung zu ${acme.name}.localhost`);
    expect(htmlLang(String(mail.html))).toBe('de');
    expect(String(mail.html)).toContain('Guten Tag');
    expect(String(mail.html)).toContain('>Konto erstellen</a>');
    expect(mail.text).toContain('Konto erstellen: http://');
    // The expiry in German form, in the instance's time zone (UTC by default).
    expect(mail.text).toMatch(/läuft am \d\d\.\d\d\.\d{4}, \d\d:\d\d UTC ab/);
    const link = mailLink(mail, /\/invitation\//);
    const page = await agentFor(t, acme.host).get(link.pathname).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(htmlLang(page.text)).toBe('de');
    expect(page.text).toContain('<h1>Konto erstellen</h1>');
    expect(page.text).toContain('<label for="password">Passwort</label>');
    expect(page.text).not.toContain('Choose a password for your account');
  });

  it('a Bulgarian invitee likewise, in Cyrillic; the reset mail and page follow the user too', async () => {
    const { mail, user } = await invite('bg');
    expect(mail.subject).toBe(`Покана за присъединяване към ${acme.name}.localhost`);
    expect(htmlLang(String(mail.html))).toBe('bg');
    expect(String(mail.html)).toContain('>Създаване на профил</a>');
    const link = mailLink(mail, /\/invitation\//);
    const visitor = agentFor(t, acme.host);
    const page = await visitor.get(link.pathname).set('Accept-Language', 'de');
    expect(htmlLang(page.text)).toBe('bg');
    expect(page.text).toContain('<h1>Създаване на профил</h1>');

    // Accept it, then ask for a reset: the mail and the page behind its link are Bulgarian as well.
    const accepted = await submitForm(visitor, link.pathname, link.pathname, { password: 'a fine long passphrase', confirmPassword: 'a fine long passphrase' });
    expect(accepted.status).toBe(303);
    await submitForm(agentFor(t, acme.host), '/password/forgot', '/password/forgot', { login: user.login });
    await expect.poll(() => smtp.to(`${user.login}@`).length, { timeout: 15_000 }).toBe(2);
    const reset = smtp.to(`${user.login}@`)[1];
    expect(reset.subject).toBe(`Нулиране на паролата Ви за ${acme.name}.localhost`);
    expect(htmlLang(String(reset.html))).toBe('bg');
    const resetPage = await agentFor(t, acme.host).get(mailLink(reset, /\/password\/reset\//).pathname);
    expect(htmlLang(resetPage.text)).toBe('bg');
    expect(resetPage.text).toContain('<h1>Нулиране на паролата</h1>');
  });

  it('an invitee without a language gets the instance default', async () => {
    const { mail } = await invite('');
    expect(mail.subject).toBe(`Invitation to join ${acme.name}.localhost`);
    expect(htmlLang(String(mail.html))).toBe('en');
  });

  it('anonymous pages follow Accept-Language (q-values, regions), then the instance default', async () => {
    const page = (acceptLanguage?: string) => {
      const req = agentFor(t, acme.host).get('/login');
      return acceptLanguage ? req.set('Accept-Language', acceptLanguage) : req;
    };
    const de = await page('de');
    expect(htmlLang(de.text)).toBe('de');
    expect(de.text).toContain('<label for="login">Anmeldename</label>');
    expect(de.text).toContain('>Anmelden</button>');
    expect(htmlLang((await page('de-AT,de;q=0.9,en;q=0.8')).text)).toBe('de');
    expect(htmlLang((await page('fr-FR, en;q=0.5, bg;q=0.9')).text)).toBe('bg');
    const unknown = await page('fr');
    expect(htmlLang(unknown.text)).toBe('en');
    expect(unknown.text).toContain('<label for="login">Login</label>');
    expect(htmlLang((await page()).text)).toBe('en');
  });

  it('Security > Settings: Default language and Time zone, validated, audited, applied at once', async () => {
    const page = await admin.get('/security/settings');
    expect(page.text).toContain('<label for="defaultLanguage">Default language</label>');
    expect(page.text).toContain('<label for="timeZone">Time zone</label>');
    expect(page.text).toContain('<option value="bg" lang="bg" >Български</option>');

    const bad = await submitForm(admin, '/security/settings', '/security/settings', { defaultLanguage: 'fr', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Choose one of the languages in the list.');
    expect(bad.text).toContain('Choose a time zone from the list');

    const saved = await submitForm(admin, '/security/settings', '/security/settings', { defaultLanguage: 'bg', timeZone: 'Europe/Sofia' });
    expect(saved.status).toBe(303);
    const { rows } = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'instance_settings_changed' order by id desc limit 1`, [
      acme.id,
    ]);
    expect(rows[0].details).toEqual({ defaultLanguage: 'bg', timeZone: 'Europe/Sofia' });

    // An unknown browser language now gets Bulgarian; a known one still wins.
    const unknown = await agentFor(t, acme.host).get('/login').set('Accept-Language', 'fr');
    expect(htmlLang(unknown.text)).toBe('bg');
    expect(unknown.text).toContain('>Вход</button>');
    expect(htmlLang((await agentFor(t, acme.host).get('/login').set('Accept-Language', 'de')).text)).toBe('de');
    // The administrator has no language of their own: their pages follow the instance default.
    const mine = await admin.get('/security/settings');
    expect(htmlLang(mine.text)).toBe('bg');
    expect(mine.text).toContain('<option selected>Europe/Sofia</option>');

    // Back to English, so the other tests read English pages.
    expect((await submitForm(admin, '/security/settings', '/security/settings', { defaultLanguage: 'en', timeZone: 'UTC' })).status).toBe(303);
    expect(htmlLang((await admin.get('/security/settings')).text)).toBe('en');
  });

  it('the user form has Language; a logged-in user with language de sees German pages, whatever the browser says', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Administrator'] });
    const form = await admin.get(`/security/users/${user.id}`);
    expect(form.text).toContain('<label for="language">Language</label>');
    expect(form.text).toMatch(/<option value="" selected\s*>Instance default<\/option>/);
    expect(form.text).toContain('>Deutsch</option>');
    const version = /name="version" value="(\d+)"/.exec(form.text)![1];
    const save = (language: string) =>
      submitForm(admin, `/security/users/${user.id}`, `/security/users/${user.id}`, {
        login: user.login,
        name: user.name,
        email: user.email!,
        userType: 'Internal',
        roles: String(acme.roles.Administrator),
        version,
        language,
      });
    expect((await save('xx')).status).toBe(400);
    expect((await save('de')).status).toBe(303);
    expect((await t.db.query('select language from app_user where tenant_id = $1 and id = $2', [acme.id, user.id])).rows[0].language).toBe('de');
    const { rows } = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'user_updated' and target_id = $2`, [
      acme.id,
      String(user.id),
    ]);
    expect(rows.map((r) => r.details.language)).toContain('de');

    const { agent } = await login(t, acme.host, user.login, user.password);
    const home = await agent.get('/').set('Accept-Language', 'bg');
    expect(htmlLang(home.text)).toBe('de');
    expect(home.text).toContain('>Abmelden</button>');
    const users = await agent.get('/security/users');
    expect(users.text).toContain('<h1>Benutzer</h1>');
  });

  it('My account: Language saved for the user and applied on the next page', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Worker'] });
    const { agent } = await login(t, acme.host, user.login, user.password);
    const page = await agent.get('/account');
    expect(page.text).toContain('<h2 id="language-title">Language</h2>');
    expect((await submitForm(agent, '/account', '/account/language', { language: 'klingon' })).status).toBe(400);
    const res = await submitForm(agent, '/account', '/account/language', { language: 'bg' });
    expect(res.status).toBe(303);
    const after = await agent.get('/account?notice=language-changed');
    expect(htmlLang(after.text)).toBe('bg');
    expect(after.text).toContain('Езикът Ви е запазен.');
    expect(after.text).toContain('<h1>Моят профил</h1>');
    const audit = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'user_language_changed'`, [acme.id]);
    expect(audit.rows.at(-1)?.details).toEqual({ before: null, after: 'bg' });
    // Back to the instance default.
    expect((await submitForm(agent, '/account', '/account/language', { language: '' })).status).toBe(303);
    expect(htmlLang((await agent.get('/account')).text)).toBe('en');
  });
});

describe('languages: the reminder mail', () => {
  let world: MailWorld;

  beforeAll(async () => {
    world = await startMailWorld({ displayName: 'Acme', env: REMINDER_ENV });
    await world.t.app.get(InvitationRemindersService).stop();
  });
  afterAll(() => world?.close());

  it('goes out in the invitee language, like the invitation', async () => {
    const { t, smtp, acme, admin } = world;
    const user = await userFactory(t.db, acme, { userType: INVITE, roles: ['Worker'], password: null });
    await t.db.query(`update app_user set language = 'bg' where tenant_id = $1 and id = $2`, [acme.id, user.id]);
    await submitForm(admin, `/security/users/${user.id}/invitations/new`, `/security/users/${user.id}/invitations`, {});
    await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(1);
    await expect
      .poll(async () => (await t.db.query('select status from invitation where user_id = $1 order by id desc limit 1', [user.id])).rows[0].status)
      .toBe('sent');
    t.clock.advance(INTO_REMINDER_WINDOW);
    expect(await t.app.get(InvitationRemindersService).sweep()).toBe(1);
    await expect.poll(() => smtp.to(user.email!).length, { timeout: 10_000 }).toBe(2);
    const reminder = smtp.to(user.email!)[1];
    expect(reminder.subject).toBe(`Напомняне: покана за присъединяване към ${acme.name}.localhost`);
    expect(htmlLang(String(reminder.html))).toBe('bg');
    expect(reminder.text).toContain('Създаване на профил: http://');
  });
});
