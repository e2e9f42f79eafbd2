// The router: decoders, then filters in order, then every output whose match accepts the message.
import { isAscii as isAsciiBuiltin } from 'node:buffer';
import { compileMatcher, type CompiledMatcher } from './matcher';
import { Message, SEVERITY } from './message';
import type { BlockSource } from './formats';
import type { LineSink } from './splitter';
import type { ComponentContext, Decoder, Filter, Output } from './component';
import { findDefinition } from './registry';
import type { ComponentConfig, DroverConfig } from '../config/load';

interface Stage<T> {
  id: string;
  match: CompiledMatcher;
  component: T;
}

export interface PipelineOptions {
  env: NodeJS.ProcessEnv;
  hostname: string;
  onPlatform: boolean;
  isTTY: boolean;
}

/** A block source's stand-in message, for matchers that read only per-stream variables. */
const protoCache = new WeakMap<BlockSource, Message>();
function protoOf(source: BlockSource): Message {
  let proto = protoCache.get(source);
  if (!proto) {
    proto = new Message(Buffer.alloc(0), source.logger, source.stream, source.pid, source.hostname, 0, source.type);
    proto.severity = source.severity;
    protoCache.set(source, proto);
  }
  return proto;
}

/** buffer.isAscii (SIMD), where this Node.js has it (18.15 and later); elsewhere every block takes the slower path. */
const isAscii: (bytes: Buffer) => boolean = isAsciiBuiltin ?? (() => false);

/** Lines are made into messages this many bytes at a time. */
const PIECE = 32 * 1024;

/** A copy of chunk[start, end): read buffers are reused as soon as the pipeline returns. */
function copyOf(chunk: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.allocUnsafe(end - start);
  copy.set(chunk.subarray(start, end));
  return copy;
}

/**
 * Routes every line. Without decoders and filters, blocks of whole lines go to outputs that have a block
 * writer (raw, heroku, prefixed) without a message per line: that is the fast path.
 */
export class Pipeline implements LineSink {
  private readonly decoders: Stage<Decoder>[] = [];
  private readonly filters: Stage<Filter>[] = [];
  private readonly outputs: Stage<Output>[] = [];
  private readonly fast: boolean;
  private waiting: Promise<void> | undefined;
  private readonly resumeCallbacks = new Set<() => void>();
  /** Messages routed, for `drover status`. */
  lines = 0;

  constructor(config: Pick<DroverConfig, 'decoders' | 'filters' | 'outputs'>, private readonly options: PipelineOptions) {
    config.decoders.forEach((c) => this.decoders.push(this.build(c, () => undefined)));
    config.filters.forEach((c, i) => this.filters.push(this.build(c, (m) => this.runFrom(m, i + 1))));
    config.outputs.forEach((c) => this.outputs.push(this.build(c, (m) => queueMicrotask(() => this.deliver(m)))));
    this.fast = this.decoders.length === 0 && this.filters.length === 0;
  }

  private build<T>(config: ComponentConfig, emit: (m: Message) => void): Stage<T> {
    const definition = findDefinition(config.kind, config.type);
    if (!definition) throw new Error(`unknown ${config.kind} type ${config.type}`); // validated before, never reached
    const id = `${config.kind}.${config.name}`;
    const context: ComponentContext = {
      id,
      env: this.options.env,
      hostname: this.options.hostname,
      onPlatform: this.options.onPlatform,
      isTTY: this.options.isTTY,
      report: (text, severity = SEVERITY.info) => emit(Message.internal(text, id, severity, this.options.hostname)),
      emit,
    };
    return { id, match: compileMatcher(config.match), component: definition.create(config.options, context) as T };
  }

  /** True while an output is full: callers stop reading from processes until `onResume` fires. */
  get blocked(): boolean {
    return this.waiting !== undefined;
  }

  /** Calls `callback` once, when the outputs can take more. */
  onResume(callback: () => void): void {
    this.resumeCallbacks.add(callback);
  }

