import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { describeDatabaseError, isDatabaseUnavailable } from './db-errors.js';

const PROBE_MS = 1000;

/**
 * Whether the database answers. Every part that meets a database error reports it here: an error
 * that means "unavailable" starts an outage (one log line), and a probe then checks every second;
 * the outage ends (one more line) once the probe passes and no request failed meanwhile. Nothing
 * else is logged for those errors, so an outage costs two lines, not a stack per request.
 */
@Injectable()
export class DatabaseStatus implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private downSince?: number;
  private lastFailureAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private probe: () => Promise<unknown> = () => Promise.resolve();

  /** The check that ends an outage: a trivial query through a pool. */
  useProbe(probe: () => Promise<unknown>): void {
    this.probe = probe;
  }

  get available(): boolean {
    return this.downSince === undefined;
  }

  /** True when `err` means the database is unreachable or stalled (answer 503); false for any other error. */
  report(err: unknown): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    this.lastFailureAt = Date.now();
    if (this.downSince === undefined && !this.stopped) {
      this.downSince = Date.now();
      this.logger.warn(`Database unavailable (${describeDatabaseError(err)}); pages that need it answer 503 until it is back`);
      this.schedule();
    }
    return true;
  }

  /** A background loop's error: an outage is reported as above, anything else is logged under `label`. */
  reportFrom(logger: Logger, label: string, err: unknown): void {
    if (!this.report(err)) logger.error(`${label}: ${err instanceof Error ? err.message : String(err)}`);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), PROBE_MS);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const started = Date.now();
    try {
      await this.probe();
    } catch {
      return this.schedule();
    }
    // Requests still failing (a lock held, a stall) keep the outage open even when a probe gets through.
    if (this.lastFailureAt >= started || this.downSince === undefined) return this.schedule();
    const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = undefined;
    this.logger.log(`Database available again after ${seconds} s`);
  }
}
