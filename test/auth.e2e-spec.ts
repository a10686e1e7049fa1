import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, csrfOf, login, submitForm, type Agent } from './support/http.js';
import { LoginThrottleService } from '../src/auth/login-throttle.service.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The cookies a response sets, by name: `{ sid: { value, attrs: 'HttpOnly; ...' } }`. */
function setCookies(res: request.Response): Record<string, { value: string; raw: string }> {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const out: Record<string, { value: string; raw: string }> = {};
  for (const raw of header ?? []) {
    const [pair] = raw.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq).trim()] = { value: pair.slice(eq + 1).trim(), raw };
  }
  return out;
}

/** A login failure page with what legitimately differs (the CSRF token, the echoed login) blanked. */
function normalizeFailure(html: string, loginName: string): string {
  return html
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="CSRF"')
    .split(`value="${loginName}"`)
    .join('value="LOGIN"');
}

describe('sign-in (issue 3)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let beta: TestTenant;
  let sales: TestUser;
  let noRoles: TestUser;
  let invited: TestUser;

  /** A raw request to an instance with exactly the cookies given (no jar), like a replayed cookie. */
  const raw = (host: string, cookie?: string) => {
    const server = request(t.app.getHttpServer());
    return {
      get: (path: string) => (cookie ? server.get(path).set('Host', host).set('Cookie', cookie) : server.get(path).set('Host', host)),
      post: (path: string) => (cookie ? server.post(path).set('Host', host).set('Cookie', cookie) : server.post(path).set('Host', host)).type('form'),
    };
  };

  const sessionRow = async (sid: string) => (await t.db.query('select sid from session where sid = $1', [sid])).rowCount;

  /** The session id inside a signed `sid` cookie value (`s:<id>.<signature>`). */
  const sidOf = (cookieValue: string) =>
    decodeURIComponent(cookieValue)
      .slice(2)
      .replace(/\.[^.]+$/, '');

  const logInOk = async (host: string, user: { login: string; password: string }) => {
    const { agent, res } = await login(t, host, user.login, user.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    return { agent, res, sidCookie: setCookies(res).sid.value };
  };

  beforeAll(async () => {
    t = await createTestApp();
    acme = await tenantFactory(t, { displayName: 'Acme Corp' });
    beta = await tenantFactory(t, { displayName: 'Beta Ltd' });
    sales = await userFactory(t.db, acme, { name: 'Sally Sales', roles: ['Salesperson'] });
    noRoles = await userFactory(t.db, acme, { name: 'Nora Noroles', roles: [] });
    invited = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Salesperson'], password: null });
  });
  afterAll(() => t?.close());

  describe('1. shell and permissions', () => {
    it('shows an admin the shell with Security, the instance name, their name and Log out', async () => {
      const { agent } = await logInOk(acme.host, acme.admin);
      const home = await agent.get('/');
      expect(home.status).toBe(200);
      expect(home.text).toMatch(/<a href="\/security"[^>]*>Security<\/a>/);
      expect(home.text).toContain('Acme Corp');
      expect(home.text).toContain('Administrator');
      expect(home.text).toMatch(/<form method="post" action="\/logout"[\s\S]*?<button type="submit"[^>]*>Log out<\/button>/);
    });

    it('shows a Salesperson no Security link and refuses the Security pages with 403', async () => {
      const { agent } = await logInOk(acme.host, sales);
      const home = await agent.get('/');
      expect(home.status).toBe(200);
      expect(home.text).toContain('Sally Sales');
      expect(home.text).toContain('Log out');
      expect(home.text).not.toMatch(/href="\/security/);
      expect(home.text).not.toMatch(/>\s*Security\s*</);
      for (const path of ['/security', '/security/users']) {
        const res = await agent.get(path);
        expect(res.status, path).toBe(403);
        expect(res.text).toContain('Access denied');
      }
    });

    it('lets an admin open the Security pages', async () => {
      const { agent } = await logInOk(acme.host, acme.admin);
      for (const path of ['/security', '/security/users']) {
        const res = await agent.get(path);
        expect([200, 303], path).toContain(res.status);
      }
    });
  });

  describe('2. user without roles', () => {
    const noRolesText = (loginName: string) => [
      `The currently logged user ${loginName} has no assigned roles.`,
      `Please contact your system administrator to configure the roles for user ${loginName}.`,
    ];

    it('logs in and gets 403 with exactly the seed text on every page but logout; logout works', async () => {
      const { agent } = await logInOk(acme.host, noRoles);
      // The login page sends a logged-in user on to the start page, which refuses them the same way.
      const loginPage = await agent.get('/login');
      expect(loginPage.status).toBe(303);
      expect(loginPage.headers.location).toBe('/');
      for (const path of ['/', '/security', '/security/users', '/security/users/new']) {
        const res = await agent.get(path);
        expect(res.status, path).toBe(403);
        for (const line of noRolesText(noRoles.login)) expect(res.text, path).toContain(`<p>${line}</p>`);
        expect(res.text).not.toMatch(/href="\/security/);
      }
      const page = await agent.get('/');
      const out = await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfOf(page.text) });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/login?notice=logged-out');
      const after = await agent.get('/');
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/login/);
    });
  });

  describe('3. one answer for every failed login', () => {
    it('answers a wrong password, an unknown login and an invitation-type user identically', async () => {
      const attempts = [
        { login: sales.login, password: 'wrong password 1' },
        { login: 'nosuchuser', password: 'wrong password 1' },
        { login: invited.login, password: 'wrong password 1' },
        { login: invited.login, password: '' },
      ];
      const answers = [];
      for (const attempt of attempts) {
        const { res } = await login(t, acme.host, attempt.login, attempt.password);
        answers.push({
          status: res.status,
          type: res.headers['content-type'],
          cookies: Object.keys(setCookies(res)),
          body: normalizeFailure(res.text, attempt.login),
        });
      }
      expect(answers[0].status).toBe(401);
      expect(answers[0].body).toContain('Wrong login or password.');
      expect(answers[0].body).toContain('value="LOGIN"');
      expect(answers[0].cookies).not.toContain('sid');
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });

    it('keeps the login form usable after a failure: a valid token, the login kept, next kept', async () => {
      const agent = agentFor(t, acme.host);
      const first = await submitForm(agent, '/login?next=/security', '/login', { login: sales.login, password: 'nope nope', next: '/security' });
      expect(first.status).toBe(401);
      expect(first.text).toContain(`value="${sales.login}"`);
      expect(first.text).toContain('name="next" value="/security"');
      const retry = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(first.text), login: sales.login, password: sales.password, next: '/security' });
      expect(retry.status).toBe(303);
      expect(retry.headers.location).toBe('/security');
    });
    it('answers odd logins (very long, NUL, control characters) like any other failure', async () => {
      const { res: reference } = await login(t, acme.host, 'nosuchuser', 'whatever pass');
      for (const odd of ['x'.repeat(250), 'ad\u0000min', 'a\u0001\u001fb\u007f', '\u00e9\u0301\ud83d\ude00']) {
        const { res } = await login(t, acme.host, odd, 'whatever pass');
        expect(res.status, JSON.stringify(odd)).toBe(401);
        expect(res.text).toContain('Wrong login or password.');
        expect(normalizeFailure(res.text, 'ODD').replace(/value="[^"]*" >/, 'value="LOGIN" >')).toBe(normalizeFailure(reference.text, 'nosuchuser'));
      }
    });

    it('escapes the echoed login', async () => {
      const { res } = await login(t, acme.host, '"><script>alert(1)</script>', 'whatever pass');
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('<script>alert(1)');
      expect(res.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    });
  });

  describe('4. session cookies', () => {
    it('issues a new cookie at login; the pre-login cookie is not the session', async () => {
      const agent = agentFor(t, acme.host);
      const page = await agent.get('/login');
      const before = setCookies(page);
      expect(before.sid).toBeUndefined();
      expect(before.csrf).toBeDefined();
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(page.text), login: sales.login, password: sales.password });
      const after = setCookies(res);
      expect(after.sid.value).toBeTruthy();
      expect(after.sid.value).not.toBe(before.csrf.value);
      // The pre-login cookie alone is anonymous.
      const alone = await raw(acme.host, `csrf=${before.csrf.value}`).get('/');
      expect(alone.status).toBe(303);
      expect(alone.headers.location).toMatch(/^\/login/);
    });

    it('renews the session id when logging in again over an existing session, and the old id dies', async () => {
      const { agent, sidCookie: first } = await logInOk(acme.host, sales);
      const home = await agent.get('/');
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(home.text), login: acme.admin.login, password: acme.admin.password });
      expect(res.status).toBe(303);
      const second = setCookies(res).sid.value;
      expect(second).not.toBe(first);
      expect(await sessionRow(sidOf(first))).toBe(0);
      expect((await raw(acme.host, `sid=${first}`).get('/')).status).toBe(303);
      expect((await raw(acme.host, `sid=${second}`).get('/')).status).toBe(200);
    });

    it('makes the old cookie anonymous after logout and removes the session row', async () => {
      const { agent, sidCookie } = await logInOk(acme.host, sales);
      const sid = sidOf(sidCookie);
      expect(sid.startsWith(`${acme.id}.`)).toBe(true);
      expect(await sessionRow(sid)).toBe(1);
      const page = await agent.get('/');
      const out = await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfOf(page.text) });
      expect(out.status).toBe(303);
      expect(await sessionRow(sid)).toBe(0);
      const replay = await raw(acme.host, `sid=${sidCookie}`).get('/');
      expect(replay.status).toBe(303);
      expect(replay.headers.location).toMatch(/^\/login/);
      const notice = await agent.get('/login?notice=logged-out');
      expect(notice.text).toContain('You have logged out.');
    });

    it('treats an acme session cookie as anonymous on beta and leaves it valid on acme', async () => {
      const { sidCookie } = await logInOk(acme.host, acme.admin);
      const onBeta = await raw(beta.host, `sid=${sidCookie}`).get('/');
      expect(onBeta.status).toBe(303);
      expect(onBeta.headers.location).toMatch(/^\/login/);
      const onBetaLogin = await raw(beta.host, `sid=${sidCookie}`).get('/login');
      expect(onBetaLogin.status).toBe(200);
      expect(onBetaLogin.text).toContain('Beta Ltd');
      expect(onBetaLogin.text).not.toContain('Acme');
      expect((await raw(acme.host, `sid=${sidCookie}`).get('/')).status).toBe(200);
    });

    it('refuses acme credentials on beta', async () => {
      const { res } = await login(t, beta.host, sales.login, sales.password);
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong login or password.');
      expect(setCookies(res).sid).toBeUndefined();
    });
  });

  describe('5. CSRF', () => {
    const stillLoggedIn = async (agent: Agent) => expect((await agent.get('/')).status).toBe(200);

    it('refuses a logout with a missing, foreign or stale token, or a foreign origin, and keeps the session', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const { agent } = await logInOk(acme.host, user);
      const { agent: other } = await logInOk(acme.host, user);
      const mine = csrfOf((await agent.get('/')).text);
      const foreign = csrfOf((await other.get('/')).text);
      expect(foreign).not.toBe(mine);
      const cases: { name: string; body: Record<string, string>; headers?: Record<string, string> }[] = [
        { name: 'missing', body: {} },
        { name: 'empty', body: { _csrf: '' } },
        { name: 'foreign', body: { _csrf: foreign } },
        { name: 'garbage', body: { _csrf: mine.slice(0, -2) + 'xx' } },
        { name: 'foreign origin', body: { _csrf: mine }, headers: { Origin: `http://${beta.host}` } },
        { name: 'evil origin', body: { _csrf: mine }, headers: { Origin: 'http://evil.com' } },
        { name: 'null origin, cross-site', body: { _csrf: mine }, headers: { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' } },
        { name: 'null origin from a sibling', body: { _csrf: mine }, headers: { Origin: 'null', 'Sec-Fetch-Site': 'same-site' } },
        { name: 'same-site', body: { _csrf: mine }, headers: { 'Sec-Fetch-Site': 'same-site' } },
        { name: 'cross-site', body: { _csrf: mine }, headers: { 'Sec-Fetch-Site': 'cross-site' } },
      ];
      for (const c of cases) {
        const res = await agent
          .post('/logout')
          .type('form')
          .set(c.headers ?? {})
          .send(c.body);
        expect(res.status, c.name).toBe(403);
        expect(res.headers['cache-control'], c.name).toBe('no-store');
        await stillLoggedIn(agent);
      }
      const audit = await t.db.query(`select 1 from audit_event where event = 'session_logout' and actor_id = $1`, [user.id]);
      expect(audit.rowCount).toBe(0);
      // The real origin and same-origin fetch metadata pass.
      const ok = await agent
        .post('/logout')
        .type('form')
        .set({ Origin: `http://${acme.host}`, 'Sec-Fetch-Site': 'same-origin' })
        .send({ _csrf: mine });
      expect(ok.status).toBe(303);
    });

    it('makes the pre-login token stale after login, and the logged-in token stale after logout', async () => {
      const agent = agentFor(t, acme.host);
      const loginPage = await agent.get('/login');
      const preLogin = csrfOf(loginPage.text);
      const res = await agent.post('/login').type('form').send({ _csrf: preLogin, login: sales.login, password: sales.password });
      expect(res.status).toBe(303);
      expect((await agent.post('/logout').type('form').send({ _csrf: preLogin })).status).toBe(403);
      await stillLoggedIn(agent);

      const loggedIn = csrfOf((await agent.get('/')).text);
      expect((await agent.post('/logout').type('form').send({ _csrf: loggedIn })).status).toBe(303);
      // Logged in again in the same browser: the token from before the logout is dead.
      await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf((await agent.get('/login')).text), login: sales.login, password: sales.password });
      await stillLoggedIn(agent);
      expect((await agent.post('/logout').type('form').send({ _csrf: loggedIn })).status).toBe(403);
      await stillLoggedIn(agent);
    });

    it('does not log in with a bad token or a foreign origin', async () => {
      const agent = agentFor(t, acme.host);
      const page = await agent.get('/login');
      const token = csrfOf(page.text);
      const otherToken = csrfOf((await agentFor(t, acme.host).get('/login')).text);
      const betaToken = csrfOf((await agentFor(t, beta.host).get('/login')).text);
      const cases: { name: string; body: Record<string, string>; headers?: Record<string, string> }[] = [
        { name: 'missing', body: {} },
        { name: 'foreign', body: { _csrf: otherToken } },
        { name: 'other instance', body: { _csrf: betaToken } },
        { name: 'foreign origin', body: { _csrf: token }, headers: { Origin: `http://${beta.host}` } },
        { name: 'same-site', body: { _csrf: token }, headers: { 'Sec-Fetch-Site': 'same-site' } },
      ];
      for (const c of cases) {
        const res = await agent
          .post('/login')
          .type('form')
          .set(c.headers ?? {})
          .send({ ...c.body, login: sales.login, password: sales.password });
        expect(res.status, c.name).toBe(403);
        expect(setCookies(res).sid, c.name).toBeUndefined();
        expect((await agent.get('/')).status, c.name).toBe(303);
      }
    });
  });

  describe('6. throttling', () => {
    it('locks an account after repeated failures, says nothing more, and unlocks after the lock time', async () => {
      const victim = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const bystander = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      let reference: string | undefined;
      for (let i = 0; i < 11; i++) {
        const { res } = await login(t, acme.host, victim.login, `wrong ${i}`);
        expect(res.status).toBe(401);
        const body = normalizeFailure(res.text, victim.login);
        reference ??= body;
        expect(body).toBe(reference);
      }
      const locked = await login(t, acme.host, victim.login, victim.password);
      expect(locked.res.status).toBe(401);
      expect(normalizeFailure(locked.res.text, victim.login)).toBe(reference);
      expect(setCookies(locked.res).sid).toBeUndefined();

      // Same instance, same address: another account logs in at once.
      await logInOk(acme.host, bystander);

      t.clock.advance(14 * MINUTE);
      expect((await login(t, acme.host, victim.login, victim.password)).res.status).toBe(401);
      t.clock.advance(2 * MINUTE);
      await logInOk(acme.host, victim);
      const row = await t.db.query(`select 1 from login_throttle where key = $1`, [`acct:${acme.id}:${victim.login.toLowerCase()}`]);
      expect(row.rowCount).toBe(0);
    });

    it('resets the count on success', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const key = `acct:${acme.id}:${user.login.toLowerCase()}`;
      for (let i = 0; i < 4; i++) expect((await login(t, acme.host, user.login, `bad ${i}`)).res.status).toBe(401);
      expect((await t.db.query<{ failures: number }>('select failures from login_throttle where key = $1', [key])).rows[0].failures).toBe(4);
      await logInOk(acme.host, user);
      expect((await t.db.query('select 1 from login_throttle where key = $1', [key])).rowCount).toBe(0);
      // Without the reset, these would be failures 5 to 8 and the next attempt would have to wait.
      for (let i = 0; i < 4; i++) expect((await login(t, acme.host, user.login, `bad again ${i}`)).res.status).toBe(401);
      await logInOk(acme.host, user);
    });

    /** A browser that logged in as `user` and logged out again: it keeps only its device cookie. */
    const trustedBrowser = async (user: TestUser) => {
      const { agent, res } = await logInOk(acme.host, user);
      expect(setCookies(res).device?.value).toBeTruthy();
      expect((await submitForm(agent, '/', '/logout', {})).status).toBe(303);
      return agent;
    };
    const fail11 = async (user: TestUser, agent?: Agent) => {
      for (let i = 0; i < 11; i++) {
        const res = agent
          ? await submitForm(agent, '/login', '/login', { login: user.login, password: `wrong ${i}` })
          : (await login(t, acme.host, user.login, `wrong ${i}`)).res;
        expect(res.status).toBe(401);
      }
    };

    it('lets a browser that logged in before past a lock strangers caused; a fresh browser stays locked', async () => {
      const admin = await userFactory(t.db, acme, { roles: ['Administrator'] });
      const trusted = await trustedBrowser(admin);
      await fail11(admin); // a stranger, from the same address, each try in a fresh browser
      expect((await login(t, acme.host, admin.login, admin.password)).res.status).toBe(401);
      const res = await submitForm(trusted, '/login', '/login', { login: admin.login, password: admin.password });
      expect(res.status).toBe(303);
      expect((await trusted.get('/security/users')).status).toBe(200);
      // The lock still holds for everyone else, and the trusted login did not lift it.
      expect((await login(t, acme.host, admin.login, admin.password)).res.status).toBe(401);
      const audit = await t.db.query(`select 1 from audit_event where tenant_id = $1 and event = 'authn_login_success' and actor_id = $2`, [acme.id, admin.id]);
      expect(audit.rowCount).toBe(2);
    });

    it('locks a trusted browser on its own failures without locking the account for others', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const trusted = await trustedBrowser(user);
      await fail11(user, trusted);
      expect((await submitForm(trusted, '/login', '/login', { login: user.login, password: user.password })).status).toBe(401);
      await logInOk(acme.host, user);
    });

    it('gives no trust to a device cookie of another login, another instance, or a forged one', async () => {
      const owner = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const victim = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const betaUser = await userFactory(t.db, beta, { roles: ['Salesperson'] });
      const ownerCookie = setCookies((await logInOk(acme.host, owner)).res).device.value;
      const { res: betaLogin } = await login(t, beta.host, betaUser.login, betaUser.password);
      const betaCookie = setCookies(betaLogin).device.value;
      await fail11(victim);
      const forged = ownerCookie.replace(/^(\d+)\.[^.]+/, `$1.${Buffer.from(victim.login.toLowerCase()).toString('base64url')}`);
      for (const cookie of [ownerCookie, betaCookie, forged, 'garbage', '%E0%A4%A']) {
        const page = await raw(acme.host, `device=${cookie}`).get('/login');
        expect(page.status, cookie).toBe(200);
        const jar = `device=${cookie}; csrf=${setCookies(page).csrf.value}`;
        const res = await raw(acme.host, jar)
          .post('/login')
          .send({ _csrf: csrfOf(page.text), login: victim.login, password: victim.password });
        expect(res.status, cookie).toBe(401);
      }
    });

    it('prunes rows that no longer hold anything back', async () => {
      const now = t.clock.now().getTime();
      const at = (ms: number) => new Date(now + ms);
      const rows: [string, Date, Date | null][] = [
        ['prune:old-failure', at(-2 * HOUR), null],
        ['prune:ended-lock', at(-20 * MINUTE), at(-5 * MINUTE)],
        ['prune:recent-failure', at(-10 * MINUTE), null],
        ['prune:live-lock', at(-1 * MINUTE), at(14 * MINUTE)],
      ];
      for (const [key, last, locked] of rows) {
        await t.db.query('insert into login_throttle (key, failures, last_failure_at, locked_until) values ($1, 10, $2, $3)', [key, last, locked]);
      }
      expect(await t.app.get(LoginThrottleService).prune()).toBeGreaterThanOrEqual(2);
      const left = await t.db.query<{ key: string }>(`select key from login_throttle where key like 'prune:%' order by key`);
      expect(left.rows.map((r) => r.key)).toEqual(['prune:live-lock', 'prune:recent-failure']);
    });
  });

  describe('7. headers and cookie attributes', () => {
    it('sets HttpOnly, SameSite=Lax, host-only cookies and the security headers', async () => {
      const agent = agentFor(t, acme.host);
      const page = await agent.get('/login');
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(page.text), login: sales.login, password: sales.password });
      const cookies = { ...setCookies(page), ...setCookies(res) };
      expect(Object.keys(cookies).sort()).toEqual(['csrf', 'device', 'sid']);
      for (const [name, cookie] of Object.entries(cookies)) {
        expect(cookie.raw, name).toMatch(/;\s*HttpOnly/i);
        expect(cookie.raw, name).toMatch(/;\s*SameSite=Lax/i);
        expect(cookie.raw, name).toMatch(/;\s*Path=\//i);
        expect(cookie.raw, name).not.toMatch(/Domain=/i);
        expect(cookie.raw, name).not.toMatch(/;\s*Secure/i);
      }
      for (const r of [page, await agent.get('/'), await agent.get('/nosuch-page'), await agentFor(t, t.host('nosuch')).get('/')]) {
        const csp = String(r.headers['content-security-policy']);
        const directives = Object.fromEntries(
          csp
            .split(';')
            .map((d) => d.trim().split(/\s+/))
            .map(([k, ...v]) => [k, v.join(' ')]),
        );
        expect(directives['object-src']).toBe("'none'");
        expect(directives['base-uri']).toBe("'none'");
        expect(directives['frame-ancestors']).toBe("'none'");
        expect(r.headers['x-content-type-options']).toBe('nosniff');
        expect(r.headers['x-powered-by']).toBeUndefined();
      }
      const home = await agent.get('/');
      expect(home.headers['cache-control']).toBe('no-store');
    });
  });

  describe('8. timeouts', () => {
    it('ends a session idle for 31 minutes with a notice on the login page', async () => {
      const { agent, sidCookie } = await logInOk(acme.host, sales);
      t.clock.advance(29 * MINUTE);
      expect((await agent.get('/')).status).toBe(200);
      t.clock.advance(31 * MINUTE);
      const res = await agent.get('/');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?expired=1');
      expect(await sessionRow(sidOf(sidCookie))).toBe(0);
      const page = await agent.get(res.headers.location);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Your session has ended');
      // Asking for a deeper page keeps where to go back to.
      const { agent: second } = await logInOk(acme.host, sales);
      t.clock.advance(31 * MINUTE);
      const deep = await second.get('/security/users');
      expect(deep.status).toBe(303);
      expect(deep.headers.location).toBe('/login?next=%2Fsecurity%2Fusers&expired=1');
    });

    it('ends a session after 8 hours even with a request every 10 minutes', async () => {
      const { agent } = await logInOk(acme.host, sales);
      for (let minutes = 10; minutes <= 470; minutes += 10) {
        t.clock.advance(10 * MINUTE);
        const res = await agent.get('/');
        expect(res.status, `${minutes} min`).toBe(200);
      }
      t.clock.advance(11 * MINUTE);
      const res = await agent.get('/');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?expired=1');
    });

    it('redirects a POST from an expired session to the login page without doing anything', async () => {
      const { agent } = await logInOk(acme.host, sales);
      const token = csrfOf((await agent.get('/')).text);
      const before = (await t.db.query(`select count(*)::int as n from audit_event where event = 'session_logout'`)).rows[0].n;
      t.clock.advance(HOUR);
      const res = await agent.post('/logout').type('form').send({ _csrf: token });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?expired=1');
      const after = (await t.db.query(`select count(*)::int as n from audit_event where event = 'session_logout'`)).rows[0].n;
      expect(after).toBe(before);
    });
  });

  describe('audit and redirects', () => {
    it('records login success, failure and logout with the address and never the password', async () => {
      const user = await userFactory(t.db, acme, { roles: ['Salesperson'], password: 'Secret-Horse-Battery-42' });
      await login(t, acme.host, user.login, 'Wrong-Secret-Horse-99');
      const { agent } = await logInOk(acme.host, user);
      await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfOf((await agent.get('/')).text) });
      const rows = await t.db.query<{ event: string; ip: string; actor_id: number | null; target_id: number | null; details: unknown }>(
        `select event, ip, actor_id, target_id, details from audit_event where tenant_id = $1 and (actor_id = $2 or target_id = $2) order by id`,
        [acme.id, user.id],
      );
      expect(rows.rows.map((r) => r.event)).toEqual(['authn_login_fail', 'authn_login_success', 'session_logout']);
      for (const row of rows.rows) expect(row.ip).toMatch(/127\.0\.0\.1/);
      const dump = JSON.stringify((await t.db.query('select * from audit_event')).rows);
      for (const secret of ['Secret-Horse-Battery-42', 'Wrong-Secret-Horse-99', acme.admin.password, sales.password]) expect(dump).not.toContain(secret);
    });

    it('only follows ?next= to a path on the same host', async () => {
      for (const next of ['//evil.com', '/\\evil.com', 'https://evil.com', '/\t/evil.com', 'evil.com']) {
        const agent = agentFor(t, acme.host);
        const page = await agent.get('/login?next=' + encodeURIComponent(next));
        expect(page.text).not.toContain('evil.com');
        const res = await agent
          .post('/login')
          .type('form')
          .send({ _csrf: csrfOf(page.text), login: sales.login, password: sales.password, next });
        expect(res.status, next).toBe(303);
        expect(res.headers.location, next).toBe('/');
        const again = await agent.get('/login?next=' + encodeURIComponent(next));
        expect(again.status).toBe(303);
        expect(again.headers.location).toBe('/');
      }
      const { agent } = await login(t, acme.host, sales.login, sales.password);
      const already = await agent.get('/login?next=/security/users');
      expect(already.status).toBe(303);
      expect(already.headers.location).toBe('/security/users');
    });

    it('takes a person back to the page they asked for after login', async () => {
      const agent = agentFor(t, acme.host);
      const asked = await agent.get('/security/users');
      expect(asked.status).toBe(303);
      expect(asked.headers.location).toBe('/login?next=%2Fsecurity%2Fusers');
      const page = await agent.get(asked.headers.location);
      expect(page.text).toContain('name="next" value="/security/users"');
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfOf(page.text), login: acme.admin.login, password: acme.admin.password, next: '/security/users' });
      expect(res.headers.location).toBe('/security/users');
    });
  });
});

