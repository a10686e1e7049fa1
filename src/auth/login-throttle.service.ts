import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';

/** After this many consecutive failures each further attempt must wait longer. */
export const SLOWDOWN_AFTER = 5;
/** After this many the account is locked for LOCK_MINUTES. */
export const LOCK_AFTER = 10;
export const LOCK_MINUTES = 15;
/** A client address may fail this often (people behind one office address share it). */
export const ADDRESS_LIMIT = 100;
/** Rows that no longer hold anything back are deleted this often. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The counters one attempt touches. A browser that logged in as this login before (a device cookie,
 * see DeviceCookies) is counted on its own key alone: the account and address locks that strangers
 * cause do not hold it back, and its own failures lock only itself.
 */
export interface ThrottleKeys {
  account: string;
  address: string;
  device?: string;
}

/**
 * Login throttling per account and per client address, in PostgreSQL so every process shares it.
 * A throttled attempt is refused without checking the password and looks like any failure; nothing
 * sleeps, so an attacked account costs the server nothing and slows no one else down.
 */
@Injectable()
export class LoginThrottleService implements OnModuleInit, OnModuleDestroy {
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: LoginThrottleRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => {
      this.prune().catch((err: Error) => new Logger('LoginThrottle').warn(`Pruning the login throttle failed: ${err.message}`));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /**
   * Deletes every row that no longer changes an answer: an ended lock, or failures over an hour old
   * (the next failure would start a fresh count either way). Without it the table would keep a row
   * for every login anyone ever typed wrong. Returns how many went.
   */
  async prune(): Promise<number> {
    return this.repo.prune(this.clock.now());
  }

  static accountKey(tenantId: number, login: string): string {
    const name = login.toLowerCase();
    // The key column holds 200 characters; a login longer than any real one (64) is keyed by its hash.
    return `acct:${tenantId}:${name.length <= 64 ? name : 'sha256:' + createHash('sha256').update(name).digest('hex')}`;
  }

  static addressKey(ip: string): string {
    return `addr:${ip}`;
  }

  static deviceKey(tenantId: number, device: string): string {
    return `dev:${tenantId}:${device}`;
  }

  /** Whether the attempt may go on to the password check, and the failures so far on the key a success clears. */
  async check(keys: ThrottleKeys): Promise<{ allowed: boolean; failures: number }> {
    const now = this.clock.now().getTime();
    const first = keys.device ?? keys.account;
    const second = keys.device ?? keys.address;
    const rows = await this.repo.find(first === second ? [first] : [first, second]);
    const allowed = rows.every((row) => {
      if (row.locked_until_ms !== null && row.locked_until_ms > now) return false;
      if (row.key === first && row.failures >= SLOWDOWN_AFTER && row.locked_until_ms === null) {
        return now >= row.last_failure_ms + delaySeconds(row.failures) * 1000;
      }
      return true;
    });
    return { allowed, failures: rows.find((r) => r.key === first)?.failures ?? 0 };
  }

  async recordFailure(keys: ThrottleKeys): Promise<void> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
    const counted: (readonly [string, number])[] = keys.device
      ? [[keys.device, LOCK_AFTER]]
      : [
          [keys.account, LOCK_AFTER],
          [keys.address, ADDRESS_LIMIT],
        ];
    for (const [key, limit] of counted) await this.repo.recordFailure(key, now, limit, lockUntil);
  }

  /** A trusted browser's success clears its own count only: a lock strangers caused holds for everyone else. */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.repo.clear(keys.device ?? keys.account);
  }

  /** The account's failures and lock end (its owner proved themself another way: a password reset). */
  async clearAccount(tenantId: number, login: string): Promise<void> {
    await this.repo.clear(LoginThrottleService.accountKey(tenantId, login));
  }
}

/** 1, 2, 4, 8, 16 seconds after the 5th to 9th failure. */
function delaySeconds(failures: number): number {
  return 2 ** Math.max(0, failures - SLOWDOWN_AFTER);
}
