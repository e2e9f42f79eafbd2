// Batched, ordered writes to a file descriptor without blocking the event loop.
import { write as fsWrite, writeSync } from 'node:fs';

const SLAB = 256 * 1024;

/**
 * Collects output in slabs and writes them with one `fs.write` at a time (in libuv's thread pool), so a
 * slow reader of stdout stalls the writes, not the supervisor. `full` turns true past the high-water mark:
 * callers then stop reading from the processes until `drained()` resolves.
 */
export class FdWriter {
  private slab = Buffer.allocUnsafe(SLAB);
  private used = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private failed: Error | undefined;
  /** Bytes written so far. */
  written = 0;

  constructor(readonly fd: number, private readonly highWater = 8 * 1024 * 1024) {}

  /** True while more than the high-water mark waits to be written. */
  get full(): boolean {
    return this.queued + this.used > this.highWater;
  }

  /** Appends bytes (copied: the caller may reuse its buffer). */
  bytes(source: Buffer, start = 0, end = source.length): void {
    const length = end - start;
    if (length > SLAB / 4) {
      this.cut();
      this.enqueue(Buffer.from(source.subarray(start, end)));
      return;
    }
    if (this.used + length > SLAB) this.cut();
    if (length < 64) {
      // Short copies are cheaper in a loop than through Buffer.copy's native call.
      const slab = this.slab;
      let at = this.used;
      for (let i = start; i < end; i++) slab[at++] = source[i];
    } else source.copy(this.slab, this.used, start, end);
    this.used += length;
    this.schedule();
  }

  /** Appends a string as UTF-8. */
  text(value: string): void {
    if (value.length * 3 > SLAB / 4) {
      this.cut();
      this.enqueue(Buffer.from(value, 'utf8'));
      return;
    }
    if (this.used + value.length * 3 > SLAB) this.cut();
    this.used += this.slab.write(value, this.used, 'utf8');
    this.schedule();
  }

  /** Appends one byte, e.g. a newline. */
  byte(value: number): void {
    if (this.used === SLAB) this.cut();
    this.slab[this.used++] = value;
    this.schedule();
  }

  /** Resolves once the queue is below the high-water mark again. */
  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when everything appended so far has been written (or the deadline passed). */
  async flush(deadline = Infinity): Promise<void> {
    this.cut();
    while ((this.writing || this.queue.length) && !this.failed && Date.now() < deadline) {
      if (!this.writing) this.pump();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Writes what is pending synchronously: for the last words of a process about to exit. */
  flushSync(): void {
    this.cut();
    if (this.writing) return; // a write is in flight; the queue is written after it by the pump
    for (const chunk of this.queue.splice(0)) {
      try {
        writeSync(this.fd, chunk);
      } catch {
        return;
      }
    }
    this.queued = 0;
  }

  private cut(): void {
    if (this.used === 0) return;
    this.enqueue(this.slab.subarray(0, this.used));
    this.slab = Buffer.allocUnsafe(SLAB);
    this.used = 0;
  }

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.cut();
      this.pump();
    });
  }

  private pump(): void {
    if (this.writing || this.failed) return;
    if (this.queue.length === 0) {
      this.release();
      return;
    }
    // Join small pieces so that one system call carries up to 1 MiB.
    let chunk = this.queue.shift()!;
    if (this.queue.length && chunk.length < 1024 * 1024) {
      const parts = [chunk];
      let size = chunk.length;
      while (this.queue.length && size + this.queue[0].length <= 1024 * 1024) {
        const next = this.queue.shift()!;
        parts.push(next);
        size += next.length;
      }
      chunk = parts.length > 1 ? Buffer.concat(parts, size) : chunk;
    }
    this.writing = true;
    this.writeAll(chunk, 0);
  }

  private writeAll(chunk: Buffer, offset: number): void {
    fsWrite(this.fd, chunk, offset, chunk.length - offset, null, (error, n) => {
      if (error) {
        if (error.code === 'EAGAIN') {
          setTimeout(() => this.writeAll(chunk, offset), 1);
          return;
        }
        // EPIPE: the reader went away. Nothing more can be written there; drop and unblock everyone.
        this.failed = error;
        this.writing = false;
        this.queue = [];
        this.queued = 0;
        this.release();
        return;
      }
      this.written += n;
      if (offset + n < chunk.length) {
        this.writeAll(chunk, offset + n);
        return;
      }
      this.queued -= chunk.length;
      this.writing = false;
      if (!this.full) this.release();
      this.cut();
      this.pump();
    });
  }

  private release(): void {
    if (this.full) return;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The error that stopped writing, such as EPIPE, if any. */
  get error(): Error | undefined {
    return this.failed;
  }
}
