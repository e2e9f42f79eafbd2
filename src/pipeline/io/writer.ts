// Batched, ordered writes to a file descriptor without blocking the event loop (the sinks that write are in sinks.ts).
import { prefixLinesInto } from '../formats/prefix-lines';
import { closeSync } from 'node:fs';
import { forgetSink, sinkFor, type Sink } from './sinks';

const SLAB = 256 * 1024;
/** Free space at the end of a slab below which lineInPlace starts a new one. */
const LINE_ROOM = 16 * 1024;
/** Slabs kept for reuse: enough for the high-water mark and the one being filled. */
const SPARE_SLABS = 6;

/** A buffer the writer fills, and how many pieces of it the sink still holds. */
interface Slab {
  bytes: Buffer;
  inSink: number;
  /** True once the writer moved on to another slab: it is reused when the sink gives back its last piece. */
  retired: boolean;
}

/**
 * Collects output in slabs and hands it to the descriptor in batches, once per turn of the event loop. A slow
 * reader stalls the writes, never the supervisor: `full` turns true past the high-water mark, and callers then
 * stop reading from the processes until `drained()` resolves. Slabs come back once written and are reused, so
 * a steady stream of output allocates nothing.
 */
export class FdWriter {
  private slab: Slab = { bytes: Buffer.allocUnsafe(SLAB), inSink: 0, retired: false };
  private readonly spare: Buffer[] = [];
  private start = 0;
  private used = 0;
  private batch: Buffer[] = [];
  private batchSlabs: Slab[] = [];
  private batchBytes = 0;
  private pendingText = '';
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private readonly sink: Sink;
  private readonly encoder = new TextEncoder();
  /** Bytes accepted so far. */
  written = 0;

  constructor(
    readonly fd: number,
    private readonly highWater = 1024 * 1024,
  ) {
    this.sink = sinkFor(fd);
    this.sink.onProgress(() => this.release());
  }

  /** True while more than the high-water mark waits to be written. */
  get full(): boolean {
    return this.sink.pending + this.batchBytes + (this.used - this.start) + this.pendingText.length > this.highWater;
  }

  /** How the bytes are written: see sinkFor. */
  get sinkKind(): Sink['kind'] {
    return this.sink.kind;
  }

  /** From now on, writes whole lines of at most PIPE_BUF bytes where it can: processes write to this descriptor too. */
  keepLinesWhole(): void {
    this.sink.wholeLines = true;
  }

  /** The error that stopped writing, such as EPIPE, if any. */
  get error(): Error | undefined {
    return this.sink.error;
  }

  /** Appends bytes (copied: the caller may reuse its buffer). */
  bytes(source: Buffer, start = 0, end = source.length): void {
    if (this.pendingText) this.encodeText();
    const length = end - start;
    if (this.used + length > this.slab.bytes.length) this.newSlab(length);
    // TypedArray#set is a V8 builtin: much cheaper per call than Buffer#copy's C++ binding or a JS loop.
    this.slab.bytes.set(start === 0 && end === source.length ? source : source.subarray(start, end), this.used);
    this.used += length;
    this.schedule();
  }

  /** Appends each line of chunk[start, end) (all ending in `\n`) preceded by `prefix`. */
  prefixLines(prefix: Buffer, chunk: Buffer, start: number, end: number): void {
    if (this.pendingText) this.encodeText();
    for (let at = start; at < end; ) {
      const { read, written } = prefixLinesInto(prefix, chunk.subarray(at, end), this.slab.bytes.subarray(this.used));
      this.used += written;
      at += read;
      if (read > 0) continue;
      const newline = chunk.indexOf(10, at);
      const lineEnd = newline >= 0 && newline < end ? newline + 1 : end;
      // The next line does not fit in the rest of this slab: on to a fresh one, big enough for it.
      if (this.used > 0) {
        this.newSlab(prefix.length + lineEnd - at);
        continue;
      }
      // Too long for prefixLinesInto even in a fresh slab (max_line_length set past 256 KiB): copy it as is.
      this.bytes(prefix);
      this.bytes(chunk, at, lineEnd);
      at = lineEnd;
    }
    this.schedule();
  }

