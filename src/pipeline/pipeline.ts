// The router: decoders, then filters in order, then every output whose match accepts the message.
import { isAscii as isAsciiBuiltin } from 'node:buffer';
import { compileMatcher, type CompiledMatcher } from './matcher/matcher';
import { Message, SEVERITY } from './message';
import type { BlockSource } from './formats/formats';
import type { LineSink } from './intake/splitter';
import { oneInstance, type ComponentContext, type Decoder, type Filter, type InstanceName, type Output } from './component';
import { findDefinition } from './registry';
import { DisabledOutputs } from './disabled-outputs';
import { BufferInUseError } from './buffers/segment-files';
import type { ComponentConfig, DroverConfig } from '../config/load';

interface Stage<T> {
  id: string;
  match: CompiledMatcher;
  component: T;
  /** What it was built from (none for an output of drover's own): a reload keeps an output whose config is the same. */
  config?: ComponentConfig;
}

export interface PipelineOptions {
  env: NodeJS.ProcessEnv;
  hostname: string;
  onPlatform: boolean;
  isTTY: boolean;
  /** The process instances this drover runs now (default: one, unnamed); a scale changes them. */
  instances?: () => readonly InstanceName[];
  /** How often a disabled output's error is said again (default: every minute). */
  repeatMs?: number;
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
  private fast: boolean;
  /**
   * Outputs of drover's own (addOutput): they see every line as it was read, before decoders and filters, and
   * drover's own lines; kept by a reload.
   */
  private readonly own: Stage<Output>[] = [];
  /** Set once drover has said its last line: nothing is routed, nor given to its own outputs, after it. */
  private muted = false;
  private waiting: Promise<void> | undefined;
  /** The outputs `waiting` waits for. */
  private readonly waitedOn = new Set<Output>();
  private readonly resumeCallbacks = new Set<() => void>();
  /** Messages routed, for `drover status`. */
  lines = 0;

  private readonly disabled = new DisabledOutputs();

