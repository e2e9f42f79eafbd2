// `throttle` filter: at most `limit` messages per window per key; at the window's end one summary line says
// how many were suppressed, so a process stuck in a loop cannot flood the drains.
import { defineComponent, type ComponentContext, type Filter } from '../component';
import { SEVERITY, type Message } from '../message';
import type { Schema } from '../../config/schema';
import { formatDuration, KEY_HINT, KEY_PATTERN, keyReader } from './common';

const schema: Schema = {
  limit: { type: 'integer', required: true, min: 1, doc: 'messages passed per window and key; the rest are suppressed and counted' },
  window: { type: 'duration', default: '1s', doc: 'the length of a window, e.g. "1s" or "1m"; counts start again at each' },
  key: {
    type: 'string',
    default: 'Logger',
    pattern: KEY_PATTERN,
    patternHint: KEY_HINT,
    doc: 'what is limited separately: "Logger" (each process instance), "Payload" (each distinct line), "Fields[name]"...',
  },
};

interface Window {
  passed: number;
  suppressed: number;
}

/** Fixed windows on one timer for all keys: the hot path is a map lookup and an increment. */
export class ThrottleFilter implements Filter {
  private windows = new Map<string, Window>();
  private readonly key: (m: Message) => string;
  private timer: NodeJS.Timeout | undefined;
  private readonly every: string;

  constructor(
    private readonly limit: number,
    private readonly window: number,
    key: string,
    private readonly context: ComponentContext,
  ) {
    this.key = keyReader(key);
    this.every = formatDuration(window);
  }

  process(message: Message): Message | undefined {
    // drover's own lines (process started, exited, FATAL) are few and say what happened: never suppressed.
    if (message.type === 'drover') return message;
    if (this.timer === undefined) this.start();
    const key = this.key(message);
    let state = this.windows.get(key);
    if (state === undefined) this.windows.set(key, (state = { passed: 0, suppressed: 0 }));
    if (state.passed < this.limit) {
      state.passed++;
      return message;
    }
    state.suppressed++;
    return undefined;
  }

  /** Ends the window: a summary per key that lost messages, then fresh counts (old keys are forgotten). */
  tick(): void {
    const ended = this.windows;
    this.windows = new Map();
    for (const [key, state] of ended) {
      if (state.suppressed > 0)
        this.context.report(
          `suppressed ${state.suppressed} message${state.suppressed === 1 ? '' : 's'} from ${key || '(none)'} in the last ${this.every}`,
          SEVERITY.warning,
        );
    }
    if (ended.size === 0 && this.timer) {
      // Idle: stop ticking until the next message.
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
  }

  private start(): void {
    this.timer = setInterval(() => this.tick(), this.window);
    this.timer.unref();
  }
}

/** The `throttle` filter. */
export const throttleFilter = defineComponent({
  kind: 'filters',
  type: 'throttle',
  summary:
    "Passes at most `limit` messages per window per key, then one summary line with the number suppressed; drover's own lines (Type 'drover') always pass.",
  schema,
  example: '[filters.quiet]\ntype = "throttle"\nmatch = "Logger == \'worker.1\'"\nlimit = 100\nwindow = "1s"',
  check: (options) =>
    options.window > 0 ? [] : [{ key: 'window', message: `option "window" must be longer than 0, got ${options.window}ms`, hint: 'e.g. "1s"' }],
  create: (options, context) => new ThrottleFilter(options.limit, options.window, options.key, context),
});
