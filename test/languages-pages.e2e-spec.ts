import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../src/common/i18n/i18n.js';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, htmlLang, login, submitForm, unescapeHtml, uploadUsersCsv, type Agent } from './support/http.js';
import { openInvitationFor } from './support/invitations.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Every page rendered in German and in Bulgarian shows no English text of the catalogue: each text
 * node (and each accessible name: aria-label, placeholder, alt, title) is compared with the English
 * values. A page that forgot a translation, or a message that code handed over untranslated, fails.
 */
const english = loadCatalogue('en');

/** Words that are the same in German or Bulgarian on purpose (a shared word, a product name). */
const SAME_IN_EVERY_LANGUAGE = new Set([
  'OK', // the button of every confirmation, as in SAP and Odoo in each language
  'Name', // German: Name
  'Status', // German: Status
  'Code', // German: Code
  'Details', // German: Details
  'Passkeys', // German: Passkeys (the product word)
  'Logo', // German: Logo
]);

/** The fixed English texts: whole values, and the literal parts of values with placeholders or markup. */
const englishTexts = new Set<string>();
for (const value of Object.values(english)) {
  if (SAME_IN_EVERY_LANGUAGE.has(value)) continue;
  for (const part of value
    .replace(/<[^>]+>/g, '\u0000')
    .split(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\u0000/)
    .map((p) => p.trim())) {
    // A literal part that says something on its own: two words or more, or the whole value.
    if (part && (part === value.trim() || (part.includes(' ') && part.length >= 10))) englishTexts.add(part);
  }
}

