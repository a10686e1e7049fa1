// npm run bench: the product against the bare stack on this machine. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verify } from '@node-rs/argon2';
import pg from 'pg';
import {
  CONNECTIONS,
  csrfOf,
  load as loadOf,
  login as logIn,
  median,
  procCpuMs,
  procStatus,
  request,
  startProcess as startOf,
  startApp as startAppOf,
  startSmtpSink,
  hostHeaders,
  BASE_HOST,
  fillRolesGroupsAndCount,
  insertInstances,
  stopChild,
} from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fromDist = (path) => import(pathToFileURL(join(ROOT, 'dist/src', path)).href);
const { startEmbeddedPostgres } = await fromDist('database/embedded-postgres.js');
const { ensureDatabase, migrate, withDatabase } = await fromDist('database/database.js');
const { ARGON2_OPTIONS, hashPassword } = await fromDist('users/password-hasher.js');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1); // lib.mjs reads the same variable
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = 'Bench-' + randomBytes(9).toString('base64url');
const SESSION_SECRET = randomBytes(32).toString('base64url');
const INVITES = 1000;
const SEARCH = 'son';
/** The two instance sizes every list, paging and search scenario runs at. */
const SIZES = [
  { key: '1k', instance: 'k1', users: Number(process.env.BENCH_SMALL_USERS ?? 1_000) },
  { key: '1M', instance: 'big', users: Number(process.env.BENCH_BIG_USERS ?? 1_000_000) },
];
/** Seconds per measurement of the size scenarios (12 of them per round). */
const SIZE_DURATION = Number(process.env.BENCH_SIZE_DURATION ?? 5);
const LIMIT_SECONDS = Number(process.env.BENCH_LIMIT ?? 1500);
const started = Date.now();
/** The machine is shared: its load average before the run goes into the results. */
const loadAtStart = os.loadavg();

const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

// ---------------------------------------------------------------- cleanup
const children = new Set();
let cluster;
let tmp;
let smtp;
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await Promise.all([...children].map((child) => stopChild(child)));
  await smtp?.close();
  await cluster?.stop().catch(() => undefined);
  if (tmp && !process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`kept ${tmp}`);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => cleanup().finally(() => process.exit(130)));
// The run must end by itself whatever happens.
const partial = { rounds: [], bulk: undefined, errors: [] };
const watchdog = setTimeout(() => {
  console.error(`bench: took longer than ${LIMIT_SECONDS} s, stopping everything (the table shows the rounds completed)`);
  try {
    if (partial.rounds.length && partial.bulk)
      report(
        partial.rounds,
        partial.bulk,
        { app: 0, hello: 0 },
        partial.idle,
        [...partial.errors, `stopped by the ${LIMIT_SECONDS} s limit`],
        partial.sizeScenarios,
      );
  } catch (err) {
    console.error(err);
  }
  cleanup().finally(() => process.exit(2));
}, LIMIT_SECONDS * 1000);
watchdog.unref();

const login = (port, instance) => logIn(port, hostHeaders(instance), PASSWORD);
const load = (server, path, options, duration = DURATION) => loadOf(server, path, options, duration);
const startProcess = (name, args, env, readyPath) => startOf({ name, args, env, readyPath, cwd: ROOT, logDir: tmp, children });
const APP_NODE_ARGS = process.env.BENCH_APP_NODE_ARGS ? process.env.BENCH_APP_NODE_ARGS.split(' ') : [];
const startApp = (name, databaseUrl, smtpPort) =>
  startAppOf({ name, root: ROOT, databaseUrl, smtpPort, sessionSecret: SESSION_SECRET, logDir: tmp, children, nodeArgs: APP_NODE_ARGS });

