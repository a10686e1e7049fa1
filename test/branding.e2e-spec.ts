import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/paths.js';
import { contrastRatio } from '../src/tenancy/brand.js';
import { LOGO_EMPTY, LOGO_NOT_AN_IMAGE, LOGO_TOO_LARGE } from '../src/security/settings-form.js';
import { userFactory } from './support/factories.js';
import { agentFor, csrfOf, login, type Agent } from './support/http.js';
import { openInvitationFor } from './support/invitations.js';
import { startMailWorld, type MailWorld } from './support/mail-world.js';
import { startAppProcess, type AppProcess } from './support/app-process.js';

const LOGO = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'demo-logo.png'));
const LOGO_HASH = createHash('sha256').update(LOGO).digest('hex');
const LOGO_URL = `/branding/logo-${LOGO_HASH.slice(0, 32)}.png`;
/** A JPEG is recognised by its first three bytes; the rest need not be a picture for the check. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]);
const NAME = 'Acme <script>alert(1)</script> & Co';
const NAME_HTML = 'Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co';
const ACCENT = '#0d6e6e';

type File = { bytes: Buffer; name: string; type: string };

/** Posts the Settings form as the page does: multipart, the token in the query string, the file input last. */
async function saveSettings(agent: Agent, fields: Record<string, string>, file?: File, fileFirst = false) {
  const page = await agent.get('/security/settings');
  expect(page.status).toBe(200);
  let req = agent.post(`/security/settings?_csrf=${encodeURIComponent(csrfOf(page.text))}`);
  if (file && fileFirst) req = req.attach('logo', file.bytes, { filename: file.name, contentType: file.type });
  for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
  if (file && !fileFirst) req = req.attach('logo', file.bytes, { filename: file.name, contentType: file.type });
  return req;
}

