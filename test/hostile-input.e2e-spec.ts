import http from 'node:http';
import { isIP } from 'node:net';
import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { getMetadataStorage } from 'class-validator';
import type { Request, Response, NextFunction } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_PUBLIC } from '../src/common/decorators.js';
import { MailDeliveryWorker } from '../src/mail/mail-delivery.worker.js';
import { openInvitationFor } from './support/invitations.js';
import { tenantFactory, userFactory, type TestTenant, type TestUser } from './support/factories.js';
import { unescapeHtml } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 10 (3): every route of the running app, found by walking the Express router, gets hostile
 * input as an administrator and anonymously. Every answer is below 500 and shows no stack trace,
 * and a refused request leaves users, roles, memberships and invitations exactly as they were.
 */

// ---------------------------------------------------------------------------------------------
// Raw HTTP: full control over the path, method, headers and body bytes (no client-side encoding).

interface Sent {
  method: string;
  path: string;
  host?: string;
  cookie?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  contentType?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  error?: string;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

function send(port: number, defaultHost: string, req: Sent): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.host !== undefined) headers.Host = req.host;
    else headers.Host = defaultHost;
    if (req.cookie) headers.Cookie = req.cookie;
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    let settled = false;
    const done = (a: Answer) => {
      if (!settled) resolve(a);
      settled = true;
    };
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => done({ status: res.statusCode ?? 0, headers: res.headers, text: '', error: err.message }));
    });
    r.on('error', (err) => done({ status: 0, headers: {}, text: '', error: err.message }));
    r.end(req.body);
  });
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// HTML forms as a browser submits them.

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? '');
  return out;
}

interface Form {
  method: string;
  action: string;
  /** Field values a browser would send (checked boxes, selected options), in order. */
  fields: [string, string][];
  /** Required text fields left empty: filled per request with a fresh value. */
  required: string[];
  names: string[];
}

function formsOf(html: string): Form[] {
  const forms: Form[] = [];
  const page = html.replace(/<template\b[\s\S]*?<\/template>/g, '');
  for (const m of page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const a = attrs(m[1]);
    const form: Form = { method: (a.method || 'get').toUpperCase(), action: a.action ?? '', fields: [], required: [], names: [] };
    for (const input of m[2].matchAll(/<input\b([^>]*)>/g)) {
      const i = attrs(input[1]);
      if (!i.name || (i.form && i.form !== a.id)) continue;
      form.names.push(i.name);
      const type = (i.type || 'text').toLowerCase();
      if (['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !('checked' in i)) continue;
      if ('required' in i && !i.value) form.required.push(i.name);
      else form.fields.push([i.name, i.value ?? 'on']);
    }
    for (const select of m[2].matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
      const s = attrs(select[1]);
      if (!s.name || (s.form && s.form !== a.id)) continue;
      form.names.push(s.name);
      const options = [...select[2].matchAll(/<option\b([^>]*)>/g)].map((o) => attrs(o[1]));
      const chosen = options.find((o) => 'selected' in o) ?? options[0];
      if (chosen) form.fields.push([s.name, chosen.value ?? '']);
    }
    for (const button of m[2].matchAll(/<button\b([^>]*)>/g)) {
      const b = attrs(button[1]);
      if (b.name && !b.form) form.names.push(b.name);
    }
    forms.push(form);
  }
  // Controls outside their form (`form="id"`: the user form's _action, the list's checkboxes) name its fields too.
  const ids = [...page.matchAll(/<form\b([^>]*)>/g)].map((m) => attrs(m[1]).id);
  for (const control of page.matchAll(/<(?:button|input|select)\b([^>]*\bform="[^"]+"[^>]*)>/g)) {
    const c = attrs(control[1]);
    const form = forms[ids.indexOf(c.form)];
    if (c.name && form) form.names.push(c.name);
  }
  return forms;
}

const enc = encodeURIComponent;
const encodeFields = (fields: [string, string][]) => fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');

// ---------------------------------------------------------------------------------------------
// The routes of the running app and what each reads.

interface RouteInfo {
  method: string;
  path: string;
  params: string[];
  isPublic: boolean;
  query: Set<string>;
  body: Set<string>;
  /** Page whose form posts here (as the administrator / anonymously). */
  source?: { admin?: string; anon?: string };
}

/** Walks the Express router of the running app: every route layer with its methods. */
function walkRouter(t: TestApp): { method: string; path: string }[] {
  const express = t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  const routes: { method: string; path: string }[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods))
      if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: layer.route.path });
  }
  return routes;
}