/** Raw argon2id verify rate in this process, CONNECTIONS verifies in flight, same parameters as the app. */
async function argonRate(hashed, seconds) {
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const begin = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < until) {
      if (!(await verify(hashed, PASSWORD))) throw new Error('argon2 verify failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return done / (Number(process.hrtime.bigint() - begin) / 1e9);
}

// ---------------------------------------------------------------- data
const FIRST = [
  'Anna',
  'Ben',
  'Carla',
  'David',
  'Eva',
  'Frank',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Klara',
  'Leon',
  'Mia',
  'Noah',
  'Olga',
  'Paul',
  'Rita',
  'Sven',
  'Tara',
  'Uwe',
];
const LAST = [
  'Meyer',
  'Johnson',
  'Schmidt',
  'Larsen',
  'Rossi',
  'Nowak',
  'Dubois',
  'Anderson',
  'Kowalski',
  'Berg',
  'Novak',
  'Garcia',
  'Peterson',
  'Lindqvist',
  'Fischer',
  'Martin',
  'Jensen',
  'Moreau',
  'Silva',
  'Weber',
  'Nilsson',
  'Costa',
  'Brown',
  'Keller',
  'Hansen',
];

/**
 * Set-based, inside PostgreSQL (generate_series): `big` with 1,000,000 users (admin + 999,999; the
 * first 1,000 are invitation users with emails) and `k1` with 1,000 users of the same shape, plus
 * `small001`..`smallNNN` with 50 users each; every user has a role and is in Everybody, and
 * user_count holds the counts as UsersRepository.create would have kept them. The secondary indexes
 * of the three big tables are dropped for the load and rebuilt from their own definitions after it
 * (as a bulk load would), and foreign-key triggers are off while the (consistent) rows go in.
 */
async function generate(url, { sizes, smalls }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const adminHash = await hashPassword(PASSWORD);
    await client.query("set maintenance_work_mem = '256MB'");
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    const { rows: indexes } = await client.query(
      `select i.indexname, i.indexdef from pg_indexes i join pg_class c on c.relname = i.indexname join pg_index x on x.indexrelid = c.oid
       where i.tablename in ('app_user', 'user_role', 'group_member') and not x.indisunique and not x.indisprimary`,
    );
    for (const { indexname } of indexes) await client.query(`drop index "${indexname}"`);
    await insertInstances(client, { named: sizes.map(({ instance }) => [instance, `Instance ${instance}`]), smalls, adminHash });
    const sizeOf = JSON.stringify(Object.fromEntries(sizes.map((s) => [s.instance, s.users - 1])));
    await client.query(
      `insert into app_user (tenant_id, login, name, email, user_type)
       select t.id, 'user' || lpad(g::text, 7, '0'),
              ($1::text[])[1 + g % 20] || ' ' || ($2::text[])[1 + (g / 20) % 25],
              'user' || g || '@' || t.name || '.example',
              case when g <= $3::int and t.name = 'big' then 'Invitation Internal (No login)' when g % 7 = 0 then 'External' else 'Internal' end
       from tenant t cross join lateral generate_series(1, coalesce(($4::jsonb ->> t.name)::int, 49)) g`,
      [FIRST, LAST, INVITES, sizeOf],
    );
    await fillRolesGroupsAndCount(client);
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('commit');
    // What autovacuum does shortly after a bulk load: statistics, and the visibility map that lets
    // index-only scans skip the heap.
    await client.query('vacuum analyze');
    const { rows } = await client.query('select (select count(*) from tenant)::int as tenants, (select count(*) from app_user)::int as users');
    return rows[0];
  } finally {
    await client.end();
  }
}

