// npm run bench, part two: Import users at 100,000 rows and the delivery of 10,000 invitations it queues.
// Writes bench/import-results.md. See bench/README.md ("Import users").
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { csrfOf, fillUserCount, hostHeaders, insertInstances, login, procStatus, request, startApp, startSmtpSink, stopChild } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fromDist = (path) => import(pathToFileURL(join(ROOT, 'dist/src', path)).href);
const { startEmbeddedPostgres } = await fromDist('database/embedded-postgres.js');
const { ensureDatabase, migrate, withDatabase } = await fromDist('database/database.js');
const { hashPassword } = await fromDist('users/password-hasher.js').catch(() => fromDist('auth/password-hasher.js'));

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const INVITES = Math.min(10_000, ROWS);
const PASSWORD = 'Bench-' + randomBytes(9).toString('base64url');
const started = Date.now();
const log = (line) => console.log(`[import ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

let tmp;
let cluster;
let app;
let smtp;
async function cleanup() {
  if (app) await stopChild(app);
  await smtp?.close();
  await cluster?.stop().catch(() => undefined);
  if (tmp && !process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
}
const watchdog = setTimeout(() => {
  console.error('bench import: took longer than 240 s, stopping');
  cleanup().finally(() => process.exit(2));
}, 240_000);
watchdog.unref();

const headers = hostHeaders('big');
const rssOf = (pid, field) => procStatus(pid, field) / 1024 / 1024;

async function seed(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await insertInstances(client, { named: [['big', 'Big Corp']], smalls: 0, adminHash: await hashPassword(PASSWORD) });
  await client.query(
    `insert into user_role (tenant_id, user_id, role_id) select u.tenant_id, u.id, r.id from app_user u join role r on r.tenant_id = u.tenant_id and r.name = 'Administrator'`,
  );
  await fillUserCount(client);
  await client.end();
}

/** 100,000 rows: the first 10,000 invitation users with emails, the rest Internal/External, one or two roles. */
function csv() {
  const lines = ['login,name,email,user_type,roles,language'];
  for (let i = 1; i <= ROWS; i++) {
    const n = String(i).padStart(6, '0');
    const type = i <= INVITES ? 'Invitation Internal (No login)' : i % 7 === 0 ? 'External' : 'Internal';
    lines.push(`imp${n},"Person ${n}, Imported",imp${n}@big.example,${type},${i % 2 ? 'Worker' : '"Worker;Manager"'},${['en', 'de', 'bg', ''][i % 4]}`);
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'erp-bench-import-'));
  chmodSync(tmp, 0o755);
  const delivered = new Set();
  smtp = await startSmtpSink((address) => delivered.add(address));
  cluster = await startEmbeddedPostgres(join(tmp, 'postgres'));
  const url = withDatabase(cluster.url, 'erp_import');
  await ensureDatabase(cluster.url, 'erp_import');
  await migrate(url);
  await seed(url);

  const sessionSecret = randomBytes(32).toString('base64url');
  const started = await startApp({ name: 'app', root: ROOT, databaseUrl: url, smtpPort: smtp.port, sessionSecret, logDir: tmp, children: new Set() });
  app = started.child;
  const port = started.port;
  const { session } = await login(port, headers, PASSWORD);
  const rssStart = rssOf(app.pid, 'VmRSS');

  const file = csv();
  const boundary = '----bench' + randomBytes(8).toString('hex');
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const uploadPage = await request(port, { path: '/security/users/import', headers: session });
  const t0 = Date.now();
  const uploaded = await request(port, {
    method: 'POST',
    path: `/security/users/import?_csrf=${csrfOf(uploadPage.body)}`,
    headers: { ...session, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
  if (uploaded.status !== 303)
    throw new Error(
      `upload: ${uploaded.status} ${uploaded.body
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 300)}`,
    );
  const jobPath = uploaded.headers.location;
  const preview = await request(port, { path: jobPath, headers: session });
  if (!preview.body.includes(`${ROWS} users will be created`)) throw new Error('the preview does not announce every row');
  const previewSeconds = (Date.now() - t0) / 1000;
  log(`upload and preview of ${ROWS} rows (${(file.length / 1048576).toFixed(1)} MB): ${previewSeconds.toFixed(1)} s`);

  const t1 = Date.now();
  const startForm = new URLSearchParams({ _csrf: csrfOf(preview.body), sendInvitations: 'on' }).toString();
  const startRes = await request(port, {
    method: 'POST',
    path: jobPath,
    headers: { ...session, 'content-type': 'application/x-www-form-urlencoded' },
    body: startForm,
  });
  if (startRes.status !== 303) throw new Error(`start: ${startRes.status}`);
  let job;
  for (;;) {
    job = JSON.parse((await request(port, { path: `${jobPath}/progress`, headers: session })).body);
    if (job.status === 'done' || job.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const importSeconds = (Date.now() - t1) / 1000;
  if (job.status !== 'done') throw new Error(`import ${job.status}`);
  const peakRss = rssOf(app.pid, 'VmHWM');
  log(`import: ${importSeconds.toFixed(1)} s; app RSS at start ${rssStart.toFixed(0)} MB, peak ${peakRss.toFixed(0)} MB`);

  const t2 = Date.now();
  while (delivered.size < INVITES && Date.now() - t2 < 120_000) await new Promise((r) => setTimeout(r, 200));
  const mailSeconds = (Date.now() - t2) / 1000;
  log(`${delivered.size} invitations delivered ${mailSeconds.toFixed(1)} s after the import committed`);

  const total = previewSeconds + importSeconds;
  const rate = delivered.size / mailSeconds;
  const md = `# Import users benchmark

Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, Node ${process.version}; the app in production mode
(one process), embedded PostgreSQL 18, an SMTP sink in the runner. \`node bench/import.mjs\` (part of \`npm run bench\`).

| measure | result | target | |
|---|---|---|---|
| upload + preview, ${ROWS.toLocaleString('en')} rows (${(file.length / 1048576).toFixed(1)} MB) | ${previewSeconds.toFixed(1)} s | | |
| import (one transaction, background job) | ${importSeconds.toFixed(1)} s | | |
| preview + import | ${total.toFixed(1)} s | ≤ 60 s | ${total <= 60 ? 'PASS' : 'FAIL'} |
| app peak RSS (VmHWM) | ${peakRss.toFixed(0)} MB (${rssStart.toFixed(0)} MB after login) | bounded | |
| ${INVITES.toLocaleString('en')} invitations delivered, from the import's commit | ${delivered.size} in ${mailSeconds.toFixed(1)} s (${rate.toFixed(0)} mails/s) | the bulk send's rate (bench/results.md, scenario 5) | |
`;
  writeFileSync(join(ROOT, 'bench/import-results.md'), md);
  log('wrote bench/import-results.md');
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