  block(source: BlockSource, chunk: Buffer, start: number, end: number, timestamp: number): void {
    if (!this.fast) {
      // Pieces of at most ~32 KiB: a longer decoded string would be a large object, slow for V8 to allocate.
      while (end - start > PIECE) {
        const cut = chunk.lastIndexOf(10, start + PIECE - 1) + 1;
        const pieceEnd = cut > start ? cut : chunk.indexOf(10, start + PIECE) + 1;
        this.messages(source, chunk, start, pieceEnd, timestamp);
        start = pieceEnd;
      }
      this.messages(source, chunk, start, end, timestamp);
      return;
    }
    const proto = protoOf(source);
    let own: Buffer | undefined;
    for (const output of this.outputs) {
      const { match, component } = output;
      if (!match.perLine && component.lines) {
        // Block writers copy the lines out before returning.
        if (match(proto) && !component.lines(chunk, start, end, source, timestamp)) this.wait(component);
        continue;
      }
      own ??= copyOf(chunk, start, end);
      let full = false;
      for (let at = 0; at < own.length; ) {
        const nl = own.indexOf(10, at);
        const m = this.messageAt(source, own, at, nl, timestamp);
        if (match(m) && !component.write(m)) full = true;
        at = nl + 1;
      }
      if (full) this.wait(component);
    }
  }

  /** Whole lines chunk[start, end) as messages, each routed from the start. */
  private messages(source: BlockSource, chunk: Buffer, start: number, end: number, timestamp: number): void {
    // Messages outlive this call (filters hold some, drains queue them): they get bytes of their own.
    const own = copyOf(chunk, start, end);
    if (!isAscii(own)) {
      for (let at = 0; at < own.length; ) {
        const nl = own.indexOf(10, at);
        this.runFrom(this.messageAt(source, own, at, nl, timestamp), 0);
        at = nl + 1;
      }
      return;
    }
    // ASCII, as most logs are: decoded once for the whole piece, each line's text a slice of it (bytes and
    // characters line up), which costs far less than decoding line by line.
    const text = own.toString('latin1');
    for (let at = 0; at < text.length; ) {
      const nl = text.indexOf('\n', at);
      this.runFrom(this.messageAt(source, own, at, nl, timestamp, text.slice(at, nl)), 0);
      at = nl + 1;
    }
  }

  line(source: BlockSource, bytes: Buffer, timestamp: number): void {
    this.runFrom(this.message(source, Buffer.from(bytes), timestamp), 0);
  }

  /** A message an input built, routed from the start like a process line. */
  route(message: Message): void {
    this.runFrom(message, 0);
  }

  /** A line of drover's own (supervisor state changes), routed like any other. */
  internal(text: string, logger: string, severity: number = SEVERITY.info): void {
    this.runFrom(Message.internal(text, logger, severity, this.options.hostname), 0);
  }

  private messageAt(source: BlockSource, chunk: Buffer, start: number, end: number, timestamp: number, text?: string): Message {
    const m = Message.fromChunk(chunk, start, end, source.logger, source.stream, source.pid, source.hostname, timestamp, source.type, text);
    m.severity = source.severity;
    if (source.fields) m.fields = { ...source.fields };
    return m;
  }

  private message(source: BlockSource, bytes: Buffer, timestamp: number): Message {
    const m = new Message(bytes, source.logger, source.stream, source.pid, source.hostname, timestamp, source.type);
    m.severity = source.severity;
    if (source.fields) m.fields = { ...source.fields };
    return m;
  }

  /** Decoders (only for a message entering at the start), then filters from `index`, then outputs. */
  private runFrom(message: Message, index: number): void {
    this.lines++;
    if (index === 0) {
      for (const d of this.decoders) if (d.match(message)) d.component.decode(message);
    }
    let m: Message | undefined = message;
    for (let i = index; i < this.filters.length; i++) {
      const f = this.filters[i];
      if (!f.match(m)) continue;
      m = f.component.process(m);
      if (!m) return;
    }
    this.deliver(m);
  }

  private deliver(message: Message): void {
    for (const output of this.outputs) {
      if (output.match(message) && !output.component.write(message)) this.wait(output.component);
    }
  }

  private wait(output: Output): void {
    const drained = output.drained();
    const previous = this.waiting;
    const all = previous ? Promise.all([previous, drained]).then(() => undefined) : drained;
    const current = all.then(() => {
      if (this.waiting !== current) return;
      this.waiting = undefined;
      const callbacks = [...this.resumeCallbacks];
      this.resumeCallbacks.clear();
      for (const callback of callbacks) callback();
    });
    this.waiting = current;
  }

  /** Flushes filters (held groups, pending summaries), then closes outputs by the deadline. */
  async close(deadline: number): Promise<void> {
    for (const f of this.filters) f.component.flush?.();
    for (const f of this.filters) f.component.close?.();
    await Promise.all(this.outputs.map((o) => o.component.close(deadline)));
  }

  /** Per-output counters for `drover status`. */
  stats(): Record<string, Record<string, number | string>> {
    return Object.fromEntries(this.outputs.map((o) => [o.id, o.component.stats?.() ?? {}]));
  }
}
