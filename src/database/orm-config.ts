import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { MIGRATIONS } from '../../migrations/index.js';

/** Tables the app owns outside the ORM: the schema diff must never drop them. */
export const SKIP_TABLES = ['session'];

/**
 * MikroORM options for a database URL. The entities come from the caller (the app lists them in
 * app.entities.ts); the migration runner and the command line need none, since every query is SQL.
 */
export function ormConfig(clientUrl: string, extra: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities: [],
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    forceUtcTimezone: true,
    pool: { min: 0, max: 10 },
    schemaGenerator: { skipTables: SKIP_TABLES },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: MIGRATIONS,
      path: './dist/migrations',
      pathTs: './migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      silent: true,
      snapshot: false,
    },
    debug: false,
    ...extra,
  });
}
