import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { AppConfig, ConfigError } from '../config/app-config.js';
import { ormConfig } from '../config/mikro-orm.config.js';
import { migrate, openDatabase } from '../database/database.js';
import { EmbeddedPostgresError } from '../database/embedded-postgres.js';
import { InstanceError, InstancesService } from '../tenancy/instances.service.js';
import { parseArgs, USAGE } from './args.js';

/**
 * `npm run cli -- <command>`: works with or without a running server. On the embedded database it
 * joins the server's PostgreSQL when one runs, or starts its own and stops it after.
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
  const config = new AppConfig();
  const db = await openDatabase(config, 'cli');
  try {
    await migrate(db.url);
    const orm = await MikroORM.init(ormConfig(db.url, { pool: { min: 0, max: 2 } }));
    try {
      const instances = new InstancesService(orm.em.fork());
      if (command === 'instance:list') {
        for (const i of await instances.list()) console.log(`${i.name}\t${config.tenantOrigin(i.name)}/login\t${i.displayName}\t${i.users} users`);
        return 0;
      }
      const name = positional[0];
      if (!name || !options['admin-login'] || !options['admin-email']) {
        console.error(`instance:create needs a name, --admin-login and --admin-email.\n\n${USAGE}`);
        return 2;
      }
      const created = await instances.create({
        name,
        displayName: options['display-name'],
        adminLogin: options['admin-login'],
        adminEmail: options['admin-email'],
        adminPassword: options['admin-password'],
      });
      console.log(`Instance "${created.name}" created: ${config.tenantOrigin(created.name)}/login`);
      console.log(`Administrator login: ${options['admin-login']}`);
      if (created.generated) console.log(`Administrator password (shown once): ${created.password}`);
      return 0;
    } finally {
      await orm.close(true);
    }
  } finally {
    await db.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof InstanceError || err instanceof ConfigError || err instanceof EmbeddedPostgresError) console.error(`Error: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