const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];
const QUERY_ARG = 4;
const BODY_ARG = 3;

/** Per handler: whether it is public, the query and body fields its decorators and DTOs name. */
function nestRouteMetadata(t: TestApp): Map<string, { isPublic: boolean; query: string[]; body: string[] }> {
  const out = new Map<string, { isPublic: boolean; query: string[]; body: string[] }>();
  const join = (...parts: (string | undefined)[]) =>
    '/' +
    parts
      .filter(Boolean)
      .map((p) => p!.replace(/^\/+|\/+$/g, ''))
      .filter(Boolean)
      .join('/');
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!cls) continue;
      const base = Reflect.getMetadata(PATH_METADATA, cls) as string | undefined;
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as number | undefined;
        if (path === undefined || method === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, cls, name) ?? {}) as Record<string, { index: number; data?: unknown }>;
        const types = (Reflect.getMetadata('design:paramtypes', cls.prototype, name) ?? []) as unknown[];
        const query: string[] = [];
        const body: string[] = [];
        for (const [key, arg] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          if (kind === QUERY_ARG && typeof arg.data === 'string') query.push(arg.data);
          if (kind === BODY_ARG && typeof arg.data === 'string') body.push(arg.data);
          if (kind === BODY_ARG && arg.data === undefined && typeof types[arg.index] === 'function') {
            for (const meta of getMetadataStorage().getTargetValidationMetadatas(types[arg.index] as new () => object, '', true, false))
              body.push(meta.propertyName);
          }
        }
        const isPublic = !!(Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, cls));
        out.set(`${REQUEST_METHODS[method]} ${join(base, path)}`, { isPublic, query, body });
      }
    }
  }
  return out;
}

/** Records which keys of `req.query` and `req.body` the app reads while serving a request. */
function installReadRecorder(t: TestApp) {
  const state = { on: false, query: new Set<string>(), body: new Set<string>() };
  const noise = new Set(['then', 'constructor', 'toJSON', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'length', 'inspect', 'asymmetricMatch']);
  const spy = <T extends object>(target: T, into: Set<string>): T =>
    new Proxy(target, {
      get(o, k, r) {
        if (typeof k === 'string' && !noise.has(k)) into.add(k);
        return Reflect.get(o, k, r) as unknown;
      },
      has(o, k) {
        if (typeof k === 'string' && !noise.has(k)) into.add(k);
        return Reflect.has(o, k);
      },
    });
  const ex = t.app.getHttpAdapter().getInstance() as {
    get(name: string): (s: string) => object;
    set(name: string, v: unknown): void;
    use(fn: unknown): void;
    router: { stack: { name: string }[] };
  };
  const parse = ex.get('query parser fn');
  ex.set('query parser fn', (s: string) => (state.on ? spy(parse(s), state.query) : parse(s)));
  ex.use((req: Request, _res: Response, next: NextFunction) => {
    if (state.on && req.body && typeof req.body === 'object') req.body = spy(req.body as object, state.body);
    next();
  });
  // Move the body spy right behind the body parser (app.use after init appends it at the end).
  const stack = ex.router.stack;
  const layer = stack.pop()!;
  stack.splice(stack.findIndex((l) => l.name === 'urlencodedParser') + 1, 0, layer);
  return state;
}

// ---------------------------------------------------------------------------------------------
// Hostile values: raw urlencoded fragments, so malformed percent-encoding stays malformed.

const MEGABYTE = 'A'.repeat(1024 * 1024);
const PROTO = ['constructor', '__proto__', 'toString', '__defineGetter__'];
const NUMBERS = ['2147483648', '9223372036854775808', '-1', '0', '1e3', 'abc'];
const BAD_PERCENT = ['%', '%FF', '%E0%A4%A'];

function fieldFragments(field: string): { label: string; fragment: string }[] {
  const k = enc(field);
  return [
    ...PROTO.map((v) => ({ label: v, fragment: `${k}=${v}` })),
    { label: 'NUL', fragment: `${k}=a%00b` },
    ...BAD_PERCENT.map((v) => ({ label: v, fragment: `${k}=${v}` })),
    { label: 'empty', fragment: `${k}=` },
    { label: 'array', fragment: `${k}=1&${k}=2` },
    { label: 'a[]', fragment: `${k}[]=1&${k}[]=2` },
    { label: 'a[b]', fragment: `${k}[b]=c` },
    { label: 'a[__proto__]', fragment: `${k}[__proto__][x]=y` },
    ...NUMBERS.map((v) => ({ label: v, fragment: `${k}=${v}` })),
    { label: 'megabyte', fragment: `${k}=${MEGABYTE}` },
  ];
}

