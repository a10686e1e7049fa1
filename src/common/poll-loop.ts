/**
 * A background loop for work that polls a table: runs `work` now, then again after `idleMs()`, or at
 * once when `work` says more is waiting or `kick()` came while it ran. One run at a time; `stop()`
 * lets the run in flight finish. Its timer never keeps the process alive.
 */
export class PollLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private again = false;

  constructor(
    /** One run; true when more is known to be waiting (a full batch). */
    private readonly work: () => Promise<boolean>,
    private readonly idleMs: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Look for work now (after something was queued), or right after the run in flight. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.work()
      .then((more) => {
        if (more) this.again = true;
      })
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        const again = this.again;
        this.again = false;
        if (!this.stopped) this.schedule(again ? 0 : this.idleMs());
      });
  }
}
