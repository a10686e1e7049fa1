import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant } from './support/factories.js';
import { csrfOf, login, type Agent } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('Security module: users', () => {
  let t: TestApp;
  let acme: TestTenant;
  let beta: TestTenant;
  let admin: Agent;

  beforeAll(async () => {
    t = await createTestApp();
    acme = await tenantFactory(t);
    beta = await tenantFactory(t);
    admin = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
  });
  afterAll(() => t.close());

  const newUserForm = async () => csrfOf((await admin.get('/security/users/new')).text);
  const countUsers = async (tenantId: number) => Number((await t.db.query('select count(*) from app_user where tenant_id = $1', [tenantId])).rows[0].count);

  it('creates a user with two roles and shows them after Save and reload', async () => {
    const res = await admin
      .post('/security/users')
      .type('form')
      .send({
        _csrf: await newUserForm(),
        login: 'jdoe',
        name: 'Jane Doe',
        email: 'jane@example.com',
        userType: 'Invitation Internal (No login)',
        roles: [String(acme.roles.Salesperson), String(acme.roles.Manager)],
        _action: 'reload',
      });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/security\/users\/\d+\?notice=saved$/);
    const page = await admin.get(res.headers.location);
    expect(page.text).toContain('value="jdoe"');
    expect(page.text).toContain('The user has been saved.');
    expect(page.text).toMatch(/<option value="Invitation Internal \(No login\)" selected>/);
    expect(page.text).toMatch(new RegExp(`<option value="${acme.roles.Salesperson}" selected>Salesperson`));
    expect(page.text).toMatch(new RegExp(`<option value="${acme.roles.Manager}" selected>Manager`));
  });

  it('lists, searches and pages users', async () => {
    const list = await admin.get('/security/users?q=jdoe');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Jane Doe');
    expect(list.text).not.toContain('>admin<');
  });

  describe('validation: the form comes back with a message and nothing is saved', () => {
    const valid = () => ({ login: 'valid1', name: 'Valid', email: 'v@example.com', userType: 'Internal', roles: [] as string[], _action: 'save' });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['empty login', { login: '' }, /Enter a login\./],
      ['duplicate login in another case', { login: 'ADMIN' }, /already used by another user/],
      ['bad email', { email: 'not-an-email' }, /Enter a valid email address/],
      ['unknown user type', { userType: 'Superuser' }, /Choose one of the user types/],
      ['a 10 KB name', { name: 'x'.repeat(10_240) }, /at most 200 characters/],
      ['a login with spaces', { login: 'two words' }, /letters, digits/],
    ];
    for (const [label, change, message] of cases) {
      it(label, async () => {
        const before = await countUsers(acme.id);
        const res = await admin
          .post('/security/users')
          .type('form')
          .send({ _csrf: await newUserForm(), ...valid(), ...change });
        expect(res.status).toBe(400);
        expect(res.text).toMatch(message);
        expect(res.text).toContain('aria-invalid="true"');
        expect(await countUsers(acme.id)).toBe(before);
      });
    }

    it('a role id of another instance', async () => {
      const before = await countUsers(acme.id);
      const res = await admin
        .post('/security/users')
        .type('form')
        .send({ _csrf: await newUserForm(), ...valid(), roles: [String(beta.roles.Manager)] });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/Choose a role from the list\./);
      expect(await countUsers(acme.id)).toBe(before);
    });

    it('keeps everything typed, role lines included', async () => {
      const res = await admin
        .post('/security/users')
        .type('form')
        .send({ _csrf: await newUserForm(), ...valid(), login: '', name: 'Kept <Name>', roles: [String(acme.roles.Worker), ''] });
      expect(res.status).toBe(400);
      expect(res.text).toContain('value="Kept &lt;Name&gt;"');
      expect(res.text).toMatch(new RegExp(`<option value="${acme.roles.Worker}" selected>Worker`));
      expect((res.text.match(/<select name="roles"/g) ?? []).length).toBe(3); // two lines + the template line
    });

    it('refuses a duplicate role line', async () => {
      const res = await admin
        .post('/security/users')
        .type('form')
        .send({ _csrf: await newUserForm(), ...valid(), roles: [String(acme.roles.Worker), String(acme.roles.Worker)] });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/already in the list/);
    });
  });

  it('Add role without JavaScript re-renders the form with one more line and saves nothing', async () => {
    const before = await countUsers(acme.id);
    const res = await admin
      .post('/security/users')
      .type('form')
      .send({ _csrf: await newUserForm(), login: 'partial', name: 'Partial', userType: 'Internal', _action: 'add-role' });
    expect(res.status).toBe(200);
    expect((res.text.match(/<select name="roles"/g) ?? []).length).toBe(2);
    expect(res.text).toContain('value="partial"');
    expect(await countUsers(acme.id)).toBe(before);
  });

  it('Save and close goes to the list, Save and new to an empty form', async () => {
    const close = await admin
      .post('/security/users')
      .type('form')
      .send({ _csrf: await newUserForm(), login: 'closer', name: 'Closer', userType: 'Internal', _action: 'close' });
    expect(close.headers.location).toBe('/security/users?notice=saved');
    const next = await admin
      .post('/security/users')
      .type('form')
      .send({ _csrf: await newUserForm(), login: 'newer', name: 'Newer', userType: 'Internal', _action: 'new' });
    expect(next.headers.location).toBe('/security/users/new?notice=saved');
  });

  it("refuses a stale save and keeps both admins' data", async () => {
    const user = await userFactory(t.db, acme, { roles: ['Worker'] });
    const second = (await login(t, acme.host, acme.admin.login, acme.admin.password)).agent;
    const pageA = await admin.get(`/security/users/${user.id}`);
    const pageB = await second.get(`/security/users/${user.id}`);
    const version = pageA.text.match(/name="version" value="(\d+)"/)![1];
    const saveB = await second
      .post(`/security/users/${user.id}`)
      .type('form')
      .send({
        _csrf: csrfOf(pageB.text),
        version,
        login: user.login,
        name: 'Name by B',
        email: '',
        userType: 'Internal',
        roles: [String(acme.roles.Manager)],
        _action: 'save',
      });
    expect(saveB.status).toBe(303);
    const saveA = await admin
      .post(`/security/users/${user.id}`)
      .type('form')
      .send({ _csrf: csrfOf(pageA.text), version, login: user.login, name: 'Name by A', email: '', userType: 'Internal', roles: [], _action: 'save' });
    expect(saveA.status).toBe(409);
    expect(saveA.text).toMatch(/Someone else saved this user/);
    expect(saveA.text).toContain('value="Name by A"');
    const row = (await t.db.query('select name from app_user where id = $1', [user.id])).rows[0];
    expect(row.name).toBe('Name by B');
    const roles = await t.db.query('select role_id from user_role where user_id = $1', [user.id]);
    expect(roles.rows.map((r) => r.role_id)).toEqual([acme.roles.Manager]);
  });

  it('audits role and type changes with before and after', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Worker'], userType: 'Invitation Internal (No login)' });
    const page = await admin.get(`/security/users/${user.id}`);
    const version = page.text.match(/name="version" value="(\d+)"/)![1];
    await admin
      .post(`/security/users/${user.id}`)
      .type('form')
      .send({
        _csrf: csrfOf(page.text),
        version,
        login: user.login,
        name: user.name,
        email: user.email!,
        userType: 'Invitation External (No login)',
        roles: [String(acme.roles.Salesperson)],
        _action: 'save',
      })
      .expect(303);
    const events = await t.db.query('select event, actor_login, details from audit_event where tenant_id = $1 and target_id = $2 order by id', [
      acme.id,
      user.id,
    ]);
    const byName = Object.fromEntries(events.rows.map((e) => [e.event, e]));
    expect(byName.user_type_changed.details).toEqual({ before: 'Invitation Internal (No login)', after: 'Invitation External (No login)' });
    expect(byName.user_roles_changed.details).toEqual({ before: ['Worker'], after: ['Salesperson'] });
    expect(byName.user_roles_changed.actor_login).toBe('admin');
    const log = await admin.get('/security/audit');
    expect(log.status).toBe(200);
    expect(log.text).toContain('Roles changed');
    expect(log.text).toContain('&quot;Salesperson&quot;');
  });

  describe('tenant isolation', () => {
    it('answers 404 for a user or role of another instance, by URL or by form', async () => {
      const other = await userFactory(t.db, beta, { roles: ['Worker'] });
      expect((await admin.get(`/security/users/${other.id}`)).status).toBe(404);
      expect((await admin.get(`/security/roles/${beta.roles.Manager}`)).status).toBe(404);
      expect((await admin.get(`/security/groups/${beta.everybodyId}`)).status).toBe(404);
      const post = await admin
        .post(`/security/users/${other.id}`)
        .type('form')
        .send({ _csrf: await newUserForm(), version: '1', login: 'stolen', name: 'Stolen', userType: 'Internal', _action: 'save' });
      expect(post.status).toBe(404);
      const rename = await admin
        .post(`/security/roles/${beta.roles.Manager}`)
        .type('form')
        .send({ _csrf: await newUserForm(), name: 'Stolen' });
      expect(rename.status).toBe(404);
      expect((await t.db.query('select login from app_user where id = $1', [other.id])).rows[0].login).toBe(other.login);
      expect((await t.db.query('select name from role where id = $1', [beta.roles.Manager])).rows[0].name).toBe('Manager');
    });

    it('never lists users of another instance', async () => {
      const other = await userFactory(t.db, beta, { login: 'betaonly' });
      const list = await admin.get('/security/users?q=betaonly');
      expect(list.text).not.toContain(`>${other.login}</a>`);
      expect(list.text).toContain('No users found');
    });
  });

  describe('roles and groups navigators', () => {
    it('lists roles with member counts, creates and renames one, shows members', async () => {
      const list = await admin.get('/security/roles');
      expect(list.status).toBe(200);
      for (const name of ['Administrator', 'Salesperson', 'Manager', 'Worker']) expect(list.text).toContain(`>${name}</a>`);
      const created = await admin
        .post('/security/roles')
        .type('form')
        .send({ _csrf: csrfOf(list.text), name: 'Accountant' });
      expect(created.status).toBe(303);
      const dup = await admin
        .post('/security/roles')
        .type('form')
        .send({ _csrf: csrfOf(list.text), name: 'accountant' });
      expect(dup.status).toBe(400);
      expect(dup.text).toMatch(/already exists/);
      const id = (await t.db.query(`select id from role where tenant_id = $1 and name = 'Accountant'`, [acme.id])).rows[0].id;
      const renamed = await admin
        .post(`/security/roles/${id}`)
        .type('form')
        .send({ _csrf: csrfOf(list.text), name: 'Bookkeeper' });
      expect(renamed.status).toBe(303);
      const admins = await admin.get(`/security/roles/${acme.roles.Administrator}`);
      expect(admins.text).toContain('>admin</a>');
    });

    it('lists Everybody with its members', async () => {
      const groups = await admin.get('/security/groups');
      expect(groups.text).toContain('>Everybody</a>');
      const everybody = await admin.get(`/security/groups/${acme.everybodyId}`);
      expect(everybody.text).toContain('>admin</a>');
    });
  });
});
