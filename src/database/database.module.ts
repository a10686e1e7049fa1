import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from './orm-config.js';

export const PG_POOL = Symbol('PG_POOL');

/** MikroORM for the app's data, and a small pg pool for the session store. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  static forRoot(url: string, entities: Options['entities'] = []): DynamicModule {
    return {
      module: DatabaseModule,
      // No per-request EntityManager fork: requests read and write with parameterised SQL (lists as
      // plain rows) and explicit transactions, never through the identity map, so a fork would only cost time.
      imports: [MikroOrmModule.forRoot({ ...ormConfig(url, { entities }), registerRequestContext: false })],
      providers: [{ provide: PG_POOL, useFactory: () => new pg.Pool({ connectionString: url, max: 5 }) }],
      exports: [PG_POOL],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
