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
      .send({ _csrf: await newUserForm(), login: 'jdoe', name: 'Jane Doe', email: 'jane@example.com', userType: 'Invitation Internal (No login)', roles: [String(acme.roles.Salesperson), String(acme.roles.Manager)], _action: 'reload' });
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
});