/** A page cursor as the list builds it (base64url JSON of the sort key and id) for the row in the middle of a sort. */
async function middleCursor(url, instance, keySql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select ${keySql} as key, u.id from app_user u join tenant t on t.id = u.tenant_id where t.name = $1
       order by ${keySql}, u.id offset (select count(*) / 2 from app_user u join tenant t on t.id = u.tenant_id where t.name = $1) limit 1`,
      [instance],
    );
    return Buffer.from(JSON.stringify([rows[0].key, rows[0].id])).toString('base64url');
  } finally {
    await client.end();
  }
}

/** The list, paging and search scenarios of one instance size. */
async function sizeScenarios(url, size) {
  const middle = Math.ceil(size.users / 2);
  return [
    ['list', 'list page 1', '/security/users'],
    ['middle', 'page in the middle (login)', `/security/users?after=${await middleCursor(url, size.instance, 'lower(u.login)')}`],
    [
      'nameMiddle',
      'page in the middle (name, descending)',
      `/security/users?sort=name&dir=desc&after=${await middleCursor(url, size.instance, 'lower(u.name)')}`,
    ],
    ['last', 'last page', '/security/users?at=last'],
    ['exact', 'search for one exact login', `/security/users?q=user${String(middle).padStart(7, '0')}`],
    ['search', `search for a part of names ("${SEARCH}")`, `/security/users?q=${SEARCH}`],
  ];
}

/** Sequential requests (one at a time), each timed in ms. */
async function timeRequests(port, path, headers, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const begin = process.hrtime.bigint();
    const res = await request(port, { path, headers });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    times.push(Number(process.hrtime.bigint() - begin) / 1e6);
  }
  return times;
}

/**
 * One request at a time before any load: every scenario is warmed up first (so the JIT and the
 * caches favour neither size), then the two sizes take turns, 10 requests at a time, 30 each.
 */
async function idleTimes(port, scenarios, sessions) {
  const each = (fn) => SIZES.flatMap((size) => scenarios[size.key].map(([key, , path]) => fn(`${key}_${size.key}`, path, sessions[size.key].session)));
  for (const warm of each((id, path, headers) => () => timeRequests(port, path, headers, 30))) await warm();
  const times = {};
  for (let turn = 0; turn < 3; turn++) {
    const order = each((id, path, headers) => [id, path, headers]);
    if (turn % 2) order.reverse();
    for (const [id, path, headers] of order) (times[id] ??= []).push(...(await timeRequests(port, path, headers, 10)));
  }
  return Object.fromEntries(Object.entries(times).map(([id, list]) => [id, median(list)]));
}

// ---------------------------------------------------------------- SMTP sink
const delivered = new Set();
let deliveredWaiter;
async function startSmtp() {
  smtp = await startSmtpSink((address) => {
    delivered.add(address);
    deliveredWaiter?.();
  });
  return smtp.port;
}

// ---------------------------------------------------------------- main
async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'erp-bench-'));
  chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  log(`${os.cpus().length} cores, Node ${process.version}; working in ${tmp}`);

  const smtpPort = await startSmtp();
  const [hello, pgCluster] = await Promise.all([
    startProcess('hello', [join(ROOT, 'bench/hello.mjs')], { NODE_ENV: 'production' }, '/'),
    startEmbeddedPostgres(join(tmp, 'postgres')),
  ]);
  cluster = pgCluster;
  const urlMany = withDatabase(cluster.url, 'erp');
  const urlOne = withDatabase(cluster.url, 'erp_one');
  await Promise.all([ensureDatabase(cluster.url, 'erp'), ensureDatabase(cluster.url, 'erp_one')]);
  await Promise.all([migrate(urlMany), migrate(urlOne)]);
  const [many, one] = await Promise.all([generate(urlMany, { sizes: SIZES, smalls: 200 }), generate(urlOne, { sizes: [], smalls: 1 })]);
  log(`data: ${many.tenants} instances / ${many.users} users; second database: ${one.tenants} instance / ${one.users} users`);

  const [app, appOne] = await Promise.all([startApp('app', urlMany, smtpPort), startApp('app-one-instance', urlOne, smtpPort)]);
  log(`app pid ${app.pid}, 1-instance app pid ${appOne.pid}, hello pid ${hello.pid}`);

  const sessions = {};
  for (const size of SIZES) sessions[size.key] = await login(app.port, size.instance);
  const big = sessions['1M'];
  const small = await login(app.port, 'small001');
  const smallOne = await login(appOne.port, 'small001');
  const scenarios = {};
  for (const size of SIZES) scenarios[size.key] = await sizeScenarios(urlMany, size);
  partial.sizeScenarios = scenarios['1M'];
  for (const size of SIZES) {
    for (const [key, , path] of scenarios[size.key]) {
      const res = await request(app.port, { path, headers: sessions[size.key].session });
      const rows = (res.body.match(/name="ids"/g) ?? []).length;
      if (res.status !== 200 || rows === 0) throw new Error(`${key} at ${size.key}: ${res.status}, ${rows} rows`);
      if (key === 'search' && !/Johnson|Anderson|Peterson|Nilsson/.test(res.body)) throw new Error(`search at ${size.key} found no match`);
    }
  }
  const anonHeaders = hostHeaders('small001');
  const argonHash = await hashPassword(PASSWORD);

  // The issue's table: one request at a time, before any load, at both sizes.
  const idle = (partial.idle = await idleTimes(app.port, scenarios, sessions));
  log(`idle: ${JSON.stringify(Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, Number(v.toFixed(1))])))}`);

  // 5. Bulk invitations first (its rows then show in the list like in real use).
  const only = process.env.BENCH_ONLY?.split(',');
  const cpuBeforeBulk = procCpuMs(app.pid);
  const bulk = only && !only.includes('bulk') ? { seconds: 0, queuedSeconds: 0, count: 0, via: 'skipped' } : await bulkInvite(app, big);
  if (bulk.count)
    log(`bulk: ${bulk.count} mails in ${bulk.seconds.toFixed(1)} s, app CPU ${((procCpuMs(app.pid) - cpuBeforeBulk) / bulk.count).toFixed(2)} ms/mail`);
  log(`bulk: ${delivered.size} mails in ${bulk.seconds.toFixed(2)} s`);

  const rounds = partial.rounds;
  const errors = partial.errors;
  partial.bulk = bulk;
  for (let round = 0; round < ROUNDS; round++) {
    const steps = [
      ['hello', () => load(hello, '/')],
      ['loginPage', () => load(app, '/login', { headers: anonHeaders })],
      ...SIZES.flatMap((size) =>
        scenarios[size.key].map(([key, , path]) => [`${key}_${size.key}`, () => load(app, path, { headers: sessions[size.key].session }, SIZE_DURATION)]),
      ),
      ['small201', () => load(app, '/security/users', { headers: small.session })],
      ['small1', () => load(appOne, '/security/users', { headers: smallOne.session })],
      ['loginPost', () => load(app, '/login', { method: 'POST', headers: big.loginPost.headers, body: big.loginPost.body, expect: 303 })],
      ['argon2', async () => ({ rps: await argonRate(argonHash, Math.min(DURATION, 5)) })],
    ];
    // Alternate the order every round, so drift (other work on the machine) hits both sides of a ratio.
    if (round % 2) steps.reverse();
    if (process.env.BENCH_ONLY) steps.splice(0, steps.length, ...steps.filter(([key]) => process.env.BENCH_ONLY.split(',').includes(key)));
    const result = {};
    for (const [key, step] of steps) {
      try {
        result[key] = await step();
      } catch (err) {
        // One broken scenario must not hide the others: it shows as FAIL with its reason.
        result[key] = { rps: NaN, p50: NaN, p99: NaN, peakRss: 0, error: err.message };
        errors.push(`round ${round + 1} ${key}: ${err.message}`);
      }
      log(
        `round ${round + 1} ${key}: ${result[key].rps.toFixed(0)} req/s${result[key].p99 !== undefined ? `, p50 ${result[key].p50} ms, p99 ${result[key].p99} ms` : ''}${result[key].peakRss ? `, RSS ${(result[key].peakRss / 2 ** 20).toFixed(0)} MB` : ''}${result[key].cpuPerRequest ? `, app CPU ${result[key].cpuPerRequest.toFixed(2)} ms/req` : ''}`,
      );
    }
    rounds.push(result);
  }
  const hwm = { app: procStatus(app.pid, 'VmHWM'), hello: procStatus(hello.pid, 'VmHWM') };
  // A partial run (BENCH_ONLY, for profiling) prints its lines above and leaves results.md alone.
  if (process.env.BENCH_ONLY) return log('BENCH_ONLY: results.md not written');
  report(rounds, bulk, hwm, idle, errors, scenarios['1M']);
}

async function bulkInvite(app, big) {
  const page = await request(app.port, { path: '/security/users', headers: big.session });
  const token = csrfOf(page.body);
  const client = new pg.Client({ connectionString: withDatabase(cluster.url, 'erp') });
  await client.connect();
  const { rows } = await client.query(
    `select u.id from app_user u join tenant t on t.id = u.tenant_id where t.name = 'big' and u.user_type = 'Invitation Internal (No login)' and u.email is not null order by u.id limit $1`,
    [INVITES],
  );
  await client.end();
  if (rows.length !== INVITES) throw new Error(`only ${rows.length} invitation users`);
  const action = page.body.match(/<form id="bulk-form" method="post" action="([^"]+)"/)?.[1] ?? '/security/users/invitations';
  const begin = Date.now();
  let via = `bulk form (${action}), two submits of 500 ids (the form's limit)`;
  // The form takes at most 500 users per submit (BulkInvitationDto), so 1,000 are two submits.
  for (let i = 0; i < rows.length; i += 500) {
    const form = new URLSearchParams([['_csrf', token], ...rows.slice(i, i + 500).map((r) => ['ids', String(r.id)])]).toString();
    const res = await request(app.port, {
      method: 'POST',
      path: action,
      headers: { ...big.session, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (res.status === 200 && res.body.includes('500 invitations queued')) continue;
    const why = `${res.status} ${res.body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 300)}`;
    if (i > 0) throw new Error(`bulk invitation POST: ${why}`);
    // Keep measuring the delivery pipeline even when the bulk route is broken: one send per user.
    log(`bulk form refused (${why.trim()}); queueing through the per-user Send invitation form instead`);
    via = `FALLBACK: the bulk form answered ${res.status}, so 1,000 per-user sends (POST /security/users/:id/invitations, 16 in flight)`;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < rows.length && Date.now() - begin < 20_000) {
          const id = rows[next++].id;
          const one = await request(app.port, {
            method: 'POST',
            path: `/security/users/${id}/invitations`,
            headers: { ...big.session, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ _csrf: token }).toString(),
          });
          if (one.status !== 303 || !String(one.headers.location).includes('invitation-queued'))
            throw new Error(`send to ${id}: ${one.status} ${one.headers.location}`);
        }
      }),
    );
    break;
  }
  const queuedAt = Date.now();
  await new Promise((resolve) => {
    const check = () => {
      if (delivered.size >= INVITES || Date.now() - begin > 20_000) {
        clearInterval(timer);
        resolve();
      }
    };
    deliveredWaiter = check;
    const timer = setInterval(check, 100);
    check();
  });
  deliveredWaiter = undefined;
  return { seconds: (Date.now() - begin) / 1000, queuedSeconds: (queuedAt - begin) / 1000, count: delivered.size, via };
}

