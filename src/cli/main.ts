import { AppConfig, ConfigError } from '../config/app-config.js';
import { EmbeddedPostgresError } from '../database/embedded-postgres.js';
import { newInstanceProblem, type NewInstance } from '../instances/new-instance.js';
import { parseArgs, USAGE } from './args.js';

/** A refusal the person can act on: printed as one `Error: ...` line, exit code 1. */
class CliError extends Error {}

/**
 * `npm run cli -- <command>`: works with or without a running server. On the embedded database it
 * joins the server's PostgreSQL when one runs, or starts its own and stops it after. Arguments and
 * configuration are checked before the ORM loads, so a typo is answered at once.
 */
async function main(argv: string[]): Promise<number> {
  const { command, positional, options } = parseArgs(argv);
  if (!command || command === 'help' || options.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'instance:create' && command !== 'instance:list') {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  let input: NewInstance | undefined;
  if (command === 'instance:create') {
    const name = positional[0];
    if (!name || !options['admin-login'] || !options['admin-email']) {
      console.error(`instance:create needs a name, --admin-login and --admin-email.\n\n${USAGE}`);
      return 2;
    }
    input = {
      name,
      displayName: options['display-name'],
      adminLogin: options['admin-login'],
      adminEmail: options['admin-email'],
      adminPassword: options['admin-password'],
    };
    const problem = newInstanceProblem(input);
    if (problem) throw new CliError(problem);
  }
  const config = new AppConfig();
  return withDatabase(config, async (instances) => {
    if (!input) {
      for (const i of await instances.list()) console.log(`${i.name}\t${config.tenantOrigin(i.name)}/login\t${i.displayName}\t${i.users} users`);
      return 0;
    }
    const created = await instances.create(input);
    console.log(`Instance "${created.name}" created: ${config.tenantOrigin(created.name)}/login`);
    console.log(`Administrator login: ${input.adminLogin}`);
    if (created.generated) console.log(`Administrator password (shown once): ${created.password}`);
    return 0;
  });
}

type Instances = import('../instances/instances.service.js').InstancesService;

/** Opens the database (migrated), runs `work` with the instances service, and closes everything. */
async function withDatabase(config: AppConfig, work: (instances: Instances) => Promise<number>): Promise<number> {
  await import('reflect-metadata');
  // One after the other: @mikro-orm/nestjs require()s Nest's ESM, which must not be half-loaded by a parallel import().
  const { NestFactory } = await import('@nestjs/core');
  const { migrate, openDatabase, waitForDatabase, DatabaseUnavailableError } = await import('../database/database.js');
  const { InstancesModule } = await import('../instances/instances.module.js');
  const { InstanceError, InstancesService } = await import('../instances/instances.service.js');
  const db = await openDatabase(config, 'cli');
  try {
    const { startTimeoutSeconds: timeoutSeconds, connectTimeoutMs } = config.database;
    await waitForDatabase(db.url, { timeoutSeconds, connectTimeoutMs, log: (line) => console.error(line) }).catch((err: unknown) => {
      throw err instanceof DatabaseUnavailableError ? new CliError(err.message) : err;
    });
    await migrate(db.url);
    const app = await NestFactory.createApplicationContext(InstancesModule.standalone(config, db.url), { logger: ['error'] });
    try {
      return await work(app.get(InstancesService));
    } catch (err) {
      if (err instanceof InstanceError) throw new CliError(err.message);
      throw err;
    } finally {
      await app.close();
    }
  } finally {
    await db.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CliError || err instanceof ConfigError || err instanceof EmbeddedPostgresError) console.error(`Error: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
