import 'reflect-metadata';
import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { DevLogger, JsonLogger } from './common/app-logger.js';
import { configureApp } from './app.setup.js';
import type { AppConfig } from './config/app-config.js';
import { DatabaseUnavailableError, migrate, openDatabase, waitForDatabase, type Database } from './database/database.js';
import { seedDemo } from './instances/demo-seed.js';

/** Starts the server on a validated configuration; main.ts loads this module only once the configuration is good. */
export async function runServer(config: AppConfig): Promise<void> {
  const logger = new Logger('Main');
  const db: Database = await openDatabase(config, 'server', (line) => logger.log(line));
  let app: NestExpressApplication | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await db.stop();
    process.exit(code);
  };
  // Stop accepting and let requests in flight finish (Nest would close the ORM before its listener),
  // then Nest's hooks (mail worker, ORM), then the embedded database.
  const shutDown = (code: number) =>
    drain(app?.getHttpServer())
      .then(() => app?.close())
      .then(
        () => stop(code),
        () => stop(1),
      );
  // Handlers go in before the slow part of the start, so a stop while starting still stops the embedded database.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received, shutting down`);
      void shutDown(0);
    });
  }
  // The embedded PostgreSQL this process owns is restarted when it dies; if it cannot be, the app stops.
  db.watch(
    (line) => logger.warn(line),
    (message) => {
      console.error(`Database error: ${message}`);
      setTimeout(() => process.exit(1), DRAIN_MS).unref();
      void shutDown(1);
    },
  );
  try {
    const { startTimeoutSeconds: timeoutSeconds, connectTimeoutMs } = config.database;
    await waitForDatabase(db.url, { timeoutSeconds, connectTimeoutMs, log: (line) => logger.warn(line) });
    await migrate(db.url, (line) => logger.log(line));
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, db.url), {
      bodyParser: false,
      logger: config.production ? new JsonLogger() : new DevLogger(),
    });
    await configureApp(app);
    const demo = config.seedDemo ? await seedDemo(app, config, (line) => console.log(line)) : false;
    await app.listen(config.port);
    logger.log(`Listening on port ${config.port}; instances answer at ${config.tenantOrigin('<instance>')}`);
    if (!config.production && config.baseUrlPort !== config.port) {
      logger.warn(
        `BASE_URL (${config.baseUrl.origin}) names port ${config.baseUrlPort}, not PORT ${config.port}: links in mail and the form Origin check use BASE_URL.`,
      );
    }
    if (config.baseUrl.protocol === 'https:' && !config.trustProxy) {
      // The app speaks plain HTTP: an https BASE_URL means a TLS proxy in front, which must be trusted
      // for Secure cookies to be set and for throttling to see client addresses, not the proxy's.
      logger.warn('BASE_URL is https but TRUST_PROXY is not set: behind a TLS-terminating proxy set TRUST_PROXY=true, or logins will not stick.');
    }
    if (demo) console.log(`Open ${config.tenantOrigin('demo')}/login`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`Port ${config.port} is already in use; stop the other program or set PORT.`);
    else if (err instanceof DatabaseUnavailableError) console.error(`Database error: ${err.message}`);
    else logger.error((err as Error).stack ?? String(err));
    await stop(1);
  }
}

/** Refuses new connections and resolves once the requests in flight are answered (at most DRAIN_MS). */
const DRAIN_MS = 25_000;
function drain(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, DRAIN_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
