// Batched, ordered writes to a file descriptor without blocking the event loop.
import { fstatSync, write as fsWrite, writeSync } from 'node:fs';
import { Socket } from 'node:net';

const SLAB = 256 * 1024;

/** Where the bytes go: a non-blocking libuv stream for pipes and sockets, the thread pool for files and terminals. */
interface Sink {
  /** Takes buffers in order; they must not be changed afterwards. */
  write(chunks: Buffer[]): void;
  /** Bytes handed over but not yet written. */
  readonly pending: number;
  /** Calls back when pending falls (or an error ends everything). */
  onProgress(callback: () => void): void;
  readonly error: Error | undefined;
}

/**
 * Collects output in slabs and hands it to the descriptor in batches, once per turn of the event loop. A slow
 * reader stalls the writes, never the supervisor: `full` turns true past the high-water mark, and callers then
 * stop reading from the processes until `drained()` resolves.
 */
export class FdWriter {
  private slab = Buffer.allocUnsafe(SLAB);
  private start = 0;
  private used = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private readonly sink: Sink;
  /** Bytes accepted so far. */
  written = 0;

  constructor(readonly fd: number, private readonly highWater = 1024 * 1024) {
    this.sink = isStream(fd) ? streamSink(fd) : threadPoolSink(fd);
    this.sink.onProgress(() => this.release());
  }

  /** True while more than the high-water mark waits to be written. */
  get full(): boolean {
    return this.sink.pending + this.batchBytes + (this.used - this.start) + this.pendingText.length > this.highWater;
  }

  /** The error that stopped writing, such as EPIPE, if any. */
  get error(): Error | undefined {
    return this.sink.error;
  }

  /** Appends bytes (copied: the caller may reuse its buffer). */
  bytes(source: Buffer, start = 0, end = source.length): void {
    if (this.pendingText) this.encodeText();
    const length = end - start;
    if (this.used + length > this.slab.length) this.newSlab(length);
    // TypedArray#set is a V8 builtin: much cheaper per call than Buffer#copy's C++ binding or a JS loop.
    this.slab.set(start === 0 && end === source.length ? source : source.subarray(start, end), this.used);
    this.used += length;
    this.schedule();
  }

  /** Appends each line of chunk[start, end) (all ending in `\n`) preceded by `prefix`: the hot loop of prefixed formats. */
  prefixLines(prefix: Buffer, chunk: Buffer, start: number, end: number): void {
    if (this.pendingText) this.encodeText();
    const plen = prefix.length;
    let slab = this.slab;
    let used = this.used;
    for (let at = start; at < end; ) {
      const nl = chunk.indexOf(10, at) + 1;
      if (used + plen + (nl - at) > slab.length) {
        this.used = used;
        this.newSlab(plen + nl - at);
        slab = this.slab;
        used = 0;
      }
      slab.set(prefix, used);
      used += plen;
      slab.set(chunk.subarray(at, nl), used);
      used += nl - at;
      at = nl;
    }
    this.used = used;
    this.schedule();
  }

  /** Appends bytes without copying them: the caller promises never to change them. */
  adopt(source: Buffer): void {
    if (this.pendingText) this.encodeText();
    this.cut();
    this.batch.push(source);
    this.batchBytes += source.length;
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

  private pendingText = '';

  private encodeText(): void {
    const text = this.pendingText;
    this.pendingText = '';
    const max = text.length * 3;
    if (this.used + max > this.slab.length) this.newSlab(max);
    this.used += this.slab.write(text, this.used, 'utf8');
  }

  /** Appends one byte, e.g. a newline. */
  byte(value: number): void {
    if (this.pendingText) this.encodeText();
    if (this.used === this.slab.length) this.newSlab(1);
    this.slab[this.used++] = value;
    this.schedule();
  }

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

  /** Writes what was appended but not yet handed over, synchronously: for last words before exiting. */
  flushSync(): void {
    this.cut();
    if (this.sink.pending > 0) return; // the sink still holds earlier bytes: writing now would reorder them
    for (const chunk of this.batch.splice(0)) {
      try {
        writeSync(this.fd, chunk);
      } catch {
        break;
      }
    }
    this.batchBytes = 0;
  }

  /** Moves the filled part of the slab into the batch; the rest of the slab stays in use. */
  private cut(): void {
    if (this.pendingText) this.encodeText();
    if (this.used === this.start) return;
    const piece = this.slab.subarray(this.start, this.used);
    this.batch.push(piece);
    this.batchBytes += piece.length;
    this.start = this.used;
  }

  private newSlab(need: number): void {
    this.cut();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB, need));
    this.start = this.used = 0;
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
    this.written += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    this.sink.write(chunks);
    // The sink may have taken it all at once (no 'drain' will follow): wake whoever waits, if there is room now.
    this.release();
  }

  private release(): void {
    if (this.full) return;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

function isStream(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** Pipes and sockets: libuv writes at once when it can and polls when the reader is slow. */
function streamSink(fd: number): Sink {
  const socket = new Socket({ fd, readable: false, writable: true });
  let error: Error | undefined;
  const callbacks: (() => void)[] = [];
  const progress = () => callbacks.forEach((c) => c());
  socket.on('drain', progress);
  socket.on('error', (e) => {
    // EPIPE: the reader went away. Nothing more can be written there; unblock everyone.
    error = e;
    progress();
  });
  return {
    write(chunks) {
      if (error) return;
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
    },
    get pending() {
      return error ? 0 : socket.writableLength;
    },
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
}

/** Files and terminals: one `fs.write` at a time in libuv's thread pool, in order. */
function threadPoolSink(fd: number): Sink {
  const queue: Buffer[] = [];
  let pending = 0;
  let writing = false;
  let error: Error | undefined;
  const callbacks: (() => void)[] = [];
  const progress = () => callbacks.forEach((c) => c());
  const pump = () => {
    if (writing || error || queue.length === 0) return;
    const chunk = queue.length === 1 ? queue.shift()! : Buffer.concat(queue.splice(0));
    writing = true;
    const writeFrom = (offset: number) =>
      fsWrite(fd, chunk, offset, chunk.length - offset, null, (e, n) => {
        if (e && e.code === 'EAGAIN') return void setTimeout(() => writeFrom(offset), 1);
        if (e) {
          error = e;
          queue.length = 0;
          pending = 0;
          writing = false;
          return progress();
        }
        if (offset + n < chunk.length) return writeFrom(offset + n);
        pending -= chunk.length;
        writing = false;
        progress();
        pump();
      });
    writeFrom(0);
  };
  return {
    write(chunks) {
      if (error) return;
      for (const c of chunks) {
        queue.push(c);
        pending += c.length;
      }
      pump();
    },
    get pending() {
      return pending;
    },
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
}