  constructor(
    config: Pick<DroverConfig, 'decoders' | 'filters' | 'outputs'> & Partial<Pick<DroverConfig, 'disabled'>>,
    private readonly options: PipelineOptions,
  ) {
    config.decoders.forEach((c) => this.decoders.push(this.build(c, () => undefined)));
    config.filters.forEach((c, i) => this.filters.push(this.build(c, (m) => this.runFrom(m, i + 1))));
    for (const d of config.disabled ?? []) this.disabled.addFromConfig(d);
    for (const c of config.outputs) {
      try {
        this.outputs.push(this.build(c, (m) => queueMicrotask(() => this.deliver(m))));
      } catch (error) {
        // A disk buffer another output or drover holds is a conflict to fix first (the other one may be this app's
        // own drover still running): nothing starts, and the message names the holder and the option.
        if (error instanceof BufferInUseError) throw error;
        // Something only known at start (a CA file that is not there): without `required`, the app runs without it.
        if (c.required)
          throw new Error(
            `[outputs.${c.name}] (${c.origin.file}:${c.origin.line}) ${(error as Error).message}; it has required = true, so drover does not run without it`,
          );
        this.disabled.add(`outputs.${c.name}`, `${(error as Error).message} (${c.origin.file}:${c.origin.line})`);
      }
    }
    this.fast = this.decoders.length === 0 && this.filters.length === 0;
    this.disabled.start((m) => this.deliver(m), options.hostname, options.repeatMs ?? 60_000, !this.outputs.some((o) => !o.component.remote));
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
      instances: this.options.instances ?? oneInstance,
      report: (text, severity = SEVERITY.info) => emit(Message.internal(text, id, severity, this.options.hostname)),
      emit,
    };
    return { id, match: compileMatcher(config.match), component: definition.create(config.options, context) as T, config };
  }

  /**
   * The longest line that may come in a block: every output's block writer takes it whole. Longer lines come one by
   * one (LineSink.line), as messages an output can split for its transport.
   */
  get blockLimit(): number {
    let limit = Infinity;
    for (const { component } of this.outputs) if (component.lines && component.blockLimit) limit = Math.min(limit, component.blockLimit);
    return limit;
  }

  /**
   * The descriptor a process whose lines come as `sources` may write to itself, or why not: only when nothing in
   * the pipeline needs its lines (no decoders or filters, and the one output a raw stdout or stderr, see
   * Output.directFd, whose match takes every line of theirs). drover's own outputs (the history) do not count.
   */
  directFd(sources: BlockSource[]): number | string {
    if (this.decoders.length || this.filters.length) return 'decoders or filters read its lines';
    const [only, ...others] = this.outputs;
    if (!only || others.length) return others.length ? 'more than one output' : 'no output';
    if (only.component.directFd === undefined) return `${only.id} is not a raw stdout or stderr that passes lines unchanged`;
    if (only.match.perLine || !sources.every((s) => only.match(protoOf(s)))) return `${only.id} matches some lines only`;
    return only.component.directFd;
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
    if (!this.muted) for (const { component } of this.own) component.lines?.(chunk, start, end, source, timestamp);
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
    for (const output of this.routes) {
      const { match, component } = output;
      if (!match.perLine && component.lines) {
        // Block writers copy the lines out before returning.
        if (match(proto) && !component.lines(chunk, start, end, source, timestamp)) this.wait(component);
        continue;
      }
      // Messages on the read buffer itself, without a copy of the block (a drain took one of 256 KiB per read):
      // with no decoders or filters, nothing holds them after the output's write, which encodes them at once.
      let full = false;
      for (let at = start; at < end; ) {
        const nl = chunk.indexOf(10, at);
        const m = this.messageAt(source, chunk, at, nl, timestamp);
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

  line(source: BlockSource, bytes: Buffer, timestamp: number, cut = false, owned = false): void {
    // The message outlives this call: bytes on the read buffer are copied, a line the splitter assembled is kept.
    const m = this.message(source, owned ? bytes : Buffer.from(bytes), timestamp);
    if (cut) {
      m.fields = { cut: true };
      if (!this.cutReported.has(source.logger)) {
        this.cutReported.add(source.logger);
        this.internal(
          `${source.logger} printed a line longer than [supervisor] max_line_length: it is cut into messages of at most ${bytes.length} bytes, each but the last with Fields[cut] = true (reported once per instance)`,
          'supervisor',
          SEVERITY.warning,
        );
      }
    }
    this.tap(m);
    this.runFrom(m, 0);
  }

  /** Gives a message to drover's own outputs, as it came in (before decoders and filters). */
  private tap(m: Message): void {
    if (!this.muted) for (const { component } of this.own) component.write(m);
  }

  /** Instances whose line was cut at the memory bound already (the warning comes once for each). */
  private readonly cutReported = new Set<string>();

  /** A message an input built, routed from the start like a process line. */
  route(message: Message): void {
    this.tap(message);
    this.runFrom(message, 0);
  }

  /** A line of drover's own (supervisor state changes), routed like any other. */
  internal(text: string, logger: string, severity: number = SEVERITY.info): void {
    const m = Message.internal(text, logger, severity, this.options.hostname);
    this.tap(m);
    this.runFrom(m, 0);
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
    for (const output of this.routes) {
      if (output.match(message) && !output.component.write(message)) this.wait(output.component);
    }
  }

  private wait(output: Output): void {
    // Once per output until it drains: a full output is handed the rest of the block all the same, each write
    // answers false, and a promise chained per line kept thousands alive until it drained (issue 22).
    if (this.waitedOn.has(output)) return;
    this.waitedOn.add(output);
    const drained = output.drained().finally(() => this.waitedOn.delete(output));
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

  /**
   * Adds an output of drover's own (the history of `drover logs`) that sees every line as read, in the blocks they
   * came in, and drover's own lines: not a routed output, so that it costs a copy per block whatever decoders and
   * filters do (as a routed output it took a copy per decoded message, and json decoding ran 40% slower).
   */
  addOutput(id: string, output: Output): void {
    this.own.push({ id, match: compileMatcher('TRUE'), component: output });
  }

  /**
   * Applies a new configuration (`drover reload`). Filters hand over what they hold, then decoders and filters
   * are built anew. An output whose configuration is unchanged is kept as it is, with its buffer and connection;
   * a removed or changed one is closed (it delivers what it holds until `closeDeadline`); a new one starts.
   */
  reconfigure(config: Pick<DroverConfig, 'decoders' | 'filters' | 'outputs'>, closeDeadline: number): { kept: string[]; started: string[]; closed: string[] } {
    const old = new Map(this.outputs.filter((o) => o.config).map((o) => [o.id, o]));
    const same = (a: ComponentConfig, b: ComponentConfig) => JSON.stringify([a.type, a.match, a.options]) === JSON.stringify([b.type, b.match, b.options]);
    const result = { kept: [] as string[], started: [] as string[], closed: [] as string[] };
    const built: Stage<Output>[] = [];
    let decoders: Stage<Decoder>[];
    let filters: Stage<Filter>[];
    let outputs: Stage<Output>[];
    // Everything new is built before anything changes: a component that fails to start leaves the pipeline as it was.
    try {
      outputs = config.outputs.map((c) => {
        const previous = old.get(`outputs.${c.name}`);
        if (previous && same(previous.config!, c)) return previous;
        const stage = this.build<Output>(c, (m) => queueMicrotask(() => this.deliver(m)));
        built.push(stage);
        return stage;
      });
      decoders = config.decoders.map((c) => this.build<Decoder>(c, () => undefined));
      filters = config.filters.map((c, i) => this.build<Filter>(c, (m) => this.runFrom(m, i + 1)));
    } catch (error) {
      for (const stage of built) void stage.component.close(Date.now()).catch(() => undefined);
      throw error;
    }
    // The old filters hand over what they hold while they are still in place.
    for (const f of this.filters) f.component.flush?.();
    for (const f of this.filters) f.component.close?.();
    for (const stage of outputs) {
      if (built.includes(stage)) result.started.push(stage.id);
      else {
        result.kept.push(stage.id);
        old.delete(stage.id);
      }
    }
    this.decoders.splice(0, this.decoders.length, ...decoders);
    this.filters.splice(0, this.filters.length, ...filters);
    this.outputs.splice(0, this.outputs.length, ...outputs);
    this.fast = this.decoders.length === 0 && this.filters.length === 0;
    for (const stage of old.values()) {
      result.closed.push(stage.id);
      void stage.component.close(closeDeadline).catch(() => undefined);
    }
    return result;
  }

  /** The outputs messages go to: all of them, then (at shutdown) the local ones, then none. */
  private routes: Stage<Output>[] = this.outputs;

  /**
   * Flushes filters (held groups, pending summaries), then closes the drains by the deadline, then calls `last`
   * (drover's last line: it reaches the local outputs only), then closes the local outputs. Nothing is routed after.
   */
  async close(deadline: number, last?: () => void): Promise<void> {
    this.disabled.stop();
    for (const f of this.filters) f.component.flush?.();
    for (const f of this.filters) f.component.close?.();
    await Promise.all(this.outputs.filter((o) => o.component.remote).map((o) => o.component.close(deadline)));
    this.routes = this.outputs.filter((o) => !o.component.remote);
    last?.();
    this.mute();
    await Promise.all([...this.outputs.filter((o) => !o.component.remote), ...this.own].map((o) => o.component.close(deadline)));
  }

  /** From now on nothing is routed: drover has said its last line. */
  mute(): void {
    this.routes = [];
    this.muted = true;
  }

  /** Drains that still hold lines, and how many: what a stop waits for. */
  backlog(): { id: string; lines: number }[] {
    const backlog: { id: string; lines: number }[] = [];
    for (const o of this.outputs) {
      const buffered = o.component.remote ? Number(o.component.stats?.().buffered ?? 0) : 0;
      if (buffered > 0) backlog.push({ id: o.id, lines: buffered });
    }
    return backlog;
  }

  /** Per-output counters for `drover status`. */
  stats(): Record<string, Record<string, number | string>> {
    return { ...Object.fromEntries([...this.outputs, ...this.own].map((o) => [o.id, o.component.stats?.() ?? {}])), ...this.disabled.stats() };
  }
}
