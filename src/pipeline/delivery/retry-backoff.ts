// Exponential backoff with jitter, for reconnects and retries of a drain.

/** Delays that double from `initial` up to `max`, each with up to 20% jitter so many dynos do not retry in step. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initial: number,
    private readonly max: number,
  ) {}

  /** The delay before the next attempt, in ms. */
  next(): number {
    const base = Math.min(this.max, this.initial * 2 ** Math.min(this.attempt++, 30));
    return Math.round(base * (0.8 + Math.random() * 0.2));
  }

  /** After a success: the next failure waits `initial` again. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** A sleep that `wake()` ends early (on shutdown). */
export class Sleeper {
  private timer: NodeJS.Timeout | undefined;
  private resolve: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
    });
  }

  wake(): void {
    clearTimeout(this.timer);
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }
}
