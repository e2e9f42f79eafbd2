// `sample` filter: passes 1 message in N, counted per key, so a chatty process is thinned without randomness.
import { defineComponent, type Filter } from '../component';
import type { Message } from '../message';
import type { Schema } from '../../config/schema';
import { KEY_HINT, KEY_PATTERN, keyReader } from './common';

const schema: Schema = {
  rate: { type: 'integer', required: true, min: 1, doc: 'pass 1 message in this many: 10 keeps the 1st, 11th, 21st... (1 passes everything)' },
  key: {
    type: 'string',
    default: '',
    pattern: KEY_PATTERN,
    patternHint: KEY_HINT,
    doc: 'count separately per value of this variable, e.g. "Logger", so each process keeps its share; empty: one count for all',
  },
};

/** Passes the first message of every `rate`; deterministic, so tests and reruns see the same lines. */
export class SampleFilter implements Filter {
  private count = 0;
  private readonly counts = new Map<string, number>();
  private readonly key: ((m: Message) => string) | undefined;

  constructor(
    private readonly rate: number,
    key: string,
  ) {
    this.key = key ? keyReader(key) : undefined;
  }

  process(message: Message): Message | undefined {
    if (message.type === 'drover') return message; // drover's own lines (process started, exited) are never thinned
    let n: number;
    if (this.key) {
      const k = this.key(message);
      n = this.counts.get(k) ?? 0;
      if (this.counts.size > 10_000 && n === 0) this.counts.clear(); // a key of unbounded values must not grow memory forever
      this.counts.set(k, n + 1 === this.rate ? 0 : n + 1);
    } else {
      n = this.count;
      this.count = n + 1 === this.rate ? 0 : n + 1;
    }
    return n === 0 ? message : undefined;
  }
}

/** The `sample` filter. */
export const sampleFilter = defineComponent({
  kind: 'filters',
  type: 'sample',
  summary: "Passes 1 message in N (per key when one is given), dropping the rest; drover's own lines (Type 'drover') always pass.",
  schema,
  example: '[filters.thin]\ntype = "sample"\nmatch = "Logger =~ /^worker/ && Severity >= 6"\nrate = 10\nkey = "Logger"',
  create: (options) => new SampleFilter(options.rate, options.key),
});
