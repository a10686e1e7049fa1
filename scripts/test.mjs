#!/usr/bin/env node
// npm test: every test. Browser tests run whenever a Chromium is found; without one they are
// left out with a plain message, and REQUIRE_BROWSER=1 turns that into a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const chromium = candidates.find((p) => existsSync(p));
const env = { ...process.env };
if (chromium) {
  env.CHROMIUM_PATH = chromium;
  console.log(`Browser tests: using ${chromium}`);
} else if (process.env.REQUIRE_BROWSER === '1') {
  console.error('Browser tests required (REQUIRE_BROWSER=1) but no Chromium was found. Install it: apt-get install -y chromium');
  process.exit(1);
} else {
  delete env.CHROMIUM_PATH;
  console.log('Browser tests SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH).');
}
const result = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
