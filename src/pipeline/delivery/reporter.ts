// Rate-limited reports of an output's troubles (drops, retries, rejections) as drover log lines.
import type { ComponentContext } from '../component';
import { SEVERITY } from '../message';

interface Pending {
  count: number;
  text: (count: number) => string;
  severity: number;
}

/**
 * Counts per kind of trouble and says each at most once per interval, with the total since it last spoke:
 * a drain outage at 50,000 lines per second must produce a line per second, not a line per message.
 * Lines are sent from a timer, never from inside `write`, so a report cannot re-enter the output reporting it.
 */
export class Reporter {
  private pending = new Map<string, Pending>();
  private lastSaid = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: Pick<ComponentContext, 'report'>,
    private readonly interval = 1000,
  ) {}

  /** Adds `n` to the count of `key`; `text` makes the line from the total. */
  count(key: string, n: number, text: (count: number) => string, severity: number = SEVERITY.err): void {
    if (n <= 0) return;
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += n;
      entry.text = text;
    } else this.pending.set(key, { count: n, text, severity });
    this.schedule(key);
  }

  /** One line; repeats of the same key within the interval are folded into the next one. */
  say(key: string, text: string, severity: number = SEVERITY.warning): void {
    this.count(key, 1, (n) => (n > 1 ? `${text} (and ${n - 1} more like it)` : text), severity);
  }

  /** Says everything pending now (at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const key of [...this.pending.keys()]) this.emit(key);
  }

  private schedule(key: string): void {
    if (this.timer) return;
    const last = this.lastSaid.get(key) ?? 0;
    const wait = Math.max(0, last + this.interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      let later = false;
      for (const key of [...this.pending.keys()]) {
        if (now - (this.lastSaid.get(key) ?? 0) >= this.interval) this.emit(key);
        else later = true;
      }
      if (later) this.schedule([...this.pending.keys()][0]);
    }, wait);
    this.timer.unref();
  }

  private emit(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    this.lastSaid.set(key, Date.now());
    this.context.report(entry.text(entry.count), entry.severity);
  }
}
