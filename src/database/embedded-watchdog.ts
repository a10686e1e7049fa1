import { join } from 'node:path';
import { runningPort, startEmbeddedPostgres } from './embedded-postgres.js';

const CHECK_MS = 1000;
/** Pauses before each restart attempt (orphaned backends may hold the old shared memory for a moment): about 15 s in all. */
const RESTART_DELAYS_MS = [0, 1000, 2000, 4000, 8000];

export interface Watchdog {
  /** Stops watching; resolves once a restart in progress has finished, so a shutdown stops what it started. */
  stop(): Promise<void>;
}

/**
 * Under `npm start` the embedded PostgreSQL is the server's to keep running: it is checked every
 * second, and when it has died it is started again on the same folder and port (PostgreSQL's crash
 * recovery replays its log), with a line saying so. The app's pools reconnect by themselves. When it
 * cannot be started again, `giveUp` gets a message, so the app stops rather than serve errors forever.
 */
export function watchEmbeddedPostgres(
  dir: string,
  port: number,
  log: (line: string) => void,
  giveUp: (message: string) => void,
  delaysMs: number[] = RESTART_DELAYS_MS,
): Watchdog {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(check, CHECK_MS);
    timer.unref();
  };
  const check = () => {
    if (stopped) return;
    if (runningPort(dir)) return schedule();
    restarting = restart().finally(() => (restarting = undefined));
  };
  const restart = async () => {
    log(`The embedded PostgreSQL (${dir}) stopped unexpectedly; restarting it on port ${port}`);
    const started = Date.now();
    let reason = '';
    for (const delay of delaysMs) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (stopped) return;
      try {
        await startEmbeddedPostgres(dir, { port, adopt: true });
        log(`The embedded PostgreSQL is running again, ${((Date.now() - started) / 1000).toFixed(1)} s after it stopped`);
        return schedule();
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    giveUp(`The embedded PostgreSQL (${dir}) stopped and could not be started again: ${reason}. See ${join(dir, 'server.log')}.`);
  };

  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await restarting;
    },
  };
}
