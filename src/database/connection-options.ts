import { Logger } from '@nestjs/common';
import type { DatabaseTimeouts } from '../config/app-config.js';

/** Shown in pg_stat_activity, so an operator can tell (and a test can terminate) the app's sessions. */
export const APPLICATION_NAME = 'erp';

/**
 * pg client settings for the app's connections: opening one is bounded, and PostgreSQL itself
 * ends a statement, a lock wait or an abandoned transaction that runs over its limit.
 */
export function pgSessionOptions(t: DatabaseTimeouts) {
  return {
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: t.connectTimeoutMs,
    statement_timeout: t.statementTimeoutMs,
    lock_timeout: t.lockTimeoutMs,
    idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs,
    keepAlive: true,
  };
}

/**
 * How long the client waits for any answer to a query. PostgreSQL's own statement_timeout normally
 * ends a slow query first; this bounds a server that stopped answering altogether (frozen, or cut
 * off by the network), where a query would otherwise wait for TCP to give up, many minutes.
 */
export function queryTimeoutMs(t: DatabaseTimeouts): number {
  return t.statementTimeoutMs + t.connectTimeoutMs;
}

/** MikroORM `driverOptions` (merged into knex's): the same per connection, and a bounded wait for a free one. */
export function ormDriverOptions(t: DatabaseTimeouts) {
  return {
    connection: { ...pgSessionOptions(t), query_timeout: queryTimeoutMs(t) },
    acquireConnectionTimeout: t.connectTimeoutMs,
    pool: { afterCreate: dropWhenStuck },
    log: knexLog(),
  };
}

type Callback = (err: Error | null, res: unknown) => void;
type KnexPgConnection = { query: (...args: unknown[]) => unknown; __knex__disposed?: unknown };

/**
 * A connection whose query got no answer in time still waits for that answer, and knex would hand it
 * out again with the next query stuck behind it: marked broken (knex's own flag), its pool drops it.
 */
function dropWhenStuck(conn: KnexPgConnection, done: (err: Error | null, conn: KnexPgConnection) => void): void {
  const query = conn.query;
  conn.query = function (this: unknown, ...args: unknown[]) {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') {
      args[args.length - 1] = (err: Error | null, res: unknown) => {
        if (err?.message === 'Query read timeout') conn.__knex__disposed = err;
        (callback as Callback)(err, res);
      };
    }
    return query.apply(this, args);
  };
  done(null, conn);
}

/**
 * knex warns once per broken connection it drops from its pool ("Connection Error: ..."): during an
 * outage that is a line per connection, while DatabaseStatus already logs the outage once. Its other
 * messages go to the app's log.
 */
function knexLog() {
  const logger = new Logger('Knex');
  return {
    warn: (message: unknown) => void (String(message).startsWith('Connection Error:') || logger.warn(String(message))),
    error: (message: unknown) => logger.error(String(message)),
    deprecate: (method: unknown, alternative: unknown) => logger.warn(`${String(method)} is deprecated, use ${String(alternative)}`),
    debug: () => undefined,
  };
}
