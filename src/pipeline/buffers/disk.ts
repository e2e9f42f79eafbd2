// `buffer = { type = "disk" }`: records in segment files with a checkpoint, kept across restarts of drover.
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBuffer, WhenFull } from './buffer';
import { Deque, Signal } from './queue';
import { HEAD, MARKER, readAt, recover, releaseLock, segmentName as name, takeLock, truncate, unlink, type Segment } from './segment-files';

export interface DiskBufferOptions {
  dir: string;
  maxSize: number;
  segmentSize: number;
  whenFull: WhenFull;
}



/**
 * Appends go to the newest segment (batched into one write per tick); the sender reads from the files (the page
 * cache makes that cheap); confirmed segments are deleted. The checkpoint (segment and offset of the oldest
 * unconfirmed record) is written every second and at close, so a crash resends at most that second: at-least-once.
 */
export class DiskBuffer implements RecordBuffer {
  readonly type = 'disk';
  readonly whenFull: WhenFull;
  /** Records found on disk from a previous run when the buffer opened. */
  readonly resumed: number;
  private segments: Segment[] = [];
  private fd = -1;
  private slab: Buffer[] = [];
  private slabBytes = 0;
  private flushScheduled = false;
  private read = { seg: undefined as unknown as Segment, offset: 0 };
  private ack = { seg: undefined as unknown as Segment, offset: 0 };
  private sent = new Deque<{ seg: Segment; end: number; size: number }>();
  private sentBytes = 0;
  private pendingCount = 0;
  private bytes = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private checkpointed = '';
  private writeErrors = 0;
  /** Why the last write to disk failed, while it keeps failing. */
  failure: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly segmentSize: number;
  private readonly pendingSignal = new Signal();
  private readonly roomSignal = new Signal();
  private readonly lock: string;

  constructor(private readonly options: DiskBufferOptions) {
    this.whenFull = options.whenFull;
    // At least four segments fit in max_size, so drop_oldest always has a whole segment to drop.
    this.segmentSize = Math.max(64, Math.min(options.segmentSize, Math.floor(options.maxSize / 4)));
    mkdirSync(options.dir, { recursive: true });
    this.lock = join(options.dir, 'lock');
    takeLock(this.lock, options.dir);
    this.resumed = this.open();
    this.timer = setInterval(() => this.checkpoint(), 1000);
    this.timer.unref();
  }

  get pending(): number {
    return this.pendingCount;
  }
  get pendingBytes(): number {
    return this.bytes;
  }
  get unconfirmed(): number {
    return this.sent.length;
  }
  private get head(): Segment {
    return this.segments[this.segments.length - 1];
  }

  push(record: Buffer): boolean {
    const size = HEAD + record.length;
    if (this.pendingCount > 0 && this.bytes + size > this.options.maxSize) {
      if (this.whenFull === 'drop_newest' || (this.whenFull === 'drop_oldest' && !this.dropOldestSegment())) {
        this.drop(1);
        return true;
      }
    }
    if (this.head.bytes >= this.segmentSize) this.roll();
    const header = Buffer.allocUnsafe(HEAD);
    header[0] = MARKER;
    header.writeUInt32LE(record.length, 1);
    this.slab.push(header, record);
    this.slabBytes += size;
    this.head.bytes += size;
    this.head.count++;
    this.pendingCount++;
    this.bytes += size;
    if (this.slabBytes > 1 << 20) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    this.pendingSignal.wake();
    return this.whenFull !== 'block' || this.bytes < this.options.maxSize;
  }

  take(maxCount: number, maxBytes: number): Buffer[] {
    this.flush();
    const out: Buffer[] = [];
    let size = 0;
    while (out.length < maxCount && this.pendingCount > 0 && size < maxBytes) {
      const seg = this.read.seg;
      if (this.read.offset >= seg.flushed) {
        if (seg === this.head) break;
        this.read = { seg: this.segments[this.segments.indexOf(seg) + 1], offset: 0 };
        continue;
      }
      const chunk = readAt(seg.path, this.read.offset, Math.min(seg.flushed - this.read.offset, Math.max(maxBytes - size, 0) + 64 * 1024));
      let at = 0;
      while (at + HEAD <= chunk.length && out.length < maxCount && (out.length === 0 || size < maxBytes)) {
        const length = chunk.readUInt32LE(at + 1);
        if (at + HEAD + length > chunk.length) {
          if (at > 0) break;
          out.push(readAt(seg.path, this.read.offset + HEAD, length)); // one record larger than the chunk
        } else out.push(chunk.subarray(at + HEAD, at + HEAD + length));
        at += HEAD + length;
        size += HEAD + length;
        this.pendingCount--;
        this.sent.push({ seg, end: this.read.offset + at, size: HEAD + length });
      }
      this.read.offset += at;
    }
    this.bytes -= size;
    this.sentBytes += size;
    if (size) this.roomSignal.wake();
    return out;
  }

