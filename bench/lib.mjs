// What the benchmark scripts share: free ports, raw HTTP with full control of Host and Cookie (fetch
// forbids setting Host), cookies and CSRF tokens, the real login form, /proc readings, autocannon
// loads with their CPU cost, and starting and stopping processes.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SMTPServer } from 'smtp-server';

/** Connections of every load, and the warm-up before each measurement (seconds). */
export const CONNECTIONS = 16;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request to 127.0.0.1; the answer's body as text. */
export function request(port, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `name=value` of a cookie the answer sets. */
function cookie(res, name) {
  const line = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith(name + '='));
  if (!line) throw new Error(`no ${name} cookie in the answer (${res.status})`);
  return line.split(';')[0];
}

/** The CSRF token of a page: its `_csrf` field, or a form action's `_csrf=` query (multipart forms). */
export function csrfOf(html) {
  const token = html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? html.match(/_csrf=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error('no _csrf token in the page');
  return token;
}

/** A memory field of /proc/<pid>/status (VmRSS, VmHWM) in bytes; 0 once the process is gone. */
export function procStatus(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU time the process has used (user + system), in ms: per request it holds on a machine others load too. */
export function procCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Highest VmRSS seen while `fn` runs (sampled every 50 ms). */
async function withRssPeak(pid, fn) {
  let peak = procStatus(pid, 'VmRSS');
  const timer = setInterval(() => (peak = Math.max(peak, procStatus(pid, 'VmRSS'))), 50);
  try {
    const result = await fn();
    return { ...result, peakRss: Math.max(peak, procStatus(pid, 'VmRSS')) };
  } finally {
    clearInterval(timer);
  }
}

function cannon(opts, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * A warm-up, then `duration` seconds at CONNECTIONS connections against a started process
 * (`{ name, port, pid }`); every answer must have the expected status. Throughput, latency, peak RSS
 * and the process's CPU time per request.
 */
export async function load(server, path, { headers = {}, method = 'GET', body, expect = 200 } = {}, duration) {
  const opts = { url: `http://127.0.0.1:${server.port}${path}`, method, headers, body };
  await cannon(opts, WARMUP);
  const cpuBefore = procCpuMs(server.pid);
  const r = await withRssPeak(server.pid, async () => ({ r: await cannon(opts, duration) }));
  const total = r.r.requests.total;
  const cpuPerRequest = (procCpuMs(server.pid) - cpuBefore) / Math.max(1, total);
  const good = r.r.statusCodeStats?.[expect]?.count ?? 0;
  if (r.r.errors || r.r.timeouts || good < total) {
    throw new Error(
      `${server.name} ${method} ${path}: ${total - good} of ${total} answers were not ${expect} (errors ${r.r.errors}, timeouts ${r.r.timeouts}, codes ${JSON.stringify(r.r.statusCodeStats)})`,
    );
  }
  return { rps: total / duration, p50: r.r.latency.p50, p99: r.r.latency.p99, peakRss: r.peakRss, cpuPerRequest };
}

async function waitForHttp(port, path, headers, child, name) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see its log`);
    try {
      const res = await request(port, { path, headers });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer on port ${port}`);
}

/**
 * Starts `node args` on a free port with only the given environment (plus PATH and HOME), its output
 * in `<logDir>/<name>.log`, and waits until `readyPath` answers 200. The child goes into `children`.
 */
export async function startProcess({ name, args, env, readyPath, readyHeaders = {}, cwd, logDir, children }) {
  const port = await freePort();
  const out = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  children.add(child);
  await waitForHttp(port, readyPath, readyHeaders, child, name);
  return { name, port, pid: child.pid, child };
}

/** Logs in through the real form: GET /login for the CSRF cookie and token, POST /login, keep the session cookie. */
export async function login(port, headers, password) {
  const page = await request(port, { path: '/login', headers });
  if (page.status !== 200) throw new Error(`GET /login on ${headers.host}: ${page.status}`);
  const csrfCookie = cookie(page, '__Host-csrf');
  const form = new URLSearchParams({ _csrf: csrfOf(page.body), login: 'admin', password }).toString();
  const postHeaders = { ...headers, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' };
  const res = await request(port, { method: 'POST', path: '/login', headers: postHeaders, body: form });
  if (res.status !== 303 || res.headers.location !== '/') throw new Error(`POST /login on ${headers.host}: ${res.status} ${res.headers.location}`);
  return { session: { ...headers, cookie: cookie(res, '__Host-sid') }, loginPost: { headers: postHeaders, body: form } };
}

/** The domain every instance host ends with (`<instance>.bench.test`). */
export const BASE_HOST = 'bench.test';

/** Headers a TLS-terminating proxy in front of the app would send (TRUST_PROXY=true). */
export const hostHeaders = (instance) => ({ host: `${instance}.${BASE_HOST}`, 'x-forwarded-proto': 'https' });

/**
 * The app of the checkout `root` (its `dist/src/main.js`) in production mode behind a simulated TLS
 * proxy, on `databaseUrl`, sending mail to the sink on `smtpPort`.
 */
export function startApp({ name, root, databaseUrl, smtpPort, sessionSecret, logDir, children, nodeArgs = [] }) {
  return startProcess({
    name,
    args: [...nodeArgs, join(root, 'dist/src/main.js')],
    env: {
      NODE_ENV: 'production',
      BASE_URL: `https://${BASE_HOST}`,
      TRUST_PROXY: 'true',
      SESSION_SECRET: sessionSecret,
      DATABASE_URL: databaseUrl,
      DATA_DIR: join(logDir, `${name}-data`),
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'bench@bench.test',
    },
    readyPath: '/health/ready',
    cwd: root,
    logDir,
    children,
  });
}

/** An SMTP sink on a free port that only calls `onRecipient` for each recipient of each mail. */
export async function startSmtpSink(onRecipient) {
  const port = await freePort();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const to of session.envelope.rcptTo) onRecipient(to.address);
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Instances as the benchmarks load them (set-based, inside PostgreSQL): `named` (`[name, display
 * name]` pairs) and `small001`..`smallNNN`, each with the roles Administrator (Security), Salesperson,
 * Manager and Worker, the group Everybody, and the user `admin` with `adminHash`.
 */
export async function insertInstances(client, { named = [], smalls, adminHash }) {
  for (const [name, displayName] of named) await client.query(`insert into tenant (name, display_name) values ($1, $2)`, [name, displayName]);
  await client.query(`insert into tenant (name, display_name) select 'small' || lpad(g::text, 3, '0'), 'Small ' || g from generate_series(1, $1::int) g`, [
    smalls,
  ]);
  await client.query(`insert into role (tenant_id, name, permissions) select t.id, r.name, r.permissions from tenant t
    cross join (values ('Administrator', '{security}'::text[]), ('Salesperson', '{}'), ('Manager', '{}'), ('Worker', '{}')) r(name, permissions)`);
  await client.query(`insert into user_group (tenant_id, name) select id, 'Everybody' from tenant`);
  await client.query(
    `insert into app_user (tenant_id, login, name, email, user_type, password_hash)
     select id, 'admin', 'Administrator', 'admin@' || name || '.example', 'Internal', $1 from tenant`,
    [adminHash],
  );
}

/** `user_count` as UsersRepository.create would have kept it (every user active), where the schema has it. */
export async function fillUserCount(client) {
  const { rows } = await client.query(`select to_regclass('user_count') is not null as counted`);
  if (!rows[0].counted) return;
  await client.query(`insert into user_count (tenant_id, status, users) select tenant_id, 'active', count(*) from app_user group by tenant_id
    on conflict (tenant_id, status) do update set users = excluded.users`);
}

/**
 * What every loaded user has besides its row: a role (the admin Administrator, the others one of
 * the demo roles) and the instance's Everybody group, and then user_count.
 */
export async function fillRolesGroupsAndCount(client) {
  await client.query(`insert into user_role (tenant_id, user_id, role_id)
    select u.tenant_id, u.id, r.id from app_user u join role r on r.tenant_id = u.tenant_id
    and r.name = case when u.login = 'admin' then 'Administrator' else (array['Salesperson', 'Manager', 'Worker'])[1 + u.id % 3] end`);
  await client.query(`insert into group_member (tenant_id, user_id, group_id)
    select u.tenant_id, u.id, g.id from app_user u join user_group g on g.tenant_id = u.tenant_id`);
  await fillUserCount(client);
}