// ---------------------------------------------------------------- report
function report(rounds, bulk, hwm, idle, errors, sizeScenarioList = []) {
  const med = (key, field) => median(rounds.map((r) => r[key][field]));
  const ratio = (key, base) => median(rounds.map((r) => r[key].rps / r[base].rps));
  const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const max = (key) => Math.max(...rounds.map((r) => r[key].peakRss));
  const rps = (key) => med(key, 'rps').toFixed(0);
  const ms = (key, field) => (rounds[0][key][field] === undefined ? '' : String(med(key, field)));
  const rows = [];
  const row = (name, key, baseline, ratioValue, target, pass) =>
    rows.push([
      name,
      key ? rps(key) : '',
      key ? ms(key, 'p50') : '',
      key ? ms(key, 'p99') : '',
      baseline,
      ratioValue,
      target,
      pass === undefined ? '' : pass ? 'PASS' : 'FAIL',
    ]);

  row('Bare Nest hello (baseline)', 'hello', '', '', '', undefined);
  const r1 = ratio('loginPage', 'hello');
  row('1. Anonymous GET /login', 'loginPage', 'hello', r1.toFixed(2), '≥ 0.5 × hello', r1 >= 0.5);
  const r2 = ratio('list_1M', 'hello');
  const p99List = med('list_1M', 'p99');
  row('2a. Users list page 1 of 1,000,000, logged in', 'list_1M', 'hello', r2.toFixed(2), '≥ 0.25 × hello, p99 ≤ 50 ms', r2 >= 0.25 && p99List <= 50);
  const p99Search = med('search_1M', 'p99');
  row(`2b. Users search "${SEARCH}" in 1,000,000`, 'search_1M', 'hello', ratio('search_1M', 'hello').toFixed(2), 'p99 ≤ 80 ms', p99Search <= 80);
  row('Raw argon2id verify, 16 in flight (baseline)', 'argon2', '', '', '', undefined);
  const r3 = ratio('loginPost', 'argon2');
  row('3. Login POST (argon2id + session row)', 'loginPost', 'raw argon2id', r3.toFixed(2), '≥ 0.8 × raw verify', r3 >= 0.8);
  row('Small instance list, 1 instance in DB (baseline)', 'small1', '', '', '', undefined);
  const r4 = ratio('small201', 'small1');
  row('4. Small instance list, 201 instances in DB', 'small201', '1 instance', r4.toFixed(2), '≥ 0.9', r4 >= 0.9);
  rows.push([
    '5. 1,000 bulk invitations delivered to SMTP',
    '',
    '',
    '',
    '',
    `${bulk.seconds.toFixed(1)} s (${bulk.count} mails)`,
    '≤ 10 s',
    bulk.count >= INVITES && bulk.seconds <= 10 ? 'PASS' : 'FAIL',
  ]);
  const rss = max('list_1M') / max('hello');
  rows.push([
    '6. Peak RSS: app under list load vs hello under load',
    '',
    '',
    '',
    `${mb(max('hello'))}`,
    `${mb(max('list_1M'))} (${rss.toFixed(2)}×)`,
    '≤ 1.2 × hello',
    rss <= 1.2 ? 'PASS' : 'FAIL',
  ]);

  // Every list, paging and search scenario at 1,000 and at 1,000,000 users, side by side.
  const present = (key) => rounds.every((r) => r[key] && Number.isFinite(r[key].rps));
  const sizeRows = [];
  const idleRows = [];
  for (const [key, label] of sizeScenarioList) {
    const [a, b] = [`${key}_1k`, `${key}_1M`];
    if (present(a) && present(b)) {
      // Time per request under load is 1 / req/s: the big/small ratio of times is small req/s over big req/s.
      const slower = median(rounds.map((r) => r[a].rps / r[b].rps));
      sizeRows.push([
        label,
        `${rps(a)} (p50 ${ms(a, 'p50')}, p99 ${ms(a, 'p99')})`,
        `${rps(b)} (p50 ${ms(b, 'p50')}, p99 ${ms(b, 'p99')})`,
        `${slower.toFixed(2)}×`,
        slower <= 1.5 ? 'PASS' : `FAIL (+${((slower / 1.5 - 1) * 100).toFixed(0)} % over 1.5×)`,
        ratio(a, 'hello').toFixed(3),
        ratio(b, 'hello').toFixed(3),
      ]);
    }
    if (idle?.[a] !== undefined && idle?.[b] !== undefined) {
      const slower = idle[b] / idle[a];
      idleRows.push([
        label,
        idle[a].toFixed(1),
        idle[b].toFixed(1),
        `${slower.toFixed(2)}×`,
        slower <= 1.5 ? 'PASS' : `FAIL (+${((slower / 1.5 - 1) * 100).toFixed(0)} % over 1.5×)`,
      ]);
    }
  }
  const mdTable = (head, body) => [head, head.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const sizeTable = mdTable(
    ['Scenario (logged in)', '1,000 users: req/s (ms)', '1,000,000 users: req/s (ms)', 'time 1M / 1k', 'Target ≤ 1.5×', '1k × hello', '1M × hello'],
    sizeRows,
  );
  const idleTable = mdTable(['One request on an idle machine', '1,000 users (ms)', '1,000,000 users (ms)', '1M / 1k', 'Target ≤ 1.5×'], idleRows);
  const header = ['Scenario', 'req/s', 'p50 ms', 'p99 ms', 'Baseline', 'Ratio / result', 'Target', 'Result'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const perRound = rounds
    .map(
      (r, i) =>
        `| ${i + 1} | ${Object.keys(r)
          .map((k) => `${k} ${r[k].rps.toFixed(0)}${r[k].p99 !== undefined ? ` (p99 ${r[k].p99})` : ''}`)
          .join(', ')} |`,
    )
    .join('\n');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = `# Benchmark results

Run of \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: **${os.cpus().length} cores** (${cpu}), **Node ${process.version}**, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM.
Load average (1/5/15 min) at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} (other work on the machine shares the cores).
Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per measurement after a ${WARMUP} s warm-up, ${ROUNDS} rounds with the order reversed every other round; medians of the rounds (ratios: median of per-round ratios).
App: NODE_ENV=production behind a simulated TLS proxy (BASE_URL=https://${BASE_HOST}, TRUST_PROXY=true, \`X-Forwarded-Proto: https\`), embedded PostgreSQL with default durability (fsync on). Load generator, app, PostgreSQL and hello share the cores.

${table}

### Users at scale: the same instance shape at 1,000 and at 1,000,000 users

Under load (${CONNECTIONS} connections, ${SIZE_DURATION} s per measurement, medians of ${ROUNDS} rounds; the time ratio is the median per-round ratio of req/s, small over big):

${sizeTable}

${idleTable}

(Idle: the median of 30 sequential requests per scenario and size, measured before any load after 30 warm-up requests of every scenario, the sizes taking turns. The issue measured on the old main at 1,000,000 users: list page 1 94 ms, page in the middle 945 ms, last page 1,730 ms, exact login 835 ms.)

Peak RSS is the highest VmRSS sampled every 50 ms during the measured list loads (app) and hello loads (hello). Whole-run VmHWM: app ${mb(hwm.app)} (includes login POST: argon2id takes 19 MiB per hash in flight), hello ${mb(hwm.hello)}.
Bulk: ${bulk.via}; queued in ${bulk.queuedSeconds.toFixed(1)} s; the time is from the first submit until the SMTP sink held all mails.

${errors.length ? `Errors:\n\n${errors.map((e) => `- ${e}`).join('\n')}\n\n` : ''}Per round (req/s):

| Round | Measurements |
| --- | --- |
${perRound}
`;
  console.log('\n' + table + '\n\n' + sizeTable + '\n\n' + idleTable + '\n');
  // The analysis of the targets (what the profile shows, what was tried) travels with every run.
  const notes = process.env.BENCH_NOTES ?? join(ROOT, 'bench/analysis.md');
  writeFileSync(join(ROOT, 'bench/results.md'), md + (existsSync(notes) ? '\n' + readFileSync(notes, 'utf8') : ''));
  log('wrote bench/results.md');
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
  log('done');
}