  /**
   * Appends a string as UTF-8. Strings are joined and encoded once per 64 KiB: one Buffer#write per line costs
   * more than building the line.
   */
  text(value: string): void {
    this.pendingText += value;
    if (this.pendingText.length >= 65536) this.encodeText();
    this.schedule();
  }

  /**
   * Appends one line that `write` puts straight into the buffer: write(value, bytes, at, limit) returns where the
   * line ends, or -1 when it cannot write it (not ASCII, say). Returns the bytes appended: 0 when `write` declined,
   * and the caller then appends the line another way.
   */
  lineInPlace<T>(value: T, write: (value: T, bytes: Buffer, at: number, limit: number) => number): number {
    if (this.pendingText) this.encodeText();
    // Room for most lines, so that a line rarely takes the slow path only because the slab is nearly full.
    if (this.slab.bytes.length - this.used < LINE_ROOM) this.newSlab(LINE_ROOM);
    const end = write(value, this.slab.bytes, this.used, this.slab.bytes.length);
    if (end < 0) return 0;
    const appended = end - this.used;
    this.used = end;
    this.schedule();
    return appended;
  }

  private encodeText(): void {
    let text = this.pendingText;
    this.pendingText = '';
    for (;;) {
      const { read, written } = this.encoder.encodeInto(text, this.slab.bytes.subarray(this.used));
      this.used += written;
      if (read === text.length) return;
      text = text.slice(read);
      this.newSlab(Math.min(text.length * 3, SLAB));
    }
  }

  /** Appends one byte, e.g. a newline. */
  byte(value: number): void {
    if (this.pendingText) this.encodeText();
    if (this.used === this.slab.bytes.length) this.newSlab(1);
    this.slab.bytes[this.used++] = value;
    this.schedule();
  }

  /** Resolves once everything appended so far is written (or writing failed), without polling. */
  allWritten(): Promise<void> {
    this.send();
    if (this.sink.pending === 0 || this.sink.error) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private idleWaiters: (() => void)[] = [];

  /** Resolves once the queue is below the high-water mark again. */
  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when everything appended so far has been written, or the deadline passed, or writing failed. */
  async flush(deadline = Infinity): Promise<void> {
    this.send();
    while (this.sink.pending > 0 && !this.sink.error && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  /** Closes the descriptor (call it after flush): nothing more can be written. */
  close(): void {
    forgetSink(this.sink);
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Moves the filled part of the slab into the batch; the rest of the slab stays in use. */
  private cut(): void {
    if (this.pendingText) this.encodeText();
    if (this.used === this.start) return;
    const piece = this.slab.bytes.subarray(this.start, this.used);
    this.batch.push(piece);
    this.batchSlabs.push(this.slab);
    this.slab.inSink++;
    this.batchBytes += piece.length;
    this.start = this.used;
  }

  private newSlab(need: number): void {
    this.cut();
    const old = this.slab;
    old.retired = true;
    if (old.inSink === 0) this.recycle(old);
    const bytes = need <= SLAB && this.spare.length > 0 ? this.spare.pop()! : Buffer.allocUnsafe(Math.max(SLAB, need));
    this.slab = { bytes, inSink: 0, retired: false };
    this.start = this.used = 0;
  }

  /** The sink is done with these pieces: a retired slab with none left out is ready for reuse. */
  private giveBack(slabs: Slab[]): void {
    for (const slab of slabs) {
      slab.inSink--;
      if (slab.retired && slab.inSink === 0) this.recycle(slab);
    }
  }

  private recycle(slab: Slab): void {
    if (slab.bytes.length === SLAB && this.spare.length < SPARE_SLABS) this.spare.push(slab.bytes);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  private send(): void {
    this.cut();
    if (this.batch.length === 0) return;
    const chunks = this.batch;
    const slabs = this.batchSlabs;
    this.written += this.batchBytes;
    this.batch = [];
    this.batchSlabs = [];
    this.batchBytes = 0;
    this.sink.write(chunks, () => this.giveBack(slabs));
    // The sink may have taken it all at once (no 'drain' will follow): wake whoever waits, if there is room now.
    this.release();
  }

  private release(): void {
    if (this.idleWaiters.length && (this.sink.pending === 0 || this.sink.error)) for (const waiter of this.idleWaiters.splice(0)) waiter();
    if (this.full) return;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
