// Outputs drover runs without, because their configuration could not be resolved at start: said at once, again
// every minute, and in `drover status`, so that a missing config var is seen without stopping the app.
import { Message, SEVERITY } from './message';
import type { DisabledOutput } from '../config/load';

interface Disabled {
  id: string;
  /** What is wrong and what to set. */
  why: string;
}

/** The disabled outputs of one pipeline, and the timer that repeats their error lines. */
export class DisabledOutputs {
  private readonly list: Disabled[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** One the config loader left out (an unset ${VAR}, a bad value from one). */
  addFromConfig(d: DisabledOutput): void {
    this.list.push({ id: `outputs.${d.name}`, why: d.problems.map((p) => `${p.message} (${p.file}:${p.line})${p.hint ? `; ${p.hint}` : ''}`).join('; ') });
  }

  /** One that could not be made (a CA file that is not there). */
  add(id: string, why: string): void {
    this.list.push({ id, why });
  }

  /**
   * Says each error line now and every `repeatMs`, through `deliver` (the working outputs), and to drover's stderr
   * as well when `unseen` (no local output is left to show it: the one disabled may be stdout itself).
   */
  start(deliver: (m: Message) => void, hostname: string, repeatMs: number, unseen: boolean): void {
    if (this.list.length === 0) return;
    const say = () => {
      for (const d of this.list) {
        const text = `Error: ${d.id} is disabled, its lines go nowhere: ${d.why}; then restart (the processes run meanwhile; required = true on the output refuses to start instead)`;
        deliver(Message.internal(text, d.id, SEVERITY.err, hostname));
        if (unseen) process.stderr.write(`drover: ${text}\n`);
      }
    };
    say();
    this.timer = setInterval(say, repeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** For `drover status`: each disabled output with its error. */
  stats(): Record<string, Record<string, string>> {
    return Object.fromEntries(this.list.map((d) => [d.id, { state: 'disabled', error: d.why }]));
  }
}
