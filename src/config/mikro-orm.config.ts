import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from '../database/entities.js';
import { MIGRATIONS } from '../../migrations/index.js';

/** Tables the app owns outside the ORM: the schema diff must never drop them. */
export const SKIP_TABLES = ['session'];

/** MikroORM options for a database URL; also the config the mikro-orm CLI loads (it reads MIKRO_ORM_CLIENT_URL). */
export function ormConfig(clientUrl: string, extra: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
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

export default ormConfig(process.env.MIKRO_ORM_CLIENT_URL ?? process.env.DATABASE_URL ?? 'postgres://localhost/erp');