/** Field names that are prototype keys or malformed themselves. */
const KEY_FRAGMENTS = ['constructor=x', '__proto__=x', '__proto__[polluted]=1', 'toString=x', '%=x', 'a%00=1', '%FF=1'];

const PARAM_VALUES = ['2147483648', '9223372036854775808', '-1', '0', '1e3', 'abc', '1.5', '%', '%FF', '%E0%A4%A', '%00', 'constructor', '__proto__'];

const ODD_METHODS = ['PROPFIND', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD', 'SEARCH'];

/** A heading and a paragraph saying what happened, or a form shown again with its message (an alert, a message beside a field). */
const SAYS_WHY = /<h1\b[^>]*>[\s\S]*?<\/h1>\s*(<\/div>\s*)?<p\b[^>]*>\s*[^\s<]|role="alert"|class="error-text"/;
/<h1\b[\s\S]*(<section class="page narrow">[\s\S]*<p>\S|role="alert"|class="error-text")|<section class="page narrow">\s*<h1>[^<]+<\/h1>\s*<p>\S/;

/** Requests in flight at once: moderate, the machine is shared. */
const PARALLEL = 6;
/** Writing requests sent together between two snapshots. */
const BATCH = 8;

const STACK_TRACE = /\bError:|\n\s+at \S+ \(|at .+:\d+:\d+\)/;

// ---------------------------------------------------------------------------------------------

describe('hostile input on every route (issue 10)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let invitee: TestUser;
  let token: string;
  let routes: RouteInfo[];
  let discovery: Promise<RouteInfo[]> | undefined;
  const identities: Record<'admin' | 'anon', { cookie: string; csrf: string }> = {
    admin: { cookie: '', csrf: '' },
    anon: { cookie: '', csrf: '' },
  };
  const failures: string[] = [];
  let sentCount = 0;

  const request = (req: Sent) => {
    sentCount++;
    return send(t.port, acme.host, req);
  };

  const cookiesOf = (a: Answer) =>
    ((a.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).filter((c) => !/=$/.test(c) && !/=;/.test(c));

  const csrfIn = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';

  async function logIn(): Promise<void> {
    // The test's own attempts must not be throttled by the failures the sweep causes on purpose.
    await t.db.query('delete from login_throttle');
    const page = await request({ method: 'GET', path: '/login' });
    const pre = cookiesOf(page).join('; ');
    const res = await request({
      method: 'POST',
      path: '/login',
      cookie: pre,
      body: encodeFields([
        ['_csrf', csrfIn(page.text)],
        ['login', acme.admin.login],
        ['password', acme.admin.password],
      ]),
    });
    expect(res.status).toBe(303);
    identities.admin.cookie = cookiesOf(res).join('; ');
    identities.admin.csrf = csrfIn((await request({ method: 'GET', path: '/security/users/new', cookie: identities.admin.cookie })).text);
    expect(identities.admin.csrf).not.toBe('');
  }

  async function stillLoggedIn(): Promise<boolean> {
    return (await request({ method: 'GET', path: '/security', cookie: identities.admin.cookie })).status === 200;
  }

  /** Every row of the tables a hostile request must not change, as one digest. */
  async function snapshot(): Promise<string> {
    const { rows } = await t.db.query<{ d: string }>(`select concat_ws('|',
      (select md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from app_user x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from role x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.user_id, x.role_id), '')) from user_role x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.user_id, x.group_id), '')) from group_member x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from user_group x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from invitation x),
      (select md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from tenant x)) as d`);
    return rows[0].d;
  }

  const concrete = (route: RouteInfo, ids: { user: number; role: number; group: number }) =>
    route.path.replace(/:(\w+)/g, (_m, name: string) => {
      if (name === 'token') return token;
      if (route.path.startsWith('/security/roles')) return String(ids.role);
      if (route.path.startsWith('/security/groups')) return String(ids.group);
      return String(ids.user);
    });

  const pattern = (path: string) => new RegExp('^' + path.replace(/:\w+/g, '[^/?#]+') + '$');

  beforeAll(async () => {
    t = await createTestApp();
    // Queued invitations stay queued: the worker would change rows while the sweep compares them.
    await t.app.get(MailDeliveryWorker).stop();
    acme = await tenantFactory(t, { displayName: 'Acme Corp' });
    invitee = await userFactory(t.db, acme, { userType: 'Invitation Internal (No login)', roles: ['Worker'], password: null });
    await userFactory(t.db, acme, { roles: ['Salesperson'] });
    // The Create Account link belongs to another invitee, so the invitation routes' sends and
    // revokes on `invitee` leave it open and hostile signup forms reach the password checks.
    const signer = await userFactory(t.db, acme, { userType: 'Invitation External (No login)', roles: ['Worker'], password: null });
    token = await openInvitationFor(t.db, acme.id, signer.id, '3 days');
    await logIn();
    const anonPage = await request({ method: 'GET', path: '/login' });
    identities.anon = { cookie: cookiesOf(anonPage).join('; '), csrf: csrfIn(anonPage.text) };
    expect(identities.anon.csrf).not.toBe('');
  }, 60_000);

  afterAll(async () => {
    keepAlive.destroy();
    await t?.close();
  });

  /**
   * Walks the router once (whichever test asks first): each route with the fields its decorators and
   * DTOs name, the query and body keys it reads while serving a benign request, and the fields of
   * the forms on the app's pages that post to it.
   */
  const discoverRoutes = () => (discovery ??= walkAndLearn());

  async function walkAndLearn(): Promise<RouteInfo[]> {
    const meta = nestRouteMetadata(t);
    const walked = walkRouter(t);
    expect(walked.length).toBeGreaterThanOrEqual(20);
    routes = walked.map(({ method, path }) => {
      const m = meta.get(`${method} ${path}`);
      expect(m, `Nest metadata for ${method} ${path}`).toBeDefined();
      return {
        method,
        path,
        params: [...path.matchAll(/:(\w+)/g)].map((p) => p[1]),
        isPublic: m!.isPublic,
        query: new Set(m!.query),
        body: new Set(m!.body),
      };
    });
    const ids = { user: invitee.id, role: acme.roles.Worker, group: acme.everybodyId };
    const recorder = installReadRecorder(t);
    // GET pages first: their forms say which fields each POST route reads, and where to get them.
    const ordered = [...routes.filter((r) => r.method === 'GET'), ...routes.filter((r) => r.method !== 'GET')];
    for (const route of ordered) {
      for (const who of ['admin', 'anon'] as const) {
        const form = route.source?.[who];
        const fields = form ? formsOf((await request({ method: 'GET', path: form, cookie: identities[who].cookie })).text) : [];
        const own = fields.find((f) => f.method === route.method && pattern(route.path).test(f.action));
        const body =
          route.method === 'POST'
            ? encodeFields([
                ['_csrf', identities[who].csrf],
                ...(own?.fields.filter(([k]) => k !== '_csrf') ?? []),
                ...(own?.required.map((k): [string, string] => [k, 'x']) ?? []),
              ])
            : undefined;
        recorder.query.clear();
        recorder.body.clear();
        recorder.on = true;
        const res = await request({ method: route.method, path: concrete(route, ids), cookie: identities[who].cookie, body });
        recorder.on = false;
        expect(res.status, `${who} ${route.method} ${route.path}`).toBeLessThan(500);
        recorder.query.forEach((k) => route.query.add(k));
        recorder.body.forEach((k) => route.body.add(k));
        if (route.method === 'GET' && res.status === 200) {
          for (const f of formsOf(res.text)) {
            const target = routes.find((r) => r.method === f.method && f.action && pattern(r.path).test(f.action.split('?')[0]));
            if (!target) continue;
            target.source ??= {};
            target.source[who] ??= concrete(route, ids);
            f.names.forEach((n) => (f.method === 'GET' ? target.query : target.body).add(n));
          }
        }
      }
      if (route.path === '/logout') await logIn();
    }
    return routes;
  }

  it('finds the routes by walking the router and learns what each reads', async () => {
    await discoverRoutes();
    // The fields the issue names are among those found.
    const find = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)!;
    expect([...find('GET', '/security/users').query]).toEqual(expect.arrayContaining(['q', 'status', 'sort', 'dir', 'after', 'before', 'at', 'notice']));
    expect([...find('GET', '/login').query]).toEqual(expect.arrayContaining(['notice', 'next']));
    expect([...find('GET', '/security/users/:id').query]).toEqual(expect.arrayContaining(['notice', 'error']));
    expect([...find('POST', '/security/users/:id').body]).toEqual(
      expect.arrayContaining(['_action', 'login', 'name', 'email', 'userType', 'roles', 'version', '_csrf']),
    );
    expect([...find('POST', '/security/roles').body]).toEqual(expect.arrayContaining(['name', '_csrf']));
    expect([...find('POST', '/invitation/:token').body]).toEqual(expect.arrayContaining(['password', 'confirmPassword']));
    expect(find('POST', '/security/users/:id').source?.admin).toBe(`/security/users/${invitee.id}`);
  }, 60_000);

  it("answers the issue's own cases with a normal page or a clear 4xx, saving nothing", async () => {
    const admin = identities.admin;
    const page = (path: string, cookie = admin.cookie) => request({ method: 'GET', path, cookie });
    const post = (path: string, body: string, cookie = admin.cookie) => request({ method: 'POST', path, cookie, body });

    for (const key of PROTO) {
      const list = await page(`/security/users?sort=${key}&notice=${key}`);
      expect(list.status, key).toBe(200);
      expect(list.text).toContain(invitee.login);
      expect((await page(`/security/users/${invitee.id}?notice=${key}&error=${key}`)).status, key).toBe(200);
      expect((await page(`/login?notice=${key}&error=${key}`, identities.anon.cookie)).status, key).toBe(200);
    }

    // An unknown _action with an otherwise valid form: refused before the save.
    const form = formsOf((await page(`/security/users/${invitee.id}`)).text).find((f) => f.action === `/security/users/${invitee.id}`)!;
    const fields = form.fields.map(([k, v]): [string, string] => [k, k === 'name' ? 'Renamed By Hostile Action' : k === '_csrf' ? admin.csrf : v]);
    for (const action of ['__proto__', 'constructor', 'toString', '__defineGetter__']) {
      const res = await post(`/security/users/${invitee.id}`, `${encodeFields(fields)}&_action=${action}`);
      expect(res.status, action).toBe(400);
      expect(res.text).toContain('Unknown action.');
    }
    expect((await t.db.query('select name from app_user where id = $1', [invitee.id])).rows[0].name).toBe(invitee.name);

    // NUL characters: a 400 that says what is wrong; nothing reaches PostgreSQL.
    const roles = (await t.db.query('select count(*)::int as n from role')).rows[0].n as number;
    for (const res of [
      await page('/security/users?q=a%00b'),
      await post('/security/roles', `_csrf=${enc(admin.csrf)}&name=Night%00Shift`),
      await post(`/security/users/${invitee.id}`, `${encodeFields(fields.filter(([k]) => k !== 'email'))}&email=a%00@example.com`),
    ]) {
      expect(res.status).toBe(400);
      expect(res.text).toContain('NUL character');
    }
    expect((await t.db.query('select count(*)::int as n from role')).rows[0].n).toBe(roles);

    // Ids out of int4: the same 404 as the page of that id.
    for (const id of ['2147483648', '9223372036854775808', '0', '-1', '1e3', 'abc']) {
      expect((await page(`/security/users/${id}`)).status, id).toBe(404);
      expect((await post(`/security/users/${id}/invitations`, `_csrf=${enc(admin.csrf)}`)).status, id).toBe(404);
    }

    // Cookies that do not decode: as if absent.
    const anonymous = await request({ method: 'GET', path: '/security', cookie: 'sid=%FF; csrf=%' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login/);
    expect((await request({ method: 'GET', path: '/login', cookie: 'csrf=%E0%A4%A' })).status).toBe(200);
    expect((await page('/security', `${admin.cookie}; csrf=%`)).status).toBe(200);
  });

  it('answers every hostile request below 500, without a stack trace, and changes nothing it refuses', async () => {
    await discoverRoutes();
    const ids = { user: invitee.id, role: acme.roles.Worker, group: acme.everybodyId };

    interface Case {
      who: 'admin' | 'anon';
      label: string;
      route: RouteInfo;
      /** Builds the request at send time (fresh form values, current version). */
      build: () => Promise<Sent>;
      /** Must be refused whatever the app's state (a foreign host, an id that is none, a body no parser takes): it may change nothing. */
      inert?: boolean;
    }

    const formCache = new Map<string, Form | undefined>();
    let fill = 0;
    /** The route's form as a browser would post it now, without `drop`. */
    const baseline = async (route: RouteInfo, who: 'admin' | 'anon', drop?: string): Promise<[string, string][]> => {
      const source = route.source?.[who];
      const key = `${who} ${route.method} ${route.path}`;
      if (source && !formCache.has(key)) {
        const page = await request({ method: 'GET', path: source, cookie: identities[who].cookie });
        formCache.set(
          key,
          formsOf(page.text).find((f) => f.method === route.method && pattern(route.path).test(f.action)),
        );
      }
      const form = formCache.get(key);
      const fields: [string, string][] = [['_csrf', identities[who].csrf]];
      for (const [k, v] of form?.fields ?? []) if (k !== '_csrf') fields.push([k, v]);
      for (const k of form?.required ?? []) fields.push([k, `h${Date.now().toString(36)}${fill++}`]);
      return fields.filter(([k]) => k !== drop);
    };

    const cases: Case[] = [];
    for (const route of routes) {
      const path = concrete(route, ids);
      const isPost = route.method === 'POST';
      for (const who of ['admin', 'anon'] as const) {
        const id = identities[who];
        const add = (label: string, build: () => Promise<Sent>, inert = false) => cases.push({ who, label, route, build, inert });
        const withBody = async (extra: string, drop?: string): Promise<string> => {
          const base = encodeFields(await baseline(route, who, drop));
          return extra ? `${base}&${extra}` : base;
        };
        // Every field the route reads, one at a time: in the query of a GET, in the body of a POST.
        // (Anonymous requests to a route that needs a login stop at the session guard, before any
        // field is read: they get every other case below, not each field.)
        const fields = new Set(who === 'anon' && !route.isPublic ? [] : isPost ? route.body : route.query);
        for (const field of fields) {
          for (const { label, fragment } of fieldFragments(field)) {
            if (isPost) add(`body ${field}=${label}`, async () => ({ method: 'POST', path, cookie: id.cookie, body: await withBody(fragment, field) }));
            else if (label !== 'megabyte')
              add(`query ${field}=${label}`, async () => ({ method: route.method, path: `${path}?${fragment}`, cookie: id.cookie }));
          }
        }
        // Prototype keys and malformed names as field names.
        // (In the body of a POST, in the query of a GET: a POST's query gets the case below.)
        for (const fragment of KEY_FRAGMENTS) {
          if (isPost) add(`body key ${fragment}`, async () => ({ method: 'POST', path, cookie: id.cookie, body: await withBody(fragment) }));
          else add(`query key ${fragment}`, async () => ({ method: route.method, path: `${path}?${fragment}`, cookie: id.cookie }));
        }
        // The issue's own cases, on every route.
        add('?sort=constructor&notice=__defineGetter__&error=__defineGetter__', async () => ({
          method: route.method,
          path: `${path}?sort=constructor&notice=__defineGetter__&error=__defineGetter__&page=2147483648`,
          cookie: id.cookie,
          body: isPost ? await withBody('') : undefined,
        }));
        add('64 KB query (past the header limit)', async () => ({ method: route.method, path: `${path}?q=${'B'.repeat(64 * 1024)}`, cookie: id.cookie }));
        // Path parameters out of range, not numbers, malformed.
        for (const param of route.params) {
          for (const value of PARAM_VALUES) {
            add(
              `:${param}=${value}`,
              async () => ({
                method: route.method,
                path: route.path.replace(/:(\w+)/g, (m, name: string) => (name === param ? value : concrete({ ...route, path: m }, ids))),
                cookie: id.cookie,
                body: isPost ? await withBody('') : undefined,
              }),
              true,
            );
          }
        }
        // Malformed percent-encoding and NUL in the path itself.
        for (const suffix of ['%', '/%FF', '%00', '/%E0%A4%A'])
          add(`path ${suffix}`, async () => ({ method: route.method, path: path + suffix, cookie: id.cookie }), true);
        // Cookies that do not decode.
        const cookies = [
          `${id.cookie}; csrf=%`,
          `sid=%FF; csrf=%`,
          `${id.cookie}; sid=%FF`,
          `sid=s%3A%E0%A4%A; csrf=%E0%A4%A`,
          `__proto__=%; constructor=%FF; ${id.cookie}`,
        ];
        for (const cookie of cookies)
          add(
            `cookie ${cookie.slice(0, 40)}`,
            async () => ({ method: route.method, path, cookie, body: isPost ? await withBody('') : undefined }),
            !cookie.includes(id.cookie),
          );
        // Other bodies on form routes.
        if (isPost) {
          add(
            'json body',
            async () => ({
              method: 'POST',
              path,
              cookie: id.cookie,
              contentType: 'application/json',
              body: JSON.stringify({ _csrf: id.csrf, name: { $gt: '' }, login: ['a'], _action: 'constructor', ids: [2 ** 31] }),
            }),
            true,
          );
          add(
            'multipart body',
            async () => {
              const b = '----hostile';
              const parts = [
                ['_csrf', id.csrf],
                ['name', 'x\u0000'],
                ['_action', '__proto__'],
              ];
              return {
                method: 'POST',
                path,
                cookie: id.cookie,
                contentType: `multipart/form-data; boundary=${b}`,
                body: parts.map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${b}--\r\n`,
              };
            },
            true,
          );
          add(
            'utf-16 charset',
            async () => ({
              method: 'POST',
              path,
              cookie: id.cookie,
              contentType: 'application/x-www-form-urlencoded; charset=utf-16',
              body: await withBody(''),
            }),
            true,
          );
          add(
            'gzip garbage',
            async () => ({ method: 'POST', path, cookie: id.cookie, headers: { 'Content-Encoding': 'gzip' }, body: await withBody('') }),
            true,
          );
          add(
            'unknown encoding',
            async () => ({
              method: 'POST',
              path,
              cookie: id.cookie,
              headers: { 'Content-Encoding': 'hostile' },
              body: await withBody(''),
            }),
            true,
          );
          add('megabyte body', async () => ({ method: 'POST', path, cookie: id.cookie, body: await withBody(`filler=${MEGABYTE}`) }), true);
          add(
            '2,100 fields',
            async () => ({
              method: 'POST',
              path,
              cookie: id.cookie,
              body: await withBody(Array.from({ length: 2100 }, (_, i) => `f${i}=1`).join('&')),
            }),
            true,
          );
        }
        // Unknown and unusual methods.
        for (const method of ODD_METHODS)
          add(`method ${method}`, async () => ({ method, path, cookie: id.cookie, body: method === 'HEAD' || method === 'TRACE' ? undefined : 'a=1' }));
        // Odd Host headers.
        const [name, port] = [acme.name, t.port];
        const hosts = [
          'evil.example',
          `${name.toUpperCase()}.LOCALHOST:${port}`,
          `${name}.localhost.:${port}`,
          `${name}.localhost:${port}.evil.example`,
          `${name}.localhost:${port}:1`,
          `${name}..localhost:${port}`,
          `[::1]:${port}`,
          `localhost:${port}`,
          `${'a'.repeat(300)}.localhost:${port}`,
          `${name}%00.localhost:${port}`,
          '',
        ];
        // The second and third name the instance (case and a trailing dot do not matter); the others name none.
        hosts.forEach((host, i) =>
          add(
            `host ${host.slice(0, 40)}`,
            async () => ({ method: route.method, path, host, cookie: id.cookie, body: isPost ? await withBody('') : undefined }),
            i === 0 || i > 2,
          ),
        );
      }
    }
    // The bare base host is served by middleware, not by a route: its one input, `instance`.
    for (const { label, fragment } of fieldFragments('instance').filter((f) => f.label !== 'megabyte')) {
      cases.push({
        who: 'anon',
        label: `base host /go ${label}`,
        route: { method: 'GET', path: '/go', params: [], isPublic: true, query: new Set(), body: new Set() },
        build: async () => ({ method: 'GET', path: `/go?${fragment}`, host: `localhost:${t.port}` }),
      });
    }

    // Paths that middleware answers before the router: static assets, unknown paths.
    const assetPaths = [
      '/assets/%',
      '/assets/%FF',
      '/assets/css/app.css%00',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/css/app.css?%',
      '/favicon.ico%',
      '/%',
      '/nosuch/%E0%A4%A',
    ];
    for (const path of assetPaths) {
      for (const host of [acme.host, `localhost:${t.port}`]) {
        cases.push({
          who: 'anon',
          label: `middleware path ${path} on ${host}`,
          route: { method: 'GET', path, params: [], isPublic: true, query: new Set(), body: new Set() },
          build: async () => ({ method: 'GET', path, host }),
        });
      }
    }

    const check = (c: Case, sent: Sent, res: Answer) => {
      const what = `${c.who} ${c.route.method} ${c.route.path} [${c.label}] -> ${sent.method} ${sent.path.slice(0, 120)}`;
      if (res.status === 0) failures.push(`${what}: no answer (${res.error})`);
      else if (res.status >= 500) failures.push(`${what}: ${res.status}`);
      else if (STACK_TRACE.test(res.text)) failures.push(`${what}: stack trace or "Error:" in the body`);
      // A refusal by the app (not by Node's HTTP parser) is a page that says what happened.
      else if (res.status >= 400 && res.headers['x-request-id'] && sent.method !== 'HEAD' && !SAYS_WHY.test(res.text))
        failures.push(`${what}: ${res.status} without a page saying why`);
    };

    // Requests that cannot write (no POST, a POST the session guard stops, or one that must be refused
    // whatever the state) go in parallel and together must change nothing. The rest go one route at a
    // time, in small batches: when a batch changed the data, its refused requests (4xx) are replayed
    // one by one, and none of them may change anything.
    const writes = (c: Case) => c.route.method === 'POST' && (c.who === 'admin' || c.route.isPublic) && !c.inert;
    const readOnly = cases.filter((c) => !writes(c));
    const writing = cases.filter(writes);
    const logout = (c: Case) => c.route.path === '/logout';

    const started = Date.now();
    const before = await snapshot();
    await pool(readOnly, PARALLEL, async (c) => {
      const sent = await c.build();
      check(c, sent, await request(sent));
    });
    expect(await snapshot(), 'read-only requests changed the data').toBe(before);
    const readOnlyMs = Date.now() - started;

    const byRoute = new Map<string, Case[]>();
    for (const c of writing.filter((c) => !logout(c))) byRoute.set(`${c.who} ${c.route.path}`, [...(byRoute.get(`${c.who} ${c.route.path}`) ?? []), c]);
    for (const group of byRoute.values()) {
      for (let i = 0; i < group.length; i += BATCH) {
        const batch = group.slice(i, i + BATCH);
        const start = await snapshot();
        const answers = await Promise.all(
          batch.map(async (c) => {
            const sent = await c.build();
            const res = await request(sent);
            check(c, sent, res);
            return res;
          }),
        );
        if (answers.some((a) => a.status < 400)) formCache.clear();
        if ((await snapshot()) === start || answers.every((a) => a.status < 400)) continue;
        // Something in the batch was saved: replay its refused requests alone, each against its own snapshot.
        let current = await snapshot();
        for (const c of batch.filter((_, j) => answers[j].status >= 400)) {
          const sent = await c.build();
          const res = await request(sent);
          check(c, sent, res);
          const after = await snapshot();
          if (res.status >= 400 && after !== current) failures.push(`${c.who} ${c.route.path} [${c.label}]: refused with ${res.status} but changed the data`);
          if (res.status < 400) formCache.clear();
          current = after;
        }
      }
      if (!(await stillLoggedIn())) await logIn();
    }
    // Logout last: each admin case ends the session, so log in again after each.
    for (const c of writing.filter(logout)) {
      const start = await snapshot();
      const sent = await c.build();
      const res = await request(sent);
      check(c, sent, res);
      expect(await snapshot(), `${c.label} changed the data`).toBe(start);
      if (c.who === 'admin' && !(await stillLoggedIn())) await logIn();
    }
    console.log(
      `hostile sweep: ${routes.length} routes, ${cases.length} cases (${readOnly.length} read-only in ${readOnlyMs} ms), ${sentCount} requests in all, ${Date.now() - started} ms`,
    );
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(2000);
    expect(cases.some((c) => c.label.startsWith('?sort=constructor') && c.route.path === '/security/users')).toBe(true);
  }, 180_000);
});

describe('hostile X-Forwarded-For behind a trusted proxy (issue 10)', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'true' } });
    acme = await tenantFactory(t);
  }, 60_000);
  afterAll(() => t?.close());

  it('logs and throttles a real address whatever the header says', async () => {
    const proxied = { 'X-Forwarded-Proto': 'https' };
    const forwarded = ['x'.repeat(300), 'not an address', `1.2.3.4, ${'y'.repeat(100)}`, 'constructor', '999.1.1.1', '::ffff:1.2.3.4', '203.0.113.9'];
    for (const xff of forwarded) {
      const headers = { ...proxied, 'X-Forwarded-For': xff };
      const page = await send(t.port, acme.host, { method: 'GET', path: '/login', headers });
      const cookie = ((page.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
      const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
      const res = await send(t.port, acme.host, {
        method: 'POST',
        path: '/login',
        headers,
        cookie,
        body: encodeFields([
          ['_csrf', csrf],
          ['login', acme.admin.login],
          ['password', 'wrong password'],
        ]),
      });
      expect(res.status, xff).toBe(401);
    }
    const { rows } = await t.db.query<{ ip: string }>(`select ip from audit_event where event = 'authn_login_fail' and tenant_id = $1`, [acme.id]);
    expect(rows.length).toBe(forwarded.length);
    for (const { ip } of rows) expect(isIP(ip), ip).not.toBe(0);
    expect(rows.map((r) => r.ip)).toContain('203.0.113.9');
  });
});
