// Two builds of the app side by side in one run: `node bench/compare.mjs <other checkout>` (built, with
// its own node_modules). Each build gets its own databases, filled alike, and both are measured in
// the same minutes, taking turns scenario by scenario, so load from other work on the machine falls
// on both. Writes bench/compare-results.md. See bench/README.md ("Two builds side by side").
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  csrfOf,
  fillRolesGroupsAndCount,
  hostHeaders,
  insertInstances,
  load,
  login,
  median,
  procCpuMs,
  request,
  startApp,
  startProcess,
  startSmtpSink,
  stopChild,
} from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OTHER = process.argv[2] && resolve(process.argv[2]);
if (!OTHER || !existsSync(join(OTHER, 'dist/src/main.js'))) {
  console.error('usage: node bench/compare.mjs <checkout with dist/src/main.js and its node_modules> (the "before" side)');
  process.exit(64);
}
const fromDist = (root, path) => import(pathToFileURL(join(root, 'dist/src', path)).href);
const { startEmbeddedPostgres } = await fromDist(ROOT, 'database/embedded-postgres.js');
const { ensureDatabase, withDatabase } = await fromDist(ROOT, 'database/database.js');
const { hashPassword } = await fromDist(ROOT, 'users/password-hasher.js');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const INVITES = 1000;
/** Bulk sends per side, each to its own 1,000 invitation users, the sides taking turns. */
const BULK_ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 3);
/** Which scenarios (for profiling one: BENCH_ONLY=loginPost); all by default. */
const SCENARIOS = process.env.BENCH_ONLY?.split(',') ?? ['loginPage', 'list', 'search', 'small201', 'small1', 'loginPost'];
const PASSWORD = 'Bench-' + randomBytes(9).toString('base64url');
const SESSION_SECRET = randomBytes(32).toString('base64url');
const started = Date.now();
const loadAtStart = os.loadavg();
const log = (line) => console.log(`[compare ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

const children = new Set();
const sinks = [];
let cluster;
let tmp;
async function cleanup() {
  await Promise.all([...children].map((child) => stopChild(child)));
  await Promise.all(sinks.map((sink) => sink.close()));
  await cluster?.stop().catch(() => undefined);
  if (tmp && !process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
}
setTimeout(() => {
  console.error('bench compare: took longer than 1,500 s, stopping');
  cleanup().finally(() => process.exit(2));
}, 1_500_000).unref();

/**
 * The reference run's shape in set-based SQL that both schemas take: `big` with USERS users (the first
 * 1,000 invitation users with emails), `small001`..`smallNNN` with 50 users each, roles and Everybody;
 * `user_count` where the build has it.
 */
async function generate(url, { big, smalls }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await insertInstances(client, { named: big ? [['big', 'Big Corp']] : [], smalls, adminHash: await hashPassword(PASSWORD) });
    await client.query(
      `insert into app_user (tenant_id, login, name, email, user_type)
       select t.id, 'user' || lpad(g::text, 7, '0'), (array['Anna', 'Ben', 'Carla', 'David'])[1 + g % 4] || ' ' || (array['Meyer', 'Johnson', 'Larsen', 'Anderson', 'Berg'])[1 + g % 5],
              'user' || g || '@' || t.name || '.example',
              case when t.name = 'big' and g <= $1::int then 'Invitation Internal (No login)' when g % 7 = 0 then 'External' else 'Internal' end
       from tenant t cross join lateral generate_series(1, case when t.name = 'big' then $2::int - 1 else 49 end) g`,
      [INVITES * BULK_ROUNDS, USERS],
    );
    await fillRolesGroupsAndCount(client);
    await client.query('commit');
    await client.query('vacuum analyze');
  } finally {
    await client.end();
  }
}

/** One build: its two databases (200 instances + big; one instance), its two app processes, its SMTP sink. */
async function startSide(name, root) {
  const { migrate } = await fromDist(root, 'database/database.js');
  const urls = { many: withDatabase(cluster.url, `${name}_many`), one: withDatabase(cluster.url, `${name}_one`) };
  for (const url of Object.values(urls)) await ensureDatabase(cluster.url, url.split('/').pop());
  await Promise.all([migrate(urls.many), migrate(urls.one)]);
  await Promise.all([generate(urls.many, { big: true, smalls: 200 }), generate(urls.one, { big: false, smalls: 1 })]);
  const delivered = new Set();
  const sink = await startSmtpSink((address) => delivered.add(address));
  sinks.push(sink);
  const nodeArgs = process.env.BENCH_APP_NODE_ARGS ? process.env.BENCH_APP_NODE_ARGS.split(' ') : [];
  const common = { root, smtpPort: sink.port, sessionSecret: SESSION_SECRET, logDir: tmp, children, nodeArgs };
  const [app, appOne] = await Promise.all([
    startApp({ ...common, name: `${name}-app`, databaseUrl: urls.many }),
    startApp({ ...common, name: `${name}-app-one`, databaseUrl: urls.one }),
  ]);
  const big = await login(app.port, hostHeaders('big'), PASSWORD);
  const small = await login(app.port, hostHeaders('small001'), PASSWORD);
  const smallOne = await login(appOne.port, hostHeaders('small001'), PASSWORD);
  for (const [server, path, session] of [
    [app, '/security/users', big.session],
    [app, '/security/users?q=son', big.session],
  ]) {
    const res = await request(server.port, { path, headers: session });
    if (res.status !== 200 || !res.body.includes('name="ids"')) throw new Error(`${name} ${path}: ${res.status}`);
  }
  const scenarios = {
    loginPage: () => load(app, '/login', { headers: hostHeaders('small001') }, DURATION),
    list: () => load(app, '/security/users', { headers: big.session }, DURATION),
    search: () => load(app, '/security/users?q=son', { headers: big.session }, DURATION),
    small201: () => load(app, '/security/users', { headers: small.session }, DURATION),
    small1: () => load(appOne, '/security/users', { headers: smallOne.session }, DURATION),
    loginPost: () => load(app, '/login', { method: 'POST', headers: big.loginPost.headers, body: big.loginPost.body, expect: 303 }, DURATION),
  };
  return { name, app, urls, big, delivered, scenarios };
}

/** "Send invitation mail" for the round's 1,000 invitation users through the bulk form, until the sink holds them all. */
async function bulk(side, round) {
  const page = await request(side.app.port, { path: '/security/users', headers: side.big.session });
  const action = page.body.match(/<form id="bulk-form" method="post" action="([^"]+)"/)?.[1];
  if (!action) throw new Error(`${side.name}: no bulk form on the users list`);
  const client = new pg.Client({ connectionString: side.urls.many });
  await client.connect();
  const { rows } = await client.query(
    `select u.id from app_user u join tenant t on t.id = u.tenant_id where t.name = 'big' and u.user_type = 'Invitation Internal (No login)' order by u.id offset $2 limit $1`,
    [INVITES, round * INVITES],
  );
  await client.end();
  const cpu = procCpuMs(side.app.pid);
  const already = side.delivered.size;
  const begin = Date.now();
  for (let i = 0; i < rows.length; i += 500) {
    const body = new URLSearchParams([['_csrf', csrfOf(page.body)], ...rows.slice(i, i + 500).map((r) => ['ids', String(r.id)])]).toString();
    const res = await request(side.app.port, {
      method: 'POST',
      path: action,
      headers: { ...side.big.session, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    if (res.status !== 200) throw new Error(`${side.name}: bulk POST answered ${res.status}`);
  }
  while (side.delivered.size - already < INVITES && Date.now() - begin < 60_000) await new Promise((r) => setTimeout(r, 50));
  const count = side.delivered.size - already;
  return { seconds: (Date.now() - begin) / 1000, count, cpuPerMail: (procCpuMs(side.app.pid) - cpu) / Math.max(1, count) };
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'erp-compare-'));
  chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  log(`${os.cpus().length} cores, Node ${process.version}; before: ${OTHER}, after: ${ROOT}`);
  cluster = await startEmbeddedPostgres(join(tmp, 'postgres'));
  const hello = await startProcess({
    name: 'hello',
    args: [join(ROOT, 'bench/hello.mjs')],
    env: { NODE_ENV: 'production' },
    readyPath: '/',
    cwd: ROOT,
    logDir: tmp,
    children,
  });
  const before = await startSide('before', OTHER);
  const after = await startSide('after', ROOT);
  log(`both sides up: ${USERS} users in big, 200 small instances each`);

  const bulks = [];
  for (let round = 0; round < BULK_ROUNDS; round++) {
    const result = {};
    for (const side of round % 2 ? [after, before] : [before, after]) {
      const r = (result[side.name] = await bulk(side, round));
      log(`bulk ${round + 1} ${side.name}: ${r.count} mails in ${r.seconds.toFixed(1)} s, ${r.cpuPerMail.toFixed(2)} ms CPU/mail`);
    }
    bulks.push(result);
  }
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const result = { hello: await load(hello, '/', {}, DURATION) };
    log(`round ${round + 1} hello ${result.hello.rps.toFixed(0)} req/s`);
    for (const [index, key] of SCENARIOS.entries()) {
      // The side that goes first changes with every scenario and round.
      const order = (index + round) % 2 ? [after, before] : [before, after];
      for (const side of order) {
        result[`${key}_${side.name}`] = await side.scenarios[key]();
        const r = result[`${key}_${side.name}`];
        log(`round ${round + 1} ${key} ${side.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, ${r.cpuPerRequest.toFixed(2)} ms CPU/req`);
      }
    }
    rounds.push(result);
  }
  report(rounds, bulks, SCENARIOS);
}

const NAMES = {
  loginPage: '1. Anonymous GET /login',
  list: `2a. Users list page 1 of ${USERS.toLocaleString('en')}, logged in`,
  search: `2b. Users search "son" in ${USERS.toLocaleString('en')}`,
  loginPost: '3. Login POST (argon2id + session row)',
  small201: '4. Small instance list, 201 instances in DB',
  small1: '4. Small instance list, 1 instance in DB',
};

function report(rounds, bulks, keys) {
  const pct = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)} %`;
  const med = (key, field) => median(rounds.map((r) => r[key][field]));
  const lines = [];
  for (const key of keys) {
    // Per round, after over before (they ran within a minute of each other): the median of those.
    const speed = median(rounds.map((r) => r[`${key}_after`].rps / r[`${key}_before`].rps)) - 1;
    const cpu = median(rounds.map((r) => r[`${key}_after`].cpuPerRequest / r[`${key}_before`].cpuPerRequest)) - 1;
    lines.push(
      `| ${NAMES[key]} | ${med(`${key}_before`, 'rps').toFixed(0)} | ${med(`${key}_after`, 'rps').toFixed(0)} | ${pct(speed)} | ${med(`${key}_before`, 'p99')} | ${med(`${key}_after`, 'p99')} | ${med(`${key}_before`, 'cpuPerRequest').toFixed(2)} | ${med(`${key}_after`, 'cpuPerRequest').toFixed(2)} | ${pct(cpu)} | ${speed >= -0.1 ? 'PASS' : 'FAIL'} |`,
    );
  }
  const bulk = (name, field) => median(bulks.map((r) => r[name][field]));
  const bulkChange = median(bulks.map((r) => r.before.seconds / r.after.seconds)) - 1;
  const cpuChange = median(bulks.map((r) => r.after.cpuPerMail / r.before.cpuPerMail)) - 1;
  const allDelivered = bulks.every((r) => r.before.count === INVITES && r.after.count === INVITES);
  lines.push(
    `| 5. ${INVITES.toLocaleString('en')} bulk invitations delivered to SMTP (${BULK_ROUNDS} sends each) | ${bulk('before', 'seconds').toFixed(1)} s | ${bulk('after', 'seconds').toFixed(1)} s | ${pct(bulkChange)} | | | ${bulk('before', 'cpuPerMail').toFixed(2)} /mail | ${bulk('after', 'cpuPerMail').toFixed(2)} /mail | ${pct(cpuChange)} | ${bulkChange >= -0.1 && allDelivered ? 'PASS' : 'FAIL'} |`,
  );
  const md = `# Two builds side by side (\`node bench/compare.mjs\`)

Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: **${os.cpus().length} cores**, **Node ${process.version}**; load average at the start ${loadAtStart.map((x) => x.toFixed(1)).join(' / ')}, at the end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ')}.
Before: \`${OTHER}\`; after: \`${ROOT}\`. Each side has its own databases in one embedded PostgreSQL (\`big\` with ${USERS.toLocaleString('en')} users, 200 instances of 50, and a one-instance database) and its own app processes (production mode behind a simulated TLS proxy). ${ROUNDS} rounds; in every round each scenario runs ${DURATION} s at 16 connections on one side and then on the other, the side going first alternating. "Change" is the median of the per-round ratios after/before of req/s (positive: faster) and of the app's CPU time per request (negative: cheaper); a scenario passes when it is at most 10 % slower. Bare Nest hello per round: ${rounds.map((r) => r.hello.rps.toFixed(0)).join(', ')} req/s.

| Scenario | req/s before | req/s after | change | p99 ms before | p99 ms after | CPU ms/req before | CPU ms/req after | CPU change | ≤ 10 % slower |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}
`;
  writeFileSync(join(ROOT, 'bench/compare-results.md'), md);
  console.log(md);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup().then(() => log('done')));
