import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql } from '../database/sql.js';

export interface ThrottleRow {
  key: string;
  failures: number;
  /** Epoch milliseconds: compared with the clock, never parsed. */
  last_failure_ms: number;
  locked_until_ms: number | null;
}

/** An ended lock, or a last failure over an hour ago, starts a fresh count. */
const FRESH = `(t.locked_until is not null and t.locked_until <= excluded.last_failure_at)
  or (t.locked_until is null and t.last_failure_at < excluded.last_failure_at - interval '1 hour')`;

/** Queries on login_throttle. */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly em: EntityManager) {}

  async find(keys: string[]): Promise<ThrottleRow[]> {
    return sql<ThrottleRow>(
      this.em,
      `select key, failures, extract(epoch from last_failure_at)::float8 * 1000 as last_failure_ms,
              extract(epoch from locked_until)::float8 * 1000 as locked_until_ms
       from login_throttle where key = any(?::text[])`,
      [pgArray(keys)],
    );
  }

  /** One more failure on `key`, atomic under concurrent attempts; reaching `limit` locks it until `lockUntil`. */
  async recordFailure(key: string, now: Date, limit: number, lockUntil: Date): Promise<void> {
    await sql(
      this.em,
      `insert into login_throttle as t (key, failures, last_failure_at) values (?, 1, ?)
       on conflict (key) do update set
         failures = case when ${FRESH} then 1 else t.failures + 1 end,
         last_failure_at = excluded.last_failure_at,
         locked_until = case
           when ${FRESH} then null
           when t.locked_until is not null then t.locked_until
           when t.failures + 1 >= ? then ?::timestamptz
           else null end`,
      [key, now, limit, lockUntil],
    );
  }

  async clear(key: string): Promise<void> {
    await sql(this.em, 'delete from login_throttle where key = ?', [key]);
  }

  /** Deletes the rows that no longer change an answer (an ended lock, failures over an hour old); returns how many. */
  async prune(now: Date): Promise<number> {
    const rows = await sql<{ key: string }>(
      this.em.fork(),
      `delete from login_throttle
       where (locked_until is not null and locked_until <= ?) or (locked_until is null and last_failure_at < ?::timestamptz - interval '1 hour')
       returning key`,
      [now, now],
    );
    return rows.length;
  }
}
