// `buffer = { type = "memory" }`: records wait in memory, bounded in count and bytes; lost when drover stops.
import type { RecordBuffer, WhenFull } from './record-buffer';
import { Signal } from './queue';
import { RecordChunks, SpanQueue } from './record-chunks';

export interface MemoryBufferOptions {
  maxEvents: number;
  maxSize: number;
  whenFull: WhenFull;
}

/**
 * Pending records in one queue, sent-but-unconfirmed ones in another (they do not count against the limits).
 * Their bytes are packed into shared chunks (record-chunks.ts); `take` hands out views of them, valid until
 * the records are confirmed or the buffer is closed.
 */
export class MemoryBuffer implements RecordBuffer {
  readonly type = 'memory';
  readonly whenFull: WhenFull;
  private chunks = new RecordChunks();
  private queue = new SpanQueue();
  private sent = new SpanQueue();
  private bytes = 0;
  private sentBytes = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private pushed = 0;
  private readonly pendingSignal = new Signal();
  private readonly roomSignal = new Signal();

  constructor(private readonly options: MemoryBufferOptions) {
    this.whenFull = options.whenFull;
  }

  get pending(): number {
    return this.queue.length;
  }
  get pendingBytes(): number {
    return this.bytes;
  }
  get unconfirmed(): number {
    return this.sent.length;
  }

  private fullFor(size: number): boolean {
    return this.queue.length >= this.options.maxEvents || (this.queue.length > 0 && this.bytes + size > this.options.maxSize);
  }

  /** When blocking, the writer waits from the moment a limit is reached. */
  private atLimit(): boolean {
    return this.queue.length >= this.options.maxEvents || this.bytes >= this.options.maxSize;
  }

  push(record: Buffer): boolean {
    if (this.fullFor(record.length)) {
      if (this.whenFull === 'drop_newest') {
        this.drop(1);
        return true;
      }
      if (this.whenFull === 'drop_oldest') {
        while (this.queue.length && this.fullFor(record.length)) {
          this.bytes -= this.queue.lengthAt(0);
          this.chunks.release(this.queue.chunkAt(0));
          this.queue.shift();
          this.drop(1);
        }
      }
      // block: keep it anyway (the router may still hand over the rest of the chunk it is splitting), and say wait.
    }
    const chunk = this.chunks.add(record);
    this.queue.push(chunk, this.chunks.lastStart, record.length);
    this.bytes += record.length;
    this.pushed++;
    this.pendingSignal.wake();
    return this.whenFull !== 'block' || !this.atLimit();
  }

  take(maxCount: number, maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let size = 0;
    const queue = this.queue;
    while (out.length < maxCount && queue.length) {
      const length = queue.lengthAt(0);
      if (out.length && size + length > maxBytes) break;
      const chunk = queue.chunkAt(0);
      const start = queue.startAt(0);
      queue.shift();
      this.sent.push(chunk, start, length);
      out.push(this.chunks.view(chunk, start, length));
      size += length;
    }
    this.bytes -= size;
    this.sentBytes += size;
    if (size) this.roomSignal.wake();
    return out;
  }

  confirm(count: number): void {
    const sent = this.sent;
    for (let i = 0; i < count && sent.length; i++) {
      this.sentBytes -= sent.lengthAt(0);
      this.chunks.release(sent.chunkAt(0));
      sent.shift();
    }
    if (!sent.length && !this.queue.length) this.chunks.trim();
  }

  unconfirmedRecords(count: number): Buffer[] {
    const out: Buffer[] = [];
    const sent = this.sent;
    for (let i = 0; i < count && i < sent.length; i++) out.push(this.chunks.view(sent.chunkAt(i), sent.startAt(i), sent.lengthAt(i)));
    return out;
  }

  rewind(): void {
    if (!this.sent.length) return;
    this.queue.prepend(this.sent);
    this.bytes += this.sentBytes;
    this.sentBytes = 0;
    this.pendingSignal.wake();
  }

  whenPending(): Promise<void> {
    return this.queue.length ? Promise.resolve() : this.pendingSignal.wait();
  }

  async drained(): Promise<void> {
    while (this.whenFull === 'block' && this.atLimit()) await this.roomSignal.wait();
  }

  takeDropped(): number {
    const n = this.droppedUnreported;
    this.droppedUnreported = 0;
    return n;
  }

  private drop(n: number): void {
    this.dropped += n;
    this.droppedUnreported += n;
  }

  stats(): Record<string, number> {
    return { buffered: this.queue.length, buffered_bytes: this.bytes, unconfirmed: this.sent.length, dropped: this.dropped, accepted: this.pushed };
  }

  close(): number {
    // Unconfirmed records probably arrived; pending ones certainly did not.
    const lost = this.queue.length;
    this.queue.clear();
    this.sent.clear();
    this.chunks.clear();
    this.bytes = this.sentBytes = 0;
    this.roomSignal.wake();
    this.pendingSignal.wake();
    return lost;
  }
}
