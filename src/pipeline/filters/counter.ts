// `counter` filter: like Heka's CounterFilter, every interval one line with the messages seen per process and
// severity and the rate, so a quiet drain can be told apart from a quiet app. Messages pass on unchanged.
import { defineComponent, type ComponentContext, type Filter } from '../component';
import { Message, SEVERITY, SEVERITY_NAMES, type FieldValue } from '../message';
import type { Schema } from '../../config/schema';
import { formatDuration } from './common';

const schema: Schema = {
  interval: { type: 'duration', default: '10s', doc: 'how often the counts are reported (and reset)' },
  idle: { type: 'boolean', default: false, doc: 'also report intervals in which no message came; by default they are skipped' },
};

/** Counts per logger and severity; the hot path is a map lookup (skipped for runs of one logger) and an increment. */
export class CounterFilter implements Filter {
  private counts = new Map<string, Float64Array>();
  private lastLogger = '';
  private lastCounts: Float64Array | undefined;
  private total = 0;
  private since = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly interval: number,
    private readonly idle: boolean,
    private readonly context: ComponentContext,
  ) {
    this.timer = setInterval(() => this.report(), interval);
    this.timer.unref();
  }

  process(message: Message): Message | undefined {
    let counts = this.lastCounts;
    if (counts === undefined || message.logger !== this.lastLogger) {
      counts = this.counts.get(message.logger);
      if (counts === undefined) this.counts.set(message.logger, (counts = new Float64Array(8)));
      this.lastLogger = message.logger;
      this.lastCounts = counts;
    }
    const severity = message.severity;
    counts[severity >= 0 && severity <= 7 ? severity : SEVERITY.info]++;
    this.total++;
    return message;
  }

  /** The line for the interval that just ended, and fresh counts. Public for tests and `flush`. */
  report(now = Date.now()): void {
    const seconds = Math.max(now - this.since, 1) / 1000;
    const counts = this.counts;
    const total = this.total;
    this.counts = new Map();
    this.lastCounts = undefined;
    this.total = 0;
    this.since = now;
    if (total === 0 && !this.idle) return;
    const rate = Math.round((total / seconds) * 10) / 10;
    const fields: Record<string, FieldValue> = { lines: total, rate };
    const parts: string[] = [];
    for (const logger of [...counts.keys()].sort()) {
      const row = counts.get(logger)!;
      const bySeverity: string[] = [];
      for (let s = 0; s < 8; s++) {
        if (row[s] === 0) continue;
        bySeverity.push(`${SEVERITY_NAMES[s]}=${row[s]}`);
        fields[`${logger}.${SEVERITY_NAMES[s]}`] = row[s];
      }
      parts.push(`${logger} ${bySeverity.join(' ')}`);
    }
    const text = `counted ${total} message${total === 1 ? '' : 's'} in ${formatDuration(Math.round(seconds * 1000))} (${rate}/s)${parts.length ? ': ' + parts.join(', ') : ''}`;
    // Logged as the component (`filters.counter`), as the pipeline's report() does.
    const message = Message.internal(text, this.context.id, SEVERITY.info, this.context.hostname);
    message.fields = fields;
    this.context.emit(message);
  }

  flush(): void {
    this.report();
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The `counter` filter. */
export const counterFilter = defineComponent({
  kind: 'filters',
  type: 'counter',
  summary: 'Every interval, one line with the number of messages per process and severity, and messages per second.',
  schema,
  example: '[filters.counter]\ntype = "counter"\nmatch = "Type == \'log\'"\ninterval = "1m"',
  check: (options) =>
    options.interval >= 100 ? [] : [{ key: 'interval', message: `option "interval" must be at least 100ms, got ${options.interval}ms`, hint: 'e.g. "10s"' }],
  create: (options, context) => new CounterFilter(options.interval, options.idle, context),
});
