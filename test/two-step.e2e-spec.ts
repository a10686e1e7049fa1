import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { agentFor, login, submitForm, type Agent } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const MINUTE = 60_000;

/** Two-step login (issue 13): authenticator app with recovery codes, the second step, the lock, the policy, the admin's reset. */
describe('two-step login', () => {
  let t: TestApp;
  let acme: TestTenant;
  /** Everything the app wrote to stdout and stderr while the tests ran (request lines included). */
  const logs: string[] = [];
  /** Every secret, code and recovery code the tests saw: none may be stored or logged as it is. */
  const secrets = new Set<string>();
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        logs.push(String(chunk));
        // The app's log lines (stdout) are only collected; errors still show.
        return stream === process.stdout ? true : write(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = write));
    }
    t = await createTestApp({ env: { LOG_REQUESTS: 'true' }, logLevels: ['log', 'error', 'warn'] });
    acme = await tenantFactory(t, { displayName: 'Acme Corp' });
  });
  afterAll(async () => {
    for (const undo of restore) undo();
    await t?.close();
  });

  const codeAt = (secret: string, offsetMs = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() + offsetMs });
  const audit = async (event: string, userId: number) =>
    (await t.db.query('select details from audit_event where tenant_id = $1 and event = $2 and target_id = $3', [acme.id, event, userId])).rows;
  const isLoggedIn = async (agent: Agent) => (await agent.get('/account')).status === 200;

  /** Sets up the authenticator app on /account as the person would; returns the shown secret and recovery codes. */
  const setUpApp = async (agent: Agent) => {
    const page = await agent.get('/account/two-step/app');
    expect(page.status).toBe(200);
    for (const text of ['Secret key', '>Code</label>', 'name="code"', 'Turn on']) expect(page.text).toContain(text);
    expect(page.text).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/]+(=|&#x3D;)*"/);
    const secret = page.text.match(/<code class="secret-key">([A-Z2-7 ]+)<\/code>/)![1].replace(/ /g, '');
    secrets.add(secret);
    // A reload shows the same secret (the person may have scanned it already).
    expect((await agent.get('/account/two-step/app')).text).toContain(page.text.match(/<code class="secret-key">[^<]+<\/code>/)![0]);
    const wrong = await submitForm(agent, '/account/two-step/app', '/account/two-step/app', { code: codeAt(secret, 5 * MINUTE) });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code is not right');
    const code = codeAt(secret);
    secrets.add(code);
    const done = await submitForm(agent, '/account/two-step/app', '/account/two-step/app', { code });
    expect(done.status).toBe(200);
    const codes = [...done.text.matchAll(/<li><code>([a-z2-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    codes.forEach((c) => secrets.add(c));
    return { secret, codes };
  };

  /** Password first: a user with two-step login lands on /login/two-step, logged in nowhere yet. */
  const passwordStep = async (user: TestUser) => {
    const { agent, res } = await login(t, acme.host, user.login, user.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login/two-step');
    return agent;
  };
  const secondStep = (agent: Agent, code: string) => submitForm(agent, '/login/two-step', '/login/two-step', { code });

  describe('authenticator app and the second step', () => {
    let user: TestUser;
    let app: { secret: string; codes: string[] };

    beforeAll(async () => {
      user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const { agent } = await login(t, acme.host, user.login, user.password);
      const account = await agent.get('/account');
      expect(account.text).toContain('Two-step login');
      expect(account.text).toContain('Set up authenticator app');
      app = await setUpApp(agent);
      expect((await agent.get('/account')).text).toContain('Recovery codes left: <strong>10</strong>');
      expect(await audit('two_step_totp_on', user.id)).toHaveLength(1);
      expect((await submitForm(agent, '/account', '/logout', {})).status).toBe(303);
    });

    it('asks for the code after the password, and no session holds the user until it is given', async () => {
      t.clock.advance(MINUTE);
      const agent = await passwordStep(user);
      const page = await agent.get('/login/two-step');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<label for="code">Code<\/label>/);
      expect(page.text).toContain('Verify');
      expect(await isLoggedIn(agent)).toBe(false);
      const held = await t.db.query(`select sid from session where sid like $1 and sess #>> '{passport,user,id}' = $2`, [`${acme.id}.%`, String(user.id)]);
      expect(held.rowCount).toBe(0);
      const pendingSid = (await t.db.query<{ sid: string }>(`select sid from session where sess #>> '{twoStep,userId}' = $1`, [String(user.id)])).rows.map(
        (r) => r.sid,
      );
      expect(pendingSid.length).toBeGreaterThan(0);

      const code = codeAt(app.secret);
      secrets.add(code);
      const res = await secondStep(agent, code);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
      expect(await isLoggedIn(agent)).toBe(true);
      // The session id was renewed at the second step: the pending one holds no user.
      const after = await t.db.query(`select 1 from session where sid = any($1) and sess #>> '{passport,user,id}' is not null`, [pendingSid]);
      expect(after.rowCount).toBe(0);
    });

    it('never accepts the same code twice, nor a wrong one; the next step’s code works', async () => {
      t.clock.advance(MINUTE);
      const first = await passwordStep(user);
      const code = codeAt(app.secret);
      expect((await secondStep(first, code)).status).toBe(303);
      const again = await passwordStep(user);
      const reused = await secondStep(again, code);
      expect(reused.status).toBe(401);
      expect(reused.text).toContain('Wrong code');
      const wrong = await secondStep(again, code === '000000' ? '111111' : '000000');
      expect(wrong.status).toBe(401);
      expect(await isLoggedIn(again)).toBe(false);
      const next = codeAt(app.secret, 30_000);
      expect((await secondStep(again, next)).status).toBe(303);
      expect(await isLoggedIn(again)).toBe(true);
      expect((await audit('authn_second_step_fail', user.id)).map((r) => r.details.reason)).toEqual(['wrong_code', 'wrong_code']);
    });

    it('lets only one of two logins racing with the same code in', async () => {
      t.clock.advance(2 * MINUTE);
      const [a, b] = [await passwordStep(user), await passwordStep(user)];
      const code = codeAt(app.secret);
      const pages = await Promise.all([a.get('/login/two-step'), b.get('/login/two-step')]);
      const answers = await Promise.all(
        [a, b].map((agent, i) =>
          agent
            .post('/login/two-step')
            .type('form')
            .send({ _csrf: pages[i].text.match(/name="_csrf" value="([^"]+)"/)![1], code }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([303, 401]);
    });

    it('takes a recovery code once', async () => {
      const agent = await passwordStep(user);
      const res = await secondStep(agent, ` ${app.codes[0].toUpperCase()} `);
      expect(res.status).toBe(303);
      expect(await isLoggedIn(agent)).toBe(true);
      expect((await agent.get('/account')).text).toContain('Recovery codes left: <strong>9</strong>');
      const again = await passwordStep(user);
      expect((await secondStep(again, app.codes[0])).status).toBe(401);
      expect(await isLoggedIn(again)).toBe(false);
      expect((await secondStep(again, app.codes[1])).status).toBe(303);
      expect((await audit('two_step_recovery_code_used', user.id)).map((r) => r.details.left)).toEqual([9, 8]);
    });

    it('refuses the second step without a pending login, or after it ran out', async () => {
      const stranger = agentFor(t, acme.host);
      expect((await stranger.get('/login/two-step')).headers.location).toBe('/login?notice=two-step-expired');
      const agent = await passwordStep(user);
      t.clock.advance(6 * MINUTE);
      const late = await agent.get('/login/two-step');
      expect(late.status).toBe(303);
      expect(late.headers.location).toBe('/login?notice=two-step-expired');
    });
  });

  it('locks the account after 11 wrong codes, like wrong passwords, until the lock time is over', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    const { agent: setup } = await login(t, acme.host, user.login, user.password);
    const { secret } = await setUpApp(setup);
    t.clock.advance(MINUTE);
    const agent = await passwordStep(user);
    for (let i = 0; i < 11; i++) {
      const res = await secondStep(agent, String(100000 + i));
      expect(res.status).toBe(401);
    }
    // Locked: the right code does not help, nor does the right password.
    expect((await secondStep(agent, codeAt(secret))).status).toBe(401);
    expect(await isLoggedIn(agent)).toBe(false);
    expect((await login(t, acme.host, user.login, user.password)).res.status).toBe(401);
    const row = await t.db.query<{ failures: number }>('select failures from login_throttle where key = $1', [`acct:${acme.id}:${user.login.toLowerCase()}`]);
    expect(row.rows[0].failures).toBeGreaterThanOrEqual(10);
    t.clock.advance(16 * MINUTE);
    const later = await passwordStep(user);
    expect((await secondStep(later, codeAt(secret))).status).toBe(303);
    expect(await isLoggedIn(later)).toBe(true);
  });

  it('turns the app off with the current password only', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    const { agent } = await login(t, acme.host, user.login, user.password);
    await setUpApp(agent);
    const wrong = await submitForm(agent, '/account', '/account/two-step/app/off', { currentPassword: 'not it' });
    expect(wrong.headers.location).toBe('/account?error=two-step-wrong-password');
    const off = await submitForm(agent, '/account', '/account/two-step/app/off', { currentPassword: user.password });
    expect(off.headers.location).toBe('/account?notice=two-step-off');
    expect(await audit('two_step_totp_off', user.id)).toHaveLength(1);
    expect((await login(t, acme.host, user.login, user.password)).res.headers.location).toBe('/');
  });

  describe('the instance policy: Require two-step login for administrators', () => {
    const setPolicy = async (agent: Agent, on: boolean) => {
      const page = await agent.get('/security/settings');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<label for="requireTwoStepForAdmins">Require two-step login for administrators<\/label>/);
      expect(page.text).toMatch(/<button type="submit" class="btn btn-primary">Save<\/button>/);
      const res = await submitForm(agent, '/security/settings', '/security/settings', on ? { requireTwoStepForAdmins: 'on' } : {});
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/security/settings?notice=saved');
    };

    it('holds an administrator without a second factor on the setup page until it is done', async () => {
      const boss = await userFactory(t.db, acme, { roles: ['Administrator'] });
      const staff = await userFactory(t.db, acme, { roles: ['Salesperson'] });
      const { agent: admin } = await login(t, acme.host, acme.admin.login, acme.admin.password);
      await setPolicy(admin, true);
      expect((await submitForm(admin, '/security/settings', '/security/settings', { requireTwoStepForAdmins: 'yes please' })).status).toBe(400);
      try {
        const { agent, res } = await login(t, acme.host, boss.login, boss.password);
        expect(res.headers.location).toBe('/account/two-step/app');
        for (const path of ['/', '/security', '/security/users', '/security/settings', '/account']) {
          const held = await agent.get(path);
          expect(held.status, path).toBe(303);
          expect(held.headers.location, path).toBe('/account/two-step/app');
        }
        const post = await submitForm(agent, '/account/two-step/app', '/security/settings', {});
        expect(post.headers.location).toBe('/account/two-step/app');
        const setup = await agent.get('/account/two-step/app');
        expect(setup.text).toContain('Your instance requires two-step login for administrators');
        expect(setup.text).toContain('Add a passkey');
        await setUpApp(agent);
        expect((await agent.get('/security/users')).status).toBe(200);

        // Only users who may use the Security module are held; and a held one can still log out.
        expect((await login(t, acme.host, staff.login, staff.password)).res.headers.location).toBe('/');
        const other = await userFactory(t.db, acme, { roles: ['Administrator'] });
        const { agent: held } = await login(t, acme.host, other.login, other.password);
        const out = await submitForm(held, '/account/two-step/app', '/logout', {});
        expect(out.status).toBe(303);
        expect(out.headers.location).toBe('/login?notice=logged-out');
      } finally {
        await setPolicy(admin, false);
      }
      const changes = await t.db.query(`select details from audit_event where tenant_id = $1 and event = 'instance_settings_changed' order by id`, [acme.id]);
      expect(changes.rows.map((r) => r.details.requireTwoStepForAdmins)).toEqual([true, false]);
    });
  });

  it('lets an administrator reset a user’s two-step login, after a confirmation, audited', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    const { agent: own } = await login(t, acme.host, user.login, user.password);
    await setUpApp(own);
    const { agent: admin } = await login(t, acme.host, acme.admin.login, acme.admin.password);
    const form = await admin.get(`/security/users/${user.id}`);
    expect(form.text).toContain(`href="/security/users/${user.id}/reset-two-step" data-dialog="reset-two-step-dialog">Reset two-step login</a>`);
    expect(form.text).toContain('<h2 id="reset-two-step-dialog-title">Reset two-step login</h2>');
    const confirm = await admin.get(`/security/users/${user.id}/reset-two-step`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(`Reset two-step login of <strong>${user.name}</strong>`);
    const res = await submitForm(admin, `/security/users/${user.id}/reset-two-step`, `/security/users/${user.id}/reset-two-step`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/security/users/${user.id}?notice=two-step-reset`);
    expect((await admin.get(res.headers.location)).text).toContain('Two-step login has been reset.');
    expect((await audit('user_two_step_reset', user.id)).map((r) => r.details.app)).toEqual([true]);
    expect((await login(t, acme.host, user.login, user.password)).res.headers.location).toBe('/');

    const again = await submitForm(admin, `/security/users/${user.id}/reset-two-step`, `/security/users/${user.id}/reset-two-step`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('This user has not set up two-step login.');
    const adminId = (await t.db.query<{ id: number }>(`select id from app_user where tenant_id = $1 and login = 'admin'`, [acme.id])).rows[0].id;
    const self = await submitForm(admin, `/security/users/${adminId}/reset-two-step`, `/security/users/${adminId}/reset-two-step`, {});
    expect(self.status).toBe(409);
    expect(self.text).toContain('You cannot reset your own two-step login here.');
  });

  it('answers bad input with a 4xx and a message, never a 500', async () => {
    const user = await userFactory(t.db, acme, { roles: ['Salesperson'] });
    const { agent } = await login(t, acme.host, user.login, user.password);
    const post = async (page: string, action: string, fields: Record<string, string | string[]>) => (await submitForm(agent, page, action, fields)).status;
    expect(await post('/account/two-step/app', '/account/two-step/app', { code: ['1', '2'] })).toBe(400);
    expect(await post('/account/two-step/app', '/account/two-step/app', { code: 'x'.repeat(500) })).toBe(400);
    expect(await post('/account', '/account/passkeys', { name: 'Mine', response: '{"id": 1, "response": null}' })).toBe(400);
    expect(await post('/account', '/account/passkeys', { name: ['a', 'b'], response: 'not json' })).toBe(400);
    expect(await post('/account', '/account/passkeys/abc/remove', {})).toBe(404);
    const options = await submitForm(agent, '/account', '/account/passkeys/options', {});
    expect(options.status).toBe(200);
    expect(options.body.rp.id).toBe(`${acme.name}.localhost`);
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(
      await post('/account', '/account/passkeys', { name: 'Mine', response: JSON.stringify({ id: 'abc', rawId: 'abc', type: 'public-key', response: {} }) }),
    ).toBe(400);

    const stranger = agentFor(t, acme.host);
    expect(await submitForm(stranger, '/login', '/login/passkey', { response: 'garbage' }).then((r) => r.status)).toBe(401);
    const loginOptions = await submitForm(stranger, '/login', '/login/passkey/options', {});
    expect(loginOptions.body).toMatchObject({ rpId: `${acme.name}.localhost`, userVerification: 'required' });
    const forged = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'x', authenticatorData: 'y', signature: 'z' } };
    const res = await submitForm(stranger, '/login', '/login/passkey', { response: JSON.stringify(forged) });
    expect(res.status).toBe(401);
    expect(res.text).toContain('That passkey did not log you in.');
    expect(await submitForm(stranger, '/login', '/login/two-step', { code: ['1'] }).then((r) => r.headers.location)).toBe('/login?notice=two-step-expired');
  });

  afterAll(async () => {
    // Nothing the person saw is stored or logged as it is (checked last: every test above added to it).
    const tables = await t.db.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public'`);
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await t.db.query(`select row_to_json(x)::text as j from "${table_name}" x`);
      dump += rows.rows.map((r) => r.j).join('\n');
    }
    const logText = logs.join('');
    expect(secrets.size).toBeGreaterThan(20);
    expect(logText).toContain('/login/two-step');
    for (const secret of secrets) {
      for (const form of new Set([secret, secret.toLowerCase(), secret.replace(/-/g, '')])) {
        expect(dump.includes(form), `"${form}" in the database`).toBe(false);
        // A six-digit code is looked for as a number of its own: request durations (`2.137539`) hold digit runs too.
        const inLogs = /^\d+$/.test(form) ? new RegExp(`(^|[^\\d.])${form}([^\\d.]|$)`).test(logText) : logText.includes(form);
        expect(inLogs, `"${form}" in the logs`).toBe(false);
      }
    }
  });
});