/** What a person (or a screen reader) reads on the page: text nodes, accessible names and the scripts' texts. */
function visibleTexts(html: string): string[] {
  // data-msg-*: the texts the page's scripts show (passkey errors, the Remove role label).
  const names = [...html.matchAll(/\s(?:aria-label|placeholder|alt|title|data-msg-[a-z-]+)="([^"]*)"/g)].map((m) => m[1]);
  const body = html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    // Values a file or field must hold literally (the CSV's user types), shown as code: not prose.
    .replace(/<code>[\s\S]*?<\/code>/g, '');
  const nodes = body.split(/<[^>]*>/);
  return [...names, ...nodes].map((s) => unescapeHtml(s).replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** English catalogue texts found on the page. */
function englishOn(html: string): string[] {
  const found = new Set<string>();
  for (const text of visibleTexts(html)) {
    if (englishTexts.has(text)) found.add(text);
    else for (const part of englishTexts) if (part.includes(' ') && part.length >= 10 && text.includes(part)) found.add(part);
  }
  return [...found];
}

describe('every page in German and Bulgarian, without an English catalogue text', () => {
  let t: TestApp;
  let acme: TestTenant;
  let admin: Agent;
  let adminId: number;
  let invitee: TestUser;
  let plain: TestUser;
  let worker: Agent;
  let nobody: Agent;
  let importPath: string;
  let badImportPath: string;
  let roleId: number;
  const pages: { name: string; get: (lang: string) => Promise<{ status: number; text: string }> }[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    acme = await tenantFactory(t, { displayName: 'Acme AG' });
    admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
    adminId = (await t.db.query(`select id from app_user where tenant_id = $1 and login = 'admin'`, [acme.id])).rows[0].id;
    invitee = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    await openInvitationFor(t.db, acme.id, invitee.id);
    plain = await userFactory(t.db, acme, { roles: ['Worker'] });
    const workerUser = await userFactory(t.db, acme, { roles: ['Worker'] });
    worker = (await login(t, acme.host, workerUser.login, workerUser.password)).agent;
    const roleless = await userFactory(t.db, acme, { roles: [] });
    nobody = (await login(t, acme.host, roleless.login, roleless.password)).agent;
    for (const id of [workerUser.id, roleless.id]) await t.db.query('update app_user set language = null where id = $1', [id]);
    roleId = acme.roles.Worker;
    // An import waiting for its go-ahead (preview).
    const up = await uploadUsersCsv(admin, 'login,name,email,user_type,roles,language\nnew1,New One,new1@example.com,Internal,Worker,de\n');
    expect(up.status).toBe(303);
    importPath = up.headers.location;
    // And one with bad rows: their reasons are stored in English and shown in the reader's language.
    const bad = await uploadUsersCsv(
      admin,
      'login,name,email,user_type,roles,language\nadmin,Admin,,Internal,,\nx1,X,not-an-email,Internal,,\nx2,X,,Boss,,\nx3,X,,Internal,Nope,\nx4,X,,Internal,,fr\nx5,X,,Internal\nx6,X,,Internal,,\nx6,X,,Internal,,\n',
      'bad.csv',
    );
    expect(bad.status).toBe(303);
    badImportPath = bad.headers.location;
    // The audit log has a few events in it (logins, the import's user not yet).
    await submitForm(admin, `/security/roles/${roleId}`, `/security/roles/${roleId}`, { name: 'Worker' });

    const asAdmin = (path: string) => async (lang: string) => {
      await t.db.query('update app_user set language = $2 where id = $1', [adminId, lang]);
      return admin.get(path);
    };
    // Users without a language of their own see the instance's default.
    const asDefault = (agent: Agent, path: string) => async (lang: string) => {
      await t.db.query(
        `insert into tenant_settings (tenant_id, default_language) values ($1, $2) on conflict (tenant_id) do update set default_language = $2`,
        [acme.id, lang],
      );
      t.app.get((await import('../src/tenancy/tenants.service.js')).TenantsService).forget(acme.name);
      return agent.get(path);
    };
    const anonymous = (path: string) => (lang: string) => agentFor(t, acme.host).get(path).set('Accept-Language', lang);
    const add = (name: string, get: (lang: string) => Promise<{ status: number; text: string }>) => pages.push({ name, get });

    add('login', anonymous('/login'));
    add('login (session ended)', anonymous('/login?expired=1'));
    add('forgot password', anonymous('/password/forgot'));
    add('forgot password, answered', (lang) =>
      submitForm(agentFor(t, acme.host).set('Accept-Language', lang), '/password/forgot', '/password/forgot', { login: 'nobody-at-all' }),
    );
    add('reset link, dead', anonymous('/password/reset/not-a-real-token'));
    add('create account link, dead', anonymous('/invitation/not-a-real-token'));
    add('request a new invitation, answered', (lang) =>
      submitForm(agentFor(t, acme.host).set('Accept-Language', lang), '/invitation/not-a-real-token', '/invitation/not-a-real-token/request', {}),
    );
    add('create account (the invitee has this language)', async (lang) => {
      await t.db.query('update app_user set language = $2 where id = $1', [invitee.id, lang]);
      const token = await openInvitationFor(t.db, acme.id, invitee.id);
      return agentFor(t, acme.host).get(`/invitation/${token}`);
    });
    add('create account, wrong passwords', async (lang) => {
      await t.db.query('update app_user set language = $2 where id = $1', [invitee.id, lang]);
      const token = await openInvitationFor(t.db, acme.id, invitee.id);
      return submitForm(agentFor(t, acme.host), `/invitation/${token}`, `/invitation/${token}`, { password: 'short', confirmPassword: 'other' });
    });
    add('create account while logged in', async (lang) => {
      const token = await openInvitationFor(t.db, acme.id, invitee.id);
      return asAdmin(`/invitation/${token}`)(lang);
    });
    add('unknown instance (browser language)', (lang) => agentFor(t, t.host('no-such-instance-here')).get('/login').set('Accept-Language', lang));
    add('landing page (browser language)', (lang) => agentFor(t, `localhost:${t.port}`).get('/').set('Accept-Language', lang));
    add('landing page, bad name', (lang) => agentFor(t, `localhost:${t.port}`).get('/go?instance=-x').set('Accept-Language', lang));
    add('home', asAdmin('/'));
    add('security', asAdmin('/security'));
    add('users list', asAdmin('/security/users'));
    add('users list, searched', asAdmin('/security/users?q=u'));
    add('users list, notice', asAdmin('/security/users?notice=saved'));
    add('new user form', asAdmin('/security/users/new'));
    add('user form with an invitation', asAdmin(`/security/users/${invitee.id}`));
    add('user form, Internal user', asAdmin(`/security/users/${plain.id}`));
    add('user form, invalid', async (lang) => {
      await asAdmin('/')(lang);
      return submitForm(admin, '/security/users/new', '/security/users', { login: '', name: '', email: 'not-an-email', userType: 'Internal' });
    });
    add('send invitation mail (confirm)', asAdmin(`/security/users/${invitee.id}/invitations/new`));
    add('send invitation mail (refused)', asAdmin(`/security/users/${plain.id}/invitations/new`));
    add('extend invitation (confirm)', asAdmin(`/security/users/${invitee.id}/invitations/extend`));
    add('send password reset mail (confirm)', asAdmin(`/security/users/${plain.id}/password-reset`));
    add('deactivate user (confirm)', asAdmin(`/security/users/${plain.id}/deactivate`));
    add('reset two-step login (confirm)', asAdmin(`/security/users/${plain.id}/reset-two-step`));
    add('import users', asAdmin('/security/users/import'));
    add('import preview', (lang) => asAdmin(importPath)(lang));
    add('import preview with bad rows', (lang) => asAdmin(badImportPath)(lang));
    add('import, file refused', async (lang) => {
      await asAdmin('/')(lang);
      return uploadUsersCsv(admin, 'name,login\nx,y\n', 'wrong.csv');
    });
    add('roles', asAdmin('/security/roles'));
    add('role', asAdmin(`/security/roles/${roleId}`));
    add('groups', asAdmin('/security/groups'));
    add('group', asAdmin(`/security/groups/${acme.everybodyId}`));
    add('audit log', asAdmin('/security/audit'));
    add('settings', asAdmin('/security/settings'));
    add('my account', asAdmin('/account'));
    add('my account, notice', asAdmin('/account?notice=password-changed'));
    add('set up authenticator app', asAdmin('/account/two-step/app'));
    add('404 inside the app', asAdmin('/security/users/999999'));
    add('403 (no Security role)', asDefault(worker, '/security/users'));
    add('no assigned roles', asDefault(nobody, '/'));
  });
  afterAll(() => t?.close());

  for (const lang of ['de', 'bg'] as const) {
    it(`${lang}: every page says <html lang="${lang}"> and shows no English catalogue text`, async () => {
      const problems: string[] = [];
      for (const page of pages) {
        const res = await page.get(lang);
        if (![200, 400, 403, 404, 410].includes(res.status)) problems.push(`${page.name}: status ${res.status}`);
        const declared = htmlLang(res.text);
        if (declared !== lang) problems.push(`${page.name}: <html lang="${declared}">`);
        for (const text of englishOn(res.text)) problems.push(`${page.name}: "${text}"`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('the audit log names whom an event is about in the reader’s language', async () => {
    const audit = pages.find((page) => page.name === 'audit log')!;
    expect((await audit.get('de')).text).toMatch(/>Benutzer #\d+</);
    expect((await audit.get('bg')).text).toMatch(/>потребител №\d+</);
  });

  it('the check itself finds English: the same pages in English are full of it', async () => {
    const res = await agentFor(t, acme.host).get('/login').set('Accept-Language', 'en');
    expect(englishOn(res.text)).toEqual(expect.arrayContaining(['Log in', 'Forgot password?', 'Log in with a passkey']));
  });
});