  confirm(count: number): void {
    for (let i = 0; i < count && this.sent.length; i++) {
      const { seg, end, size } = this.sent.shift()!;
      this.sentBytes -= size;
      this.ack = { seg, offset: end };
    }
    // Segments wholly confirmed are done with.
    while (this.segments[0] !== this.head && (this.segments[0] !== this.ack.seg || this.ack.offset >= this.segments[0].bytes)) {
      const done = this.segments.shift()!;
      unlink(done.path);
      if (done === this.ack.seg) this.ack = { seg: this.segments[0], offset: 0 };
      if (done === this.read.seg) this.read = { seg: this.segments[0], offset: 0 };
    }
  }

  rewind(): void {
    if (!this.sent.length) return;
    this.pendingCount += this.sent.length;
    this.bytes += this.sentBytes;
    this.sentBytes = 0;
    this.sent.drain();
    this.read = { ...this.ack };
    this.pendingSignal.wake();
  }

  whenPending(): Promise<void> {
    return this.pendingCount ? Promise.resolve() : this.pendingSignal.wait();
  }

  async drained(): Promise<void> {
    while (this.whenFull === 'block' && this.bytes >= this.options.maxSize) await this.roomSignal.wait();
  }

  takeDropped(): number {
    const n = this.droppedUnreported;
    this.droppedUnreported = 0;
    return n;
  }

  stats(): Record<string, number> {
    return { buffered: this.pendingCount, buffered_bytes: this.bytes, unconfirmed: this.sent.length, dropped: this.dropped, segments: this.segments.length, write_errors: this.writeErrors };
  }

  /** Keeps everything unconfirmed on disk for the next start; nothing is lost. */
  close(): number {
    clearInterval(this.timer);
    this.flush();
    this.checkpoint(true);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    releaseLock(this.lock);
    this.roomSignal.wake();
    return 0;
  }

  private drop(n: number): void {
    this.dropped += n;
    this.droppedUnreported += n;
  }

  /** Drops the oldest segment nobody is reading (not the one being sent, not the one being written). */
  private dropOldestSegment(): boolean {
    const from = this.segments.indexOf(this.read.seg) + 1;
    if (from >= this.segments.length - 1) {
      if (this.head !== this.read.seg) return false;
      this.roll(); // everything pending is in the head: start a new one so that next time there is one to drop
      return false;
    }
    const [victim] = this.segments.splice(from, 1);
    unlink(victim.path);
    this.pendingCount -= victim.count;
    this.bytes -= victim.bytes;
    this.drop(victim.count);
    return true;
  }

  private roll(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    const seq = this.head ? this.head.seq + this.head.count : 0;
    const seg: Segment = { seq, path: join(this.options.dir, name(seq)), bytes: 0, flushed: 0, count: 0 };
    this.fd = openSync(seg.path, 'a');
    this.segments.push(seg);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.slabBytes) return;
    const data = Buffer.concat(this.slab, this.slabBytes);
    const records = this.slab.length / 2;
    this.slab = [];
    this.slabBytes = 0;
    try {
      let at = 0;
      while (at < data.length) at += writeSync(this.fd, data, at, data.length - at);
      this.head.flushed += data.length;
      this.failure = undefined;
    } catch (error) {
      // A full or failing disk: these records are gone; count them as dropped rather than stop the app's output.
      this.failure = `cannot write ${this.head.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
      this.writeErrors++;
      this.head.bytes -= data.length;
      this.head.count -= records;
      this.pendingCount -= records;
      this.bytes -= data.length;
      this.drop(records);
      try {
        truncate(this.head.path, this.head.flushed);
      } catch {
        // Nothing more to do; the next start truncates a torn tail itself.
      }
    }
  }

  private checkpoint(force = false): void {
    const state = JSON.stringify({ segment: this.ack.seg.seq, offset: this.ack.offset });
    if (state === this.checkpointed && !force) return;
    const path = join(this.options.dir, 'checkpoint');
    try {
      writeFileSync(path + '.tmp', state);
      renameSync(path + '.tmp', path);
      this.checkpointed = state;
    } catch (error) {
      // An old checkpoint only means more is resent after a restart.
      this.failure = `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  }

  /** Finds the segments and the checkpoint, repairs a torn tail, and returns how many records wait. */
  private open(): number {
    const found = recover(this.options.dir);
    this.segments = found.segments;
    this.pendingCount = found.pending;
    this.bytes = found.pendingBytes;
    if (this.segments.length && this.head.bytes < this.segmentSize) this.fd = openSync(this.head.path, 'a');
    else this.roll();
    this.ack = found.ack ?? { seg: this.segments[0], offset: 0 };
    this.read = { ...this.ack };
    this.checkpointed = JSON.stringify({ segment: this.ack.seg.seq, offset: this.ack.offset });
    return found.pending;
  }


}