describe('instance branding: display name, logo and accent colour (Security > Settings)', () => {
  let world: MailWorld;
  let admin: Agent;

  const savedLogo = async () =>
    (await world.t.db.query<{ logo_hash: string | null }>('select logo_hash from tenant_settings where tenant_id = $1', [world.acme.id])).rows[0]?.logo_hash ??
    null;

  beforeAll(async () => {
    world = await startMailWorld();
    admin = world.admin;
  });
  afterAll(() => world?.close());

  it('saves them, and the login page, the Create Account page and the app shell show them at once', async () => {
    const settings = await admin.get('/security/settings');
    expect(settings.text).toMatch(/<label for="displayName">Display name<\/label>/);
    expect(settings.text).toMatch(/<label for="logo">Logo<\/label>/);
    expect(settings.text).toMatch(/<label for="accentColour">Accent colour<\/label>/);
    expect(settings.text).toContain('enctype="multipart/form-data"');

    const res = await saveSettings(
      admin,
      { displayName: `  ${NAME}  `, accentColour: ACCENT.toUpperCase() },
      { bytes: LOGO, name: 'logo.png', type: 'image/png' },
    );
    expect(res.status, res.text).toBe(303);
    expect(res.headers.location).toBe('/security/settings?notice=saved');

    const saved = await admin.get('/security/settings?notice=saved');
    expect(saved.text).toContain('Settings saved.');
    expect(saved.text).toContain(`value="${NAME_HTML}"`);
    expect(saved.text).toContain(`value="${ACCENT}"`);
    expect(saved.text).toContain(`<img src="${LOGO_URL}" alt="${NAME_HTML}">`);
    expect(saved.text).toMatch(/<label for="removeLogo">Remove logo<\/label>/);

    // Anonymous pages: no session, the brand comes with the (just dropped) cached tenant.
    const visitor = agentFor(world.t, world.acme.host);
    const loginPage = await visitor.get('/login');
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain(`<img class="brand-logo" src="${LOGO_URL}" alt="">`);
    expect(loginPage.text).toContain(`<span>${NAME_HTML}</span>`);
    expect(loginPage.text).toContain('<link rel="stylesheet" href="/branding/theme-0d6e6e.css">');
    expect(loginPage.text).not.toContain('<script>alert');

    const user = await userFactory(world.t.db, world.acme, { userType: 'Invitation Internal (No login)', password: null, roles: ['Worker'] });
    const signup = await visitor.get(`/invitation/${await openInvitationFor(world.t.db, world.acme.id, user.id)}`);
    expect(signup.status).toBe(200);
    expect(signup.text).toContain(`<img class="brand-logo" src="${LOGO_URL}" alt="">`);

    const forgot = await visitor.get('/password/forgot');
    expect(forgot.text).toContain(`src="${LOGO_URL}"`);

    const shell = await admin.get('/');
    expect(shell.text).toContain(`<a class="brand" href="/"><img class="brand-logo" src="${LOGO_URL}" alt="">`);
    expect(shell.text).toMatch(/alt="[^"]*">\s*<span>Acme &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; Co<\/span><\/a>/);
    expect(shell.text).toContain('<link rel="stylesheet" href="/branding/theme-0d6e6e.css">');

    const theme = await visitor.get('/branding/theme-0d6e6e.css');
    expect(theme.status).toBe(200);
    expect(theme.headers['content-type']).toMatch(/^text\/css/);
    expect(theme.text).toContain('--accent: #0d6e6e;');
    expect(theme.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const audit = await world.t.db.query<{ details: Record<string, unknown> }>(
      `select details from audit_event where tenant_id = $1 and event = 'instance_settings_changed' order by id desc limit 1`,
      [world.acme.id],
    );
    expect(audit.rows[0].details).toEqual({ displayName: NAME, accentColour: ACCENT, logo: { sha256: LOGO_HASH, type: 'image/png', bytes: LOGO.length } });
  });

  it('serves the logo from the instance host with its own type, nosniff and a year-long cache; other URLs answer 404', async () => {
    const visitor = agentFor(world.t, world.acme.host);
    const logo = await visitor.get(LOGO_URL).buffer(true);
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['x-content-type-options']).toBe('nosniff');
    expect(logo.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Buffer.compare(logo.body as Buffer, LOGO)).toBe(0);
    // Shared by every visitor: no cookie rides along, even for a logged-in browser.
    expect(logo.headers['set-cookie']).toBeUndefined();
    expect((await admin.get(LOGO_URL)).headers['set-cookie']).toBeUndefined();
    expect((await visitor.get(LOGO_URL).set('If-None-Match', logo.headers.etag)).status).toBe(304);
    for (const path of [LOGO_URL.replace('.png', '.jpg'), `/branding/logo-${'0'.repeat(32)}.png`, '/branding/logo.svg', '/branding/theme-ffff00.css']) {
      expect((await visitor.get(path)).status, path).toBe(404);
    }
  });

  it('refuses HTML or SVG renamed .png, a GIF, an empty file and one over 256 KB beside the field, keeping the old logo and the values typed', async () => {
    const before = await savedLogo();
    expect(before).toBe(LOGO_HASH);
    const refused: [File, string][] = [
      [{ bytes: Buffer.from('<!doctype html><script>alert(1)</script>'), name: 'logo.png', type: 'image/png' }, LOGO_NOT_AN_IMAGE],
      [
        { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), name: 'logo.png', type: 'image/png' },
        LOGO_NOT_AN_IMAGE,
      ],
      [{ bytes: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), name: 'logo.gif', type: 'image/gif' }, LOGO_NOT_AN_IMAGE],
      [{ bytes: Buffer.alloc(0), name: 'logo.png', type: 'image/png' }, LOGO_EMPTY],
      [{ bytes: Buffer.concat([LOGO, Buffer.alloc(256 * 1024)]), name: 'logo.png', type: 'image/png' }, LOGO_TOO_LARGE],
    ];
    for (const [file, message] of refused) {
      const res = await saveSettings(admin, { displayName: 'Typed but not saved', accentColour: '#123456' }, file);
      expect(res.status, file.name).toBe(400);
      expect(res.text).toContain(`<p class="error-text" id="logo-error">${message}</p>`);
      expect(res.text).toContain('value="Typed but not saved"');
      expect(res.text).toContain('value="#123456"');
      expect(await savedLogo()).toBe(LOGO_HASH);
    }
    // Far over the limit: refused by its length before anything is read; what was saved stays.
    const huge = await saveSettings(admin, { displayName: 'Huge' }, { bytes: Buffer.alloc(3 * 1024 * 1024, 1), name: 'logo.png', type: 'image/png' });
    expect(huge.status).toBe(400);
    expect(huge.text).toContain(LOGO_TOO_LARGE);
    expect(huge.text).toContain(`value="${NAME_HTML}"`);
    expect(await savedLogo()).toBe(LOGO_HASH);
    const settings = await world.t.db.query('select display_name, accent_colour from tenant_settings where tenant_id = $1', [world.acme.id]);
    expect(settings.rows[0]).toEqual({ display_name: NAME, accent_colour: ACCENT });
  });

  it('refuses a display name with a line break or over 80 characters, and a colour that is not #rrggbb', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ displayName: 'Two\nlines' }, /id="displayName-error">The display name cannot contain line breaks/],
      [{ displayName: 'x'.repeat(81) }, /id="displayName-error">The display name can be at most 80 characters long/],
      [{ accentColour: 'red' }, /id="accentColour-error">Enter the accent colour as # and six hexadecimal digits/],
    ];
    for (const [fields, message] of cases) {
      const res = await saveSettings(admin, fields);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
    }
    expect(await savedLogo()).toBe(LOGO_HASH);
  });

  it('a colour without AA contrast is not used: the default stays and the page says why', async () => {
    expect(contrastRatio('#ffff00', '#ffffff')).toBeLessThan(4.5);
    expect((await saveSettings(admin, { accentColour: '#ffff00' })).status).toBe(303);
    const page = await admin.get('/security/settings');
    expect(page.text).toMatch(/The accent colour #ffff00 has a contrast of only 1\.\d:1 .* so the default colour #1f5f8b is used/);
    expect(page.text).not.toContain('/branding/theme-');
    expect((await agentFor(world.t, world.acme.host).get('/login')).text).not.toContain('/branding/theme-');
    expect((await saveSettings(admin, { accentColour: ACCENT })).status).toBe(303);
  });

  it('an invitation mail shows the logo inline (cid:) and the display name, HTML-escaped, and reads without images', async () => {
    const user = await userFactory(world.t.db, world.acme, { name: 'Jane Roe', userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    const confirm = await admin.get(`/security/users/${user.id}/invitations/new`);
    const sent = await admin
      .post(`/security/users/${user.id}/invitations`)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) });
    expect(sent.status).toBe(303);
    const [mail] = await world.smtp.waitFor(1);
    const logo = mail.attachments.find((a) => a.cid === 'logo@brand');
    expect(logo?.contentType).toBe('image/png');
    expect(logo && Buffer.compare(logo.content, LOGO)).toBe(0);
    expect(logo?.related).toBe(true);
    // The parser shows the inline part as a data: URL where the mail says cid:logo@brand.
    expect(mail.html).toMatch(new RegExp(`<img src="(cid:logo@brand|data:image/png;base64,[^"]+)" alt="${NAME_HTML.replace(/[()]/g, '\\$&')}" height="40"`));
    // With images off the name is still there as text, and the button has the accent colour.
    expect(mail.html).toContain(`font-weight:bold;color:#24313d">${NAME_HTML}</p>`);
    expect(mail.html).toContain(`background:${ACCENT};`);
    expect(mail.html).not.toContain('<script>alert');
    expect(mail.text).toContain(`You have been invited to join ${NAME}`);

    // The password reset mail too.
    const visitor = agentFor(world.t, world.acme.host);
    const forgot = await visitor.get('/password/forgot');
    expect(
      (
        await visitor
          .post('/password/forgot')
          .type('form')
          .send({ _csrf: csrfOf(forgot.text), login: 'admin' })
      ).status,
    ).toBe(200);
    const [, reset] = await world.smtp.waitFor(2);
    expect(reset.subject).toMatch(/^Reset your password/);
    expect(reset.attachments.find((a) => a.cid === 'logo@brand')?.contentType).toBe('image/png');
    expect(reset.html).toContain(`alt="${NAME_HTML}" height="40"`);
    expect(reset.html).toContain(`background:${ACCENT};`);
  });

  it('Remove logo brings the standard mark back, and the old logo URL answers 404', async () => {
    expect((await saveSettings(admin, { displayName: NAME, accentColour: ACCENT, removeLogo: 'on' })).status).toBe(303);
    expect(await savedLogo()).toBeNull();
    const visitor = agentFor(world.t, world.acme.host);
    expect((await visitor.get(LOGO_URL)).status).toBe(404);
    const page = await visitor.get('/login');
    expect(page.text).toContain('<img src="/assets/icons/logo.svg" alt="" width="28" height="28">');
    expect(page.text).not.toContain('/branding/logo-');
    // A JPEG is taken too, and named .jpg.
    expect((await saveSettings(admin, { displayName: NAME }, { bytes: JPEG, name: 'photo.jpeg', type: 'application/octet-stream' })).status).toBe(303);
    const jpegUrl = `/branding/logo-${createHash('sha256').update(JPEG).digest('hex').slice(0, 32)}.jpg`;
    // Fields after the file count as much as those before it.
    expect((await saveSettings(admin, { displayName: 'After the file' }, { bytes: JPEG, name: 'photo.jpeg', type: 'image/jpeg' }, true)).status).toBe(303);
    expect((await visitor.get('/login')).text).toContain('<span>After the file</span>');
    expect((await saveSettings(admin, { displayName: NAME })).status).toBe(303);
    expect((await visitor.get('/login')).text).toContain(`src="${jpegUrl}"`);
    const jpeg = await visitor.get(jpegUrl);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect((await saveSettings(admin, { displayName: NAME }, { bytes: LOGO, name: 'logo.png', type: 'image/png' })).status).toBe(303);
    expect((await visitor.get(jpegUrl)).status).toBe(404);
  });

  it('is for users who may use the Security module only', async () => {
    const worker = await userFactory(world.t.db, world.acme, { roles: ['Worker'] });
    const { agent } = await login(world.t, world.acme.host, worker.login, worker.password);
    expect((await agent.get('/security/settings')).status).toBe(403);
    const page = await agent.get('/');
    const post = await agent
      .post(`/security/settings?_csrf=${encodeURIComponent(csrfOf(page.text))}`)
      .field('displayName', 'Mine')
      .attach('logo', LOGO, 'logo.png');
    expect(post.status).toBe(403);
    expect(await savedLogo()).toBe(LOGO_HASH);
  });

  describe('on a second app process on the same database', () => {
    let other: AppProcess;
    beforeAll(async () => {
      other = await startAppProcess(world.t.databaseUrl);
    });
    afterAll(() => other?.stop());

    it('the logo is served with the same type and headers, and its pages show it', async () => {
      for (const [origin, host] of [
        [`http://127.0.0.1:${world.t.port}`, world.acme.host],
        [other.url, `${world.acme.name}.localhost:${other.port}`],
      ]) {
        const res = await request(origin).get(LOGO_URL).set('Host', host).buffer(true);
        expect(res.status, origin).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(Buffer.compare(res.body as Buffer, LOGO)).toBe(0);
        const login = await request(origin).get('/login').set('Host', host);
        expect(login.text).toContain(`<img class="brand-logo" src="${LOGO_URL}" alt="">`);
      }
    });
  });
});
