import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNUP_PATH } from '../src/invitations/invitation-mails.js';
import { openInvitationFor } from './support/invitations.js';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, csrfOf, login, submitForm, type Agent } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The account around the invitation (issue 12): My account, Change password, Deactivate and Reactivate, signup while logged in. */
describe('the account around the invitation', () => {
  let t: TestApp;
  /** A second app process on the same database: sessions ended on one must end on the other. */
  let t2: TestApp;
  let acme: TestTenant;
  let admin: Agent;

  beforeAll(async () => {
    t = await createTestApp();
    t2 = await createTestApp({ databaseUrl: t.databaseUrl, env: { SESSION_SECRET: t.config.sessionSecret } });
    acme = await tenantFactory(t, { displayName: 'Acme Corp' });
    admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  });
  afterAll(async () => {
    await t2?.close();
    await t?.close();
  });

  const loggedIn = async (app: TestApp, user: { login: string; password: string }) => {
    const { agent, res } = await login(app, acme.host, user.login, user.password);
    expect(res.status).toBe(303);
    return agent;
  };
  /** The session is gone: My account answers with the way to the login page, not the page. */
  const isAnonymous = async (agent: Agent) => {
    const res = await agent.get('/account');
    return res.status >= 300 && res.status < 500 && !res.text.includes('Change password');
  };
  const audit = async (event: string, targetId: number) =>
    (await t.db.query('select details from audit_event where tenant_id = $1 and event = $2 and target_id = $3', [acme.id, event, targetId])).rows;

  describe('My account', () => {
    it('shows name, login, instance and the last login, and is linked from every page', async () => {
      const user = await userFactory(t.db, acme, { name: 'Mia Mine', roles: ['Salesperson'] });
      await loggedIn(t, user);
      const agent = await loggedIn(t, user);
      const home = await agent.get('/');
      expect(home.text).toMatch(/<a href="\/account"[^>]*>My account<\/a>/);
      const page = await agent.get('/account');
      expect(page.status).toBe(200);
      for (const text of ['Mia Mine', user.login, 'Acme Corp', 'Last login', 'Change password', 'Current password', 'New password', 'Confirm password']) {
        expect(page.text).toContain(text);
      }
      expect(page.text).toMatch(/Last login<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      for (const name of ['currentPassword', 'password', 'confirmPassword']) expect(page.text).toContain(`name="${name}"`);
    });

    it('is open to a user without roles', async () => {
      const user = await userFactory(t.db, acme, { roles: [] });
      const agent = await loggedIn(t, user);
      expect((await agent.get('/account')).status).toBe(200);
    });
  });

  describe('Change password', () => {
    it('refuses a wrong current password and counts it as a failed login', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const agent = await loggedIn(t, user);
      const res = await submitForm(agent, '/account', '/account/password', {
        currentPassword: 'wrong one',
        password: 'a brand new secret',
        confirmPassword: 'a brand new secret',
      });
      expect(res.status).toBe(400);
      expect(res.text).toContain('This is not your current password.');
      expect(res.text).not.toContain('a brand new secret');
      // This browser logged in as the user, so the failure counts on its own key (device cookie), like a login from it would.
      const rows = await t.db.query<{ key: string; failures: number }>(
        `select key, failures from login_throttle where key like $1 and last_failure_at > now() - interval '10 seconds'`,
        [`dev:${acme.id}:%`],
      );
      expect(rows.rows.map((r) => r.failures)).toEqual([1]);
      expect(await audit('authn_password_confirm_fail', user.id)).toHaveLength(1);
      expect((await login(t, acme.host, user.login, user.password)).res.status).toBe(303);
    });

    it('applies the signup rules to the new password', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const agent = await loggedIn(t, user);
      const short = await submitForm(agent, '/account', '/account/password', { currentPassword: user.password, password: 'short', confirmPassword: 'short' });
      expect(short.status).toBe(400);
      expect(short.text).toContain('Use at least 8 characters.');
      const mismatch = await submitForm(agent, '/account', '/account/password', {
        currentPassword: user.password,
        password: 'long enough pass',
        confirmPassword: 'other',
      });
      expect(mismatch.text).toContain('The passwords do not match.');
      const array = await agent
        .post('/account/password')
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfOf((await agent.get('/account')).text))}&password=a&password=b`);
      expect(array.status).toBe(400);
    });

    it('ends the other sessions (also on another process), keeps this one under a new id, and swaps the passwords', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const other = await loggedIn(t2, user);
      const agent = await loggedIn(t, user);
      const before = (await t.db.query('select sid from session where sess::jsonb #>> $1 = $2', ['{passport,user,id}', String(user.id)])).rows.map(
        (r) => r.sid,
      );
      expect(before).toHaveLength(2);
      const res = await submitForm(agent, '/account', '/account/password', {
        currentPassword: user.password,
        password: 'my new long secret',
        confirmPassword: 'my new long secret',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/account?notice=password-changed');
      const page = await agent.get('/account?notice=password-changed');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Your password has been changed.');
      const after = (await t.db.query('select sid from session where sess::jsonb #>> $1 = $2', ['{passport,user,id}', String(user.id)])).rows.map((r) => r.sid);
      expect(after).toHaveLength(1);
      expect(before).not.toContain(after[0]);
      expect(await isAnonymous(other)).toBe(true);
      expect((await login(t, acme.host, user.login, user.password)).res.status).toBe(401);
      expect((await login(t, acme.host, user.login, 'my new long secret')).res.status).toBe(303);
      expect(await audit('password_changed', user.id)).toHaveLength(1);
    });
  });

  describe('Deactivate and Reactivate', () => {
    let victim: TestUser;

    beforeAll(async () => {
      victim = await userFactory(t.db, acme, { name: 'Victor Leaving', roles: ['Salesperson'] });
    });

    it('offers Deactivate user in the Run menu with a dialog, and a confirmation page without JavaScript', async () => {
      const form = await admin.get(`/security/users/${victim.id}`);
      expect(form.text).toContain(`href="/security/users/${victim.id}/deactivate" data-dialog="deactivate-dialog">Deactivate user</a>`);
      expect(form.text).toMatch(/<dialog id="deactivate-dialog"[\s\S]*OK[\s\S]*Cancel/);
      const confirm = await admin.get(`/security/users/${victim.id}/deactivate`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Deactivate <strong>Victor Leaving</strong>');
      expect(confirm.text).toMatch(/<button type="submit" class="btn btn-primary">OK<\/button>/);
      expect(confirm.text).toContain('>Cancel</a>');
    });

    it('ends a live session on another process at once, refuses login like a wrong password, kills the open link, shows Deactivated', async () => {
      const session = await loggedIn(t2, victim);
      expect((await session.get('/')).status).toBe(200);
      const token = await openInvitationFor(t.db, acme.id, victim.id);
      const res = await submitForm(admin, `/security/users/${victim.id}/deactivate`, `/security/users/${victim.id}/deactivate`, {});
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/security/users/${victim.id}?notice=user-deactivated`);
      expect(await isAnonymous(session)).toBe(true);

      const refused = await login(t, acme.host, victim.login, victim.password);
      const wrong = await login(t, acme.host, victim.login, 'not the password');
      expect(refused.res.status).toBe(401);
      const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');
      expect(strip(refused.res.text)).toBe(strip(wrong.res.text));

      expect((await agentFor(t, acme.host).get(`${SIGNUP_PATH}/${token}`)).status).toBe(410);
      const list = await admin.get(`/security/users?q=${victim.login}`);
      expect(list.text).toContain('<th scope="col">Status</th>');
      expect(list.text).toMatch(/badge badge-err">Deactivated/);
      expect((await admin.get('/security/users?status=deactivated')).text).toContain(victim.login);
      expect((await admin.get('/security/users?status=active')).text).not.toContain(victim.login);
      const [entry] = await audit('user_deactivated', victim.id);
      expect(entry.details).toMatchObject({ sessionsEnded: 1, linksRevoked: 1 });
    });

    it('reactivates: Reactivate user in the menu, login works again, audited', async () => {
      const form = await admin.get(`/security/users/${victim.id}`);
      expect(form.text).toContain('This user is deactivated and cannot log in.');
      expect(form.text).toContain('>Reactivate user</a>');
      const res = await submitForm(admin, `/security/users/${victim.id}/reactivate`, `/security/users/${victim.id}/reactivate`, {});
      expect(res.status).toBe(303);
      expect((await login(t, acme.host, victim.login, victim.password)).res.status).toBe(303);
      expect(await audit('user_reactivated', victim.id)).toHaveLength(1);
      expect((await admin.get('/security/users?status=active')).text).toContain(victim.login);
    });

    it('refuses to deactivate yourself', async () => {
      const adminId = Number((await t.db.query('select id from app_user where tenant_id = $1 and login = $2', [acme.id, 'admin'])).rows[0].id);
      const form = await admin.get(`/security/users/${adminId}`);
      expect(form.text).toContain('You cannot deactivate yourself.');
      const res = await submitForm(admin, `/security/users/${adminId}`, `/security/users/${adminId}/deactivate`, {});
      expect(res.status).toBe(409);
      expect(res.text).toContain('You cannot deactivate yourself.');
      expect((await t.db.query('select deactivated_at from app_user where id = $1', [adminId])).rows[0].deactivated_at).toBeNull();
      expect(await audit('user_deactivate_refused', adminId)).toHaveLength(1);
    });

    it('never lets the instance lose its last active Security user, by role removal or a no-login type', async () => {
      const solo = await tenantFactory(t);
      const soloAdmin = (await login(t, solo.host, solo.admin.login, solo.admin.password)).agent;
      const adminRow = (await t.db.query('select id, version from app_user where tenant_id = $1', [solo.id])).rows[0];
      const page = await soloAdmin.get(`/security/users/${adminRow.id}`);
      const base = {
        _csrf: csrfOf(page.text),
        login: 'admin',
        name: 'Administrator',
        email: `admin@${solo.name}.example.com`,
        version: String(adminRow.version),
        _action: 'save',
      };
      for (const change of [
        { userType: 'Internal', roles: [String(solo.roles.Salesperson)] },
        { userType: 'Invitation Internal (No login)', roles: [String(solo.roles.Administrator)] },
      ]) {
        const res = await soloAdmin
          .post(`/security/users/${adminRow.id}`)
          .type('form')
          .send({ ...base, ...change });
        expect(res.status).toBe(409);
        expect(res.text).toContain('This is the last active user who may use the Security module');
      }
      const roles = await t.db.query('select role_id from user_role where tenant_id = $1 and user_id = $2', [solo.id, adminRow.id]);
      expect(roles.rows.map((r) => r.role_id)).toEqual([solo.roles.Administrator]);
      expect((await soloAdmin.get('/security/users')).status).toBe(200);
    });
  });

  describe('Create Account link opened while logged in as someone else', () => {
    it('says who is logged in, never attaches the invitation, and Log out and continue leads to the form', async () => {
      const invitee = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Salesperson'], password: null });
      const token = await openInvitationFor(t.db, acme.id, invitee.id);
      const someone = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const agent = await loggedIn(t, someone);
      const page = await agent.get(`${SIGNUP_PATH}/${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`You are logged in as ${someone.login}.`);
      expect(page.text).toContain('Log out and continue');
      expect(page.text).not.toContain('name="confirmPassword"');

      const post = await agent
        .post(`${SIGNUP_PATH}/${token}`)
        .type('form')
        .send({ _csrf: csrfOf(page.text), password: 'invitee secret pw', confirmPassword: 'invitee secret pw' });
      expect(post.status).toBe(409);
      const state = await t.db.query('select status from invitation where tenant_id = $1 and user_id = $2', [acme.id, invitee.id]);
      expect(state.rows[0].status).toBe('sent');
      const someoneRow = await t.db.query('select user_type, password_hash from app_user where id = $1', [someone.id]);
      expect(someoneRow.rows[0].user_type).toBe('Internal');

      const out = await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfOf(page.text), next: `${SIGNUP_PATH}/${token}` });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe(`${SIGNUP_PATH}/${token}`);
      const form = await agent.get(out.headers.location);
      expect(form.status).toBe(200);
      expect(form.text).toContain('name="confirmPassword"');
      expect((await agent.post('/logout').type('form').send({ _csrf: 'x', next: '//evil.example' })).headers.location ?? '').not.toContain('evil');
    });
  });
});