describe('sign-in behind a TLS proxy', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'true' } });
    acme = await tenantFactory(t);
  });
  afterAll(() => t?.close());

  it('names cookies __Host- and marks them Secure', async () => {
    // supertest's jar keeps Secure cookies off plain http, so the cookies travel by hand here.
    const server = request(t.app.getHttpServer());
    const proxied = (r: request.Test) => r.set('Host', acme.host).set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '203.0.113.7');
    const page = await proxied(server.get('/login'));
    const csrfCookie = setCookies(page)['__Host-csrf'];
    expect(csrfCookie).toBeDefined();
    const res = await proxied(server.post('/login'))
      .set('Cookie', `__Host-csrf=${csrfCookie.value}`)
      .type('form')
      .send({ _csrf: csrfOf(page.text), login: acme.admin.login, password: acme.admin.password });
    expect(res.status).toBe(303);
    const cookies = { ...setCookies(page), ...setCookies(res) };
    expect(Object.keys(cookies).sort()).toEqual(['__Host-csrf', '__Host-device', '__Host-sid']);
    for (const [name, cookie] of Object.entries(cookies)) {
      expect(cookie.raw, name).toMatch(/;\s*Secure/i);
      expect(cookie.raw, name).toMatch(/;\s*HttpOnly/i);
      expect(cookie.raw, name).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie.raw, name).toMatch(/;\s*Path=\/(;|$)/i);
      expect(cookie.raw, name).not.toMatch(/Domain=/i);
    }
    const home = await proxied(server.get('/')).set('Cookie', `__Host-sid=${cookies['__Host-sid'].value}`);
    expect(home.status).toBe(200);
    // A plain `sid` cookie means nothing here.
    expect((await proxied(server.get('/')).set('Cookie', `sid=${cookies['__Host-sid'].value}`)).status).toBe(303);
    const audit = await t.db.query(`select ip from audit_event where event = 'authn_login_success'`);
    expect(audit.rows[0].ip).toBe('203.0.113.7');
  });
});

