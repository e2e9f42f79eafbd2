// `dedupe` filter: identical consecutive lines from one process collapse into "last message repeated N times",
// as syslogd does, so a retry loop prints its error once per burst.
import { defineComponent, type ComponentContext, type Filter } from '../component';
import { Message } from '../message';
import type { Schema } from '../../config/schema';

const schema: Schema = {
  flush_interval: {
    type: 'duration',
    default: '10s',
    doc: 'how long a run of repeats may wait for its "repeated" line when the process goes on repeating or falls quiet',
  },
};

interface Last {
  raw: Buffer;
  repeats: number;
  /** The last repeat, the template of the summary line (its logger, stream, severity). */
  message: Message;
}

/** Compares each line with the previous one of the same logger; the hot path is one Buffer.equals. */
export class DedupeFilter implements Filter {
  private readonly last = new Map<string, Last>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly interval: number,
    private readonly context: ComponentContext,
  ) {}

  process(message: Message): Message | undefined {
    const last = this.last.get(message.logger);
    if (last === undefined) {
      this.last.set(message.logger, { raw: message.raw, repeats: 0, message });
      return message;
    }
    if (last.raw.length === message.raw.length && last.raw.equals(message.raw)) {
      last.repeats++;
      last.message = message;
      if (this.timer === undefined) this.start();
      return undefined;
    }
    // The summary goes out before the new line, which the router handles after this call returns.
    if (last.repeats > 0) this.summarize(last);
    last.raw = message.raw;
    last.message = message;
    return message;
  }

  /** Emits the pending "repeated" lines; the repeated text stays remembered, so a run can go on. */
  tick(): void {
    let pending = false;
    for (const last of this.last.values()) {
      if (last.repeats > 0) {
        this.summarize(last);
        pending = true;
      }
    }
    if (!pending && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  flush(): void {
    this.tick();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last.clear();
  }

  private summarize(last: Last): void {
    const template = last.message;
    const text = `last message repeated ${last.repeats} time${last.repeats === 1 ? '' : 's'}`;
    // Same logger, stream and severity as the repeats, so matches and prefixes treat it like them.
    const summary = new Message(Buffer.from(text, 'utf8'), template.logger, template.stream, template.pid, template.hostname, Date.now(), template.type);
    summary.severity = template.severity;
    last.repeats = 0;
    this.context.emit(summary);
  }

  private start(): void {
    this.timer = setInterval(() => this.tick(), this.interval);
    this.timer.unref();
  }
}

/** The `dedupe` filter. */
export const dedupeFilter = defineComponent({
  kind: 'filters',
  type: 'dedupe',
  summary: 'Collapses identical consecutive lines of one process into "last message repeated N times".',
  schema,
  example: '[filters.dedupe]\ntype = "dedupe"\nmatch = "TRUE"\nflush_interval = "10s"',
  check: (options) =>
    options.flush_interval > 0
      ? []
      : [{ key: 'flush_interval', message: `option "flush_interval" must be longer than 0, got ${options.flush_interval}ms`, hint: 'e.g. "10s"' }],
  create: (options, context) => new DedupeFilter(options.flush_interval, context),
});
