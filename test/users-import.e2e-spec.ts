import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique, type TestTenant } from './support/factories.js';
import { csrfOf, uploadUsersCsv, type Agent } from './support/http.js';
import { TestSmtp } from './support/smtp.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import type { TestApp } from './support/test-app.js';

const HEADER = 'login,name,email,user_type,roles,language';
const INVITE = 'Invitation Internal (No login)';

describe('Import users', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let acme: TestTenant;
  let admin: Agent;
  let world: MailWorld;

  beforeAll(async () => {
    // Long lock and statement timeouts: one test holds an import on a row lock on purpose.
    world = await startMailWorld({ displayName: 'Acme', env: { DATABASE_LOCK_TIMEOUT_MS: '60000', DATABASE_STATEMENT_TIMEOUT_MS: '60000' } });
    ({ t, smtp, acme, admin } = world);
  });
  afterAll(() => world?.close());

  /** Uploads, expects the preview, and returns its path. */
  async function preview(content: string): Promise<string> {
    const res = await uploadUsersCsv(admin, content);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/security\/users\/import\/\d+$/);
    return res.headers.location;
  }

  async function startImport(path: string, sendInvitations: boolean) {
    const page = await admin.get(path);
    return admin
      .post(path)
      .type('form')
      .send({ _csrf: csrfOf(page.text), ...(sendInvitations ? { sendInvitations: 'on' } : {}) });
  }

  const jobStatus = async (path: string) => (await admin.get(`${path}/progress`)).body as { status: string; done: number; total: number };
  const countUsers = async (prefix: string) =>
    Number((await t.db.query('select count(*) from app_user where tenant_id = $1 and login like $2', [acme.id, prefix + '%'])).rows[0].count);

  it('is in the Run menu of the users navigator', async () => {
    const page = await admin.get('/security/users');
    expect(page.text).toMatch(/<a class="menu-item" href="\/security\/users\/import">Import users<\/a>/);
    expect((await admin.get('/security/users/import')).text).toContain('enctype="multipart/form-data"');
  });

  it('a file with bad rows imports nothing and names each bad line with its reason', async () => {
    const p = unique('bad');
    const csv = [
      HEADER,
      `${p}a,Ann,${p}a@example.com,Internal,Worker,en`,
      `${p} b,Bad Login,b@example.com,Internal,,`,
      `${p}c,Bad Mail,not-mail,Internal,,`,
      `${p}d,Bad Type,d@example.com,Captain,,`,
      `${p}e,Bad Role,e@example.com,Internal,Pilot,`,
      `${p}f,Bad Language,f@example.com,Internal,,fr`,
      `${p}A,Twice,twice@example.com,Internal,,`,
      `admin,Taken,taken@example.com,Internal,,`,
      `${p}g,"<script>alert(1)</script>",g@example.com,Internal,,`,
    ].join('\r\n');
    const path = await preview(csv);
    const page = await admin.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('7 of 9 rows cannot be imported');
    for (const [line, reason] of [
      [3, 'Bad login'],
      [4, 'Bad email address &quot;not-mail&quot;'],
      [5, 'Unknown user type &quot;Captain&quot;'],
      [6, 'Unknown role &quot;Pilot&quot;'],
      [7, 'Unknown language &quot;fr&quot;'],
      [8, `Duplicate login &quot;${p}A&quot;: also on line 2.`],
      [9, 'Login &quot;admin&quot; already exists in this instance.'],
    ] as const) {
      expect(page.text).toMatch(new RegExp(`<tr><td>${line}</td><td>[^<]*</td><td>${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('name="sendInvitations"');
    const refused = await startImport(path, false);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('This file has bad rows, so nothing can be imported.');
    expect(await countUsers(p)).toBe(0);
  });

  it('a clean file with Send invitation mail creates the users, one mail each, and one audit entry; the same file again is refused row by row', async () => {
    const p = unique('cl');
    const rows = [
      `${p}1,Ann One,${p}1@example.com,${INVITE},Worker;Manager,de`,
      `${p}2,"Bo; Two",${p}2@example.com,Invitation External (No login),,`,
      `${p}3,Cy Three,${p}3@example.com,Internal,Worker,`,
    ];
    // Semicolons, a BOM and quoted roles: the other shape a spreadsheet writes.
    const csv =
      '\uFEFF' +
      [
        HEADER.replace(/,/g, ';'),
        ...rows.map((r) => r.replace(/,/g, ';').replace('Worker;Manager', '"Worker;Manager"').replace('"Bo; Two"', '"Bo, Two"')),
      ].join('\n');
    const path = await preview(csv);
    const page = await admin.get(path);
    expect(page.text).toContain('3 users will be created');
    expect(page.text).toContain(`<td>${p}1</td><td>Ann One</td><td>${p}1@example.com</td><td>${INVITE}</td><td>Worker; Manager</td><td>de</td>`);
    const started = await startImport(path, true);
    expect(started.status).toBe(303);
    await expect.poll(async () => (await jobStatus(path)).status, { timeout: 20_000 }).toBe('done');

    const result = await admin.get(path);
    expect(result.text).toContain('3 users created, 2 invitation mails queued.');
    const users = await t.db.query(
      `select u.id, u.login, u.name, u.user_type, coalesce(array_agg(r.name order by r.name) filter (where r.name is not null), '{}') as roles
       from app_user u left join user_role ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id left join role r on r.id = ur.role_id
       where u.tenant_id = $1 and u.login like $2 group by u.tenant_id, u.id order by u.login`,
      [acme.id, p + '%'],
    );
    expect(users.rows.map((u) => [u.login, u.name, u.user_type, u.roles])).toEqual([
      [`${p}1`, 'Ann One', INVITE, ['Manager', 'Worker']],
      [`${p}2`, 'Bo, Two', 'Invitation External (No login)', []],
      [`${p}3`, 'Cy Three', 'Internal', ['Worker']],
    ]);
    for (const u of users.rows) expect(result.text).toContain(`<a href="/security/users/${u.id}">${u.login}</a>`);

    await smtp.waitFor(2);
    await expect.poll(() => smtp.to(`${p}1@example.com`).length + smtp.to(`${p}2@example.com`).length, { timeout: 10_000 }).toBe(2);
    expect(smtp.to(`${p}3@example.com`)).toHaveLength(0);
    // The file's language column is stored now (issue 15): Ann (de) is invited in German, Bo (none) in the instance's English.
    expect(smtp.to(`${p}1@example.com`)[0].subject).toBe(`Einladung zu ${acme.name}.localhost`);
    expect(smtp.to(`${p}2@example.com`)[0].subject).toBe(`Invitation to join ${acme.name}.localhost`);

    const audit = await t.db.query(
      `select actor_login, details from audit_event where tenant_id = $1 and event = 'users_imported' and details->>'file' = 'users.csv' order by id`,
      [acme.id],
    );
    expect(audit.rows.at(-1)).toEqual({ actor_login: 'admin', details: { file: 'users.csv', rows: 3, created: 3, invitationsQueued: 2 } });

    // The same file again: every row is a duplicate of a user the instance now has.
    const again = await admin.get(await preview(csv));
    expect(again.text).toContain('3 of 3 rows cannot be imported');
    for (const [i, line] of [2, 3, 4].entries())
      expect(again.text).toContain(`<tr><td>${line}</td><td>${p}${i + 1}</td><td>Login &quot;${p}${i + 1}&quot; already exists in this instance.</td></tr>`);
  });

  it('10,000 rows import in the background with a progress page that advances', async () => {
    const p = unique('bulk');
    const login = (i: number) => `${p}${String(i).padStart(5, '0')}`;
    const lines = [HEADER];
    for (let i = 1; i <= 10_000; i++) lines.push(`${login(i)},Person ${i},${login(i)}@example.com,Internal,Worker,`);
    const path = await preview(lines.join('\n'));
    expect((await admin.get(path)).text).toContain('10000 users will be created');

    // Another session holds row 5,000's login uncommitted: the import stops there, after 4,000 rows.
    const blocker = await t.db.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into app_user (tenant_id, login, name, user_type) values ($1, $2, 'Blocker', 'Internal')`, [acme.id, login(5000)]);
      expect((await startImport(path, false)).status).toBe(303);
      await expect.poll(async () => (await jobStatus(path)).done, { timeout: 30_000 }).toBe(4000);
      const progress = await admin.get(path);
      expect(progress.text).toMatch(/<progress id="import-bar" max="10000" value="4000">40%<\/progress>/);
      expect(progress.text).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
      expect(await countUsers(p)).toBe(0); // one transaction: nothing is visible before it commits
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
    await expect.poll(async () => (await jobStatus(path)).status, { timeout: 60_000 }).toBe('done');
    const result = await admin.get(path);
    expect(result.text).toContain('10000 users created.');
    expect(result.text).not.toContain('http-equiv="refresh"');
    expect(await countUsers(p)).toBe(10_000);
  });

  it('refuses what is not a CSV file of the contract with a 4xx and a message, and keeps nothing', async () => {
    const jobs = async () => Number((await t.db.query('select count(*) from import_job where tenant_id = $1', [acme.id])).rows[0].count);
    const before = await jobs();
    const wrongHeader = await uploadUsersCsv(admin, 'user,fullname\nann,Ann\n');
    expect(wrongHeader.status).toBe(400);
    expect(wrongHeader.text).toContain('The first line must be the header');
    const binary = await uploadUsersCsv(admin, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0xff, 0xfe, 0x81]), 'users.xlsx');
    expect(binary.status).toBe(400);
    expect(binary.text).toContain('The file is not UTF-8 text');
    const nul = await uploadUsersCsv(admin, `${HEADER}\nann,A\u0000nn,,Internal,,\n`);
    expect(nul.status).toBe(400);
    expect(nul.text).toContain('NUL');
    const empty = await uploadUsersCsv(admin, '');
    expect(empty.status).toBe(400);
    const huge = await uploadUsersCsv(admin, Buffer.alloc(50 * 1024 * 1024, 'a'));
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('The file is larger than 40 MB');
    const noFile = await admin
      .post(`/security/users/import?_csrf=${encodeURIComponent(csrfOf((await admin.get('/security/users/import')).text))}`)
      .field('x', 'y');
    expect(noFile.status).toBe(400);
    const token = encodeURIComponent(csrfOf((await admin.get('/security/users/import')).text));
    const garbled = await admin
      .post(`/security/users/import?_csrf=${token}`)
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nnot a part');
    expect(garbled.status).toBe(400);
    const notMultipart = await admin
      .post('/security/users/import')
      .type('form')
      .send({ _csrf: csrfOf((await admin.get('/security/users/import')).text) });
    expect(notMultipart.status).toBe(415);
    const noToken = await admin.post('/security/users/import').attach('file', Buffer.from(`${HEADER}\nzed,Zed,,Internal,,\n`), 'users.csv');
    expect(noToken.status).toBe(403);
    expect(await jobs()).toBe(before);
    expect((await admin.get('/security/users/import/999999')).status).toBe(404);
  });
});