describe('sign-in with an https BASE_URL', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestApp({ env: { BASE_URL: 'https://erp.test', TRUST_PROXY: 'true' }, baseHost: 'erp.test' });
    acme = await tenantFactory(t);
  });
  afterAll(() => t?.close());

  it('sends HSTS and Secure __Host- cookies, and checks Origin against the https origin', async () => {
    const server = request(t.app.getHttpServer());
    const proxied = (r: request.Test) => r.set('Host', `${acme.name}.erp.test`).set('X-Forwarded-Proto', 'https');
    const page = await proxied(server.get('/login'));
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const csrfCookie = setCookies(page)['__Host-csrf'];
    expect(csrfCookie.raw).toMatch(/;\s*Secure/i);
    const post = (origin: string) =>
      proxied(server.post('/login'))
        .set('Cookie', `__Host-csrf=${csrfCookie.value}`)
        .set('Origin', origin)
        .type('form')
        .send({ _csrf: csrfOf(page.text), login: acme.admin.login, password: acme.admin.password });
    expect((await post(`http://${acme.name}.erp.test`)).status).toBe(403);
    // Over https a browser's `Origin: null` must come with Sec-Fetch-Site: same-origin.
    expect((await post('null')).status).toBe(403);
    const res = await post(`https://${acme.name}.erp.test`);
    expect(res.status).toBe(303);
    expect(setCookies(res)['__Host-sid'].raw).toMatch(/;\s*Secure/i);
  });
});
