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

/** MikroORM `driverOptions` (merged into knex's): the same per connection, and a bounded wait for a free one. */
export function ormDriverOptions(t: DatabaseTimeouts) {
  return { connection: pgSessionOptions(t), acquireConnectionTimeout: t.connectTimeoutMs, log: knexLog() };
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
