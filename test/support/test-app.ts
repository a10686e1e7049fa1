import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import { inject } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock } from '../../src/common/clock.js';
import { AppConfig } from '../../src/config/app-config.js';
import { ensureDatabase, migrate, withDatabase } from '../../src/database/database.js';
import { freePort } from '../../src/database/embedded-postgres.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  clock: Clock;
  /** Port the app listens on (BASE_URL carries it, so Origin checks and mail links are real). */
  port: number;
  databaseUrl: string;
  /** Plain SQL on the test's own database, for assertions and set-up. */
  db: pg.Pool;
  /** Host header of an instance: `acme.localhost:<port>`. */
  host(instance: string): string;
  close(): Promise<void>;
}

/** A new, empty database in the shared test cluster (no migrations applied); returns its URL. */
export async function emptyDatabase(): Promise<string> {
  const clusterUrl = inject('clusterUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(clusterUrl, name);
  return withDatabase(clusterUrl, name);
}

/** A fresh database in the shared test cluster, with the migrations applied. */
export async function freshDatabase(): Promise<string> {
  const url = await emptyDatabase();
  await migrate(url);
  return url;
}

export { freePort };

/**
 * Boots the real AppModule exactly as main.ts does (configureApp), on its own database, listening
 * on a free port. `env` overrides configuration (e.g. SMTP_URL, BASE_URL's base host).
 */
export async function createTestApp(
  options: { env?: Record<string, string>; baseHost?: string; databaseUrl?: string; logLevels?: LogLevel[] } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await freshDatabase());
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'erp-test-data-'));
  const config = new AppConfig({
    NODE_ENV: 'test',
    BASE_URL: `http://${options.baseHost ?? 'localhost'}:${port}`,
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    SEED_DEMO: 'false',
    MAIL_POLL_MS: '100',
    // Reminders are off unless a spec turns them on: a sweep must not add mails to specs that count them.
    INVITATION_REMINDER_HOURS: '0',
    ...options.env,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), {
    bodyParser: false,
    logger: options.logLevels ?? ['error', 'warn'],
  });
  await configureApp(app);
  await app.listen(port, '127.0.0.1');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  db.on('error', () => undefined); // tests that stop the database cut this pool's idle connections too
  return {
    app,
    config,
    clock: app.get(Clock),
    port,
    databaseUrl,
    db,
    host: (instance) => `${instance}.${options.baseHost ?? 'localhost'}:${port}`,
    async close() {
      await app.close();
      await db.end();
    },
  };
}
