import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { JsonLogger } from './common/app-logger.js';
import { configureApp } from './app.setup.js';
import type { AppConfig } from './config/app-config.js';
import { migrate, openDatabase, type Database } from './database/database.js';
import { seedDemo } from './tenancy/demo-seed.js';

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
  // Handlers go in before the slow part of the start, so a stop while starting still stops the
  // embedded database. Nest closes the HTTP server (in-flight requests finish) and the ORM first.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received, shutting down`);
      // Refuse new connections now: Nest closes the listener only after every onModuleDestroy
      // (the mail worker finishing its batch). Requests in flight still finish before app.close() resolves.
      app?.getHttpServer().close();
      (app ? app.close() : Promise.resolve()).then(
        () => stop(0),
        () => stop(1),
      );
    });
  }
  try {
    await migrate(db.url);
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, db.url), { bodyParser: false, logger: config.production ? new JsonLogger() : undefined });
    await configureApp(app);
    if (config.seedDemo) await seedDemo(app, config, (line) => console.log(line));
    await app.listen(config.port);
    logger.log(`Listening on port ${config.port}; instances answer at ${config.tenantOrigin('<instance>')}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`Port ${config.port} is already in use; stop the other program or set PORT.`);
    else logger.error((err as Error).stack ?? String(err));
    await stop(1);
  }
}
