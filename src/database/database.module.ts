import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { DatabaseTimeouts } from '../config/app-config.js';
import { ormConfig } from './orm-config.js';
import { ormDriverOptions, pgSessionOptions, queryTimeoutMs } from './connection-options.js';
import { DatabaseStatus } from './database-status.js';

export const PG_POOL = Symbol('PG_POOL');

/**
 * MikroORM for the app's data, and a small pg pool for the session store. Every connection has
 * bounded timeouts; an error on an idle connection (a restart, a terminated backend) is reported
 * to DatabaseStatus instead of ending the process, and the pools open new connections by themselves.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  static forRoot(url: string, timeouts: DatabaseTimeouts, entities: Options['entities'] = []): DynamicModule {
    return {
      module: DatabaseModule,
      // No per-request EntityManager fork: requests read and write with parameterised SQL (lists as
      // plain rows) and explicit transactions, never through the identity map, so a fork would only cost time.
      // (knex attaches its own 'error' listener to each connection and drops a broken one.)
      imports: [MikroOrmModule.forRoot({ ...ormConfig(url, { entities }), registerRequestContext: false, driverOptions: ormDriverOptions(timeouts) })],
      providers: [
        DatabaseStatus,
        {
          provide: PG_POOL,
          inject: [DatabaseStatus],
          useFactory: (status: DatabaseStatus) => {
            // query_timeout: a query on a connection that stopped answering fails, and the pool drops that connection.
            const pool = new pg.Pool({ connectionString: url, max: 5, ...pgSessionOptions(timeouts), query_timeout: queryTimeoutMs(timeouts) });
            pool.on('error', (err) => status.report(err) || new Logger('Database').warn(`Session pool: ${err.message}`));
            const probe: pg.QueryConfig = Object.assign({ text: 'select 1' }, { query_timeout: timeouts.connectTimeoutMs });
            status.useProbe(() => pool.query(probe));
            return pool;
          },
        },
      ],
      exports: [PG_POOL, DatabaseStatus],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
