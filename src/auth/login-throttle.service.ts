import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../common/clock.js';
import { sql } from '../database/sql.js';

/** After this many consecutive failures each further attempt must wait longer. */
export const SLOWDOWN_AFTER = 5;
/** After this many the account is locked for LOCK_MINUTES. */
export const LOCK_AFTER = 10;
export const LOCK_MINUTES = 15;
/** A client address may fail this often (people behind one office address share it). */
export const ADDRESS_LIMIT = 100;

/**
 * Login throttling per account and per client address, in PostgreSQL so every process shares it.
 * A throttled attempt is refused without checking the password and looks like any failure; nothing
 * sleeps, so an attacked account costs the server nothing and slows no one else down.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  static accountKey(tenantId: number, login: string): string {
    const name = login.toLowerCase();
    // The key column holds 200 characters; a login longer than any real one (64) is keyed by its hash.
    return `acct:${tenantId}:${name.length <= 64 ? name : 'sha256:' + createHash('sha256').update(name).digest('hex')}`;
  }

  static addressKey(ip: string): string {
    return `addr:${ip}`;
  }

  /** Whether the attempt may go on to the password check, and the account's failures so far. */
  async check(accountKey: string, addressKey: string): Promise<{ allowed: boolean; accountFailures: number }> {
    const now = this.clock.now().getTime();
    // Times as epoch milliseconds: the driver hands timestamps back as strings, which compare as NaN.
    const rows = await sql<{ key: string; failures: number; last_failure_ms: number; locked_until_ms: number | null }>(
      this.em,
      `select key, failures, extract(epoch from last_failure_at)::float8 * 1000 as last_failure_ms,
              extract(epoch from locked_until)::float8 * 1000 as locked_until_ms
       from login_throttle where key in (?, ?)`,
      [accountKey, addressKey],
    );
    const allowed = rows.every((row) => {
      if (row.locked_until_ms !== null && row.locked_until_ms > now) return false;
      if (row.key === accountKey && row.failures >= SLOWDOWN_AFTER && row.locked_until_ms === null) {
        return now >= row.last_failure_ms + delaySeconds(row.failures) * 1000;
      }
      return true;
    });
    return { allowed, accountFailures: rows.find((r) => r.key === accountKey)?.failures ?? 0 };
  }

  async recordFailure(accountKey: string, addressKey: string): Promise<void> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
    // One statement per key, atomic under concurrent attempts.
    for (const [key, limit] of [
      [accountKey, LOCK_AFTER],
      [addressKey, ADDRESS_LIMIT],
    ] as const) {
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
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await sql(this.em, 'delete from login_throttle where key = ?', [accountKey]);
  }
}

/** An ended lock, or a last failure over an hour ago, starts a fresh count. */
const FRESH = `(t.locked_until is not null and t.locked_until <= excluded.last_failure_at)
  or (t.locked_until is null and t.last_failure_at < excluded.last_failure_at - interval '1 hour')`;

/** 1, 2, 4, 8, 16 seconds after the 5th to 9th failure. */
function delaySeconds(failures: number): number {
  return 2 ** Math.max(0, failures - SLOWDOWN_AFTER);
}
