import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, type TestTenant } from './support/factories.js';
import { agentFor, login } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('tenancy', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestApp();
    acme = await tenantFactory(t, { displayName: 'Acme Corp' });
  });
  afterAll(() => t.close());

  it('serves the login page of an instance on its host', async () => {
    const res = await agentFor(t, acme.host).get('/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Acme Corp');
    expect(res.text).toMatch(/<label for="login">Login<\/label>/);
  });

  it('answers 404 for an unknown instance without naming any other', async () => {
    const res = await agentFor(t, t.host('nosuch')).get('/');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(acme.name);
    expect(res.text).not.toContain('Acme');
  });

  it('answers 404 for a host that is not under the base host', async () => {
    const res = await agentFor(t, 'evil.example.com').get('/login');
    expect(res.status).toBe(404);
  });

  it('shows the "Go to your instance" form on the bare base host', async () => {
    const res = await agentFor(t, `localhost:${t.port}`).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Go to your instance');
    expect(res.text).not.toContain(acme.name);
    const go = await agentFor(t, `localhost:${t.port}`).get('/go?instance=' + acme.name);
    expect(go.status).toBe(303);
    expect(go.headers.location).toBe(`http://${acme.host}/login`);
  });

  it('reaches the instance home after login', async () => {
    const { agent, res } = await login(t, acme.host, acme.admin.login, acme.admin.password);
    expect(res.status).toBe(303);
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Acme Corp');
  });

  it('answers health checks on any host', async () => {
    expect((await agentFor(t, '10.0.0.1').get('/health/live')).status).toBe(200);
    const ready = await agentFor(t, '10.0.0.1').get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'up' });
  });
});
