// `buffer = { type = "disk" }`: records in segment files with a checkpoint, kept across restarts of drover.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBuffer, WhenFull } from './record-buffer';
import { Deque, Signal } from './queue';
import {
  errorCode as code,
  filesystemSize,
  HEAD,
  MARKER,
  readAt,
  recover,
  releaseLock,
  segmentName as name,
  takeLock,
  truncate,
  unlink,
  writeCheckpoint,
  type Segment,
} from './segment-files';

export interface DiskBufferOptions {
  dir: string;
  maxSize: number;
  segmentSize: number;
  whenFull: WhenFull;
}

/** How often a write to a full disk is tried again while `when_full = "block"` holds records in memory. */
const RETRY_MS = 200;

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
  private slabRecords = 0;
  /** when_full = "block" on a disk that cannot be written: the slab waits in memory and the writer waits too. */
  private stalled = false;
  private retryTimer: NodeJS.Timeout | undefined;
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
  private checkpointErrors = 0;
  /** Why the last write of records to disk failed, while it keeps failing. */
  failure: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly segmentSize: number;
  private readonly pendingSignal = new Signal();
  private readonly roomSignal = new Signal();
  private readonly lock: string;
  private closed = false;

  constructor(private readonly options: DiskBufferOptions) {
    this.whenFull = options.whenFull;
    mkdirSync(options.dir, { recursive: true });
    // At least four segments fit in max_size, so drop_oldest always has a whole segment to drop; and eight fit on
    // the filesystem, so that confirmed ones are freed while the newest is written even on a small disk.
    this.segmentSize = Math.max(64, Math.min(options.segmentSize, Math.floor(options.maxSize / 4), Math.floor(filesystemSize(options.dir) / 8)));
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
    if (this.head.bytes >= this.segmentSize && !this.stalled) this.roll();
    const header = Buffer.allocUnsafe(HEAD);
    header[0] = MARKER;
    header.writeUInt32LE(record.length, 1);
    // A copy: the caller may reuse record's memory (see RecordBuffer.push).
    this.slab.push(header, Buffer.from(record));
    this.slabBytes += size;
    this.slabRecords++;
    this.head.bytes += size;
    this.head.count++;
    this.pendingCount++;
    this.bytes += size;
    if (this.stalled) {
      // The retry timer writes it once the disk has room.
    } else if (this.slabBytes > 1 << 20) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    this.pendingSignal.wake();
    return this.whenFull !== 'block' || (!this.stalled && this.bytes < this.options.maxSize);
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
    // So is the segment being written, once all it holds on disk is confirmed and it is large (or the disk full):
    // a new one takes its place, so that a buffer on a small disk does not wait for a segment to fill.
    const head = this.head;
    if (
      this.segments[0] === head &&
      this.ack.seg === head &&
      head.flushed > 0 &&
      this.ack.offset >= head.flushed &&
      (head.flushed >= this.segmentSize / 4 || this.failure)
    ) {
      this.roll();
      if (this.head !== head) {
        this.segments.shift();
        unlink(head.path);
        this.ack = { seg: this.head, offset: 0 };
        this.read = { seg: this.head, offset: 0 };
        if (this.stalled) this.flush(); // there may be room now
      }
    }
  }

  unconfirmedRecords(count: number): Buffer[] {
    const out: Buffer[] = [];
    const sent = this.sent;
    const n = Math.min(count, sent.length);
    // Records next to each other in one segment are read at once.
    for (let i = 0; i < n; ) {
      const { seg } = sent.at(i);
      const from = sent.at(i).end - sent.at(i).size;
      let j = i + 1;
      while (j < n && sent.at(j).seg === seg && sent.at(j).end - sent.at(j).size === sent.at(j - 1).end) j++;
      const bytes = readAt(seg.path, from, sent.at(j - 1).end - from);
      for (; i < j; i++) {
        const { end, size } = sent.at(i);
        out.push(bytes.subarray(end - size - from + HEAD, end - from));
      }
    }
    return out;
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
    while (this.whenFull === 'block' && (this.stalled || this.bytes >= this.options.maxSize) && !this.closed) await this.roomSignal.wait();
  }

  takeDropped(): number {
    const n = this.droppedUnreported;
    this.droppedUnreported = 0;
    return n;
  }

  stats(): Record<string, number> {
    return {
      buffered: this.pendingCount,
      buffered_bytes: this.bytes,
      unconfirmed: this.sent.length,
      dropped: this.dropped,
      segments: this.segments.length,
      write_errors: this.writeErrors,
      checkpoint_errors: this.checkpointErrors,
    };
  }

  /** Keeps everything unconfirmed on disk for the next start; returns how many records the disk would not take. */
  close(): number {
    clearInterval(this.timer);
    this.flush();
    clearTimeout(this.retryTimer);
    this.closed = true;
    // Still no room: what waited in memory for the disk is lost.
    const lost = this.stalled ? this.slabRecords : 0;
    this.checkpoint(true);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    releaseLock(this.lock);
    this.roomSignal.wake();
    return lost;
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

  /** Starts a new segment; records that the disk would not take yet (a stalled slab) go into it. */
  private roll(): void {
    if (!this.stalled) this.flush();
    const old = this.head as Segment | undefined;
    const carried = old ? { bytes: old.bytes - old.flushed, count: this.slabRecords } : { bytes: 0, count: 0 };
    if (old && old.count === carried.count) return; // nothing of it on disk: the new one would have its name
    const seq = old ? old.seq + old.count - carried.count : 0;
    const path = join(this.options.dir, name(seq));
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (error) {
      if (!old) throw error;
      // No new file (no inode left, too many open files): the current segment goes on growing.
      this.failure = `cannot create ${path}: ${code(error)}`;
      return;
    }
    if (old) {
      old.bytes -= carried.bytes;
      old.count -= carried.count;
    }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = fd;
    this.segments.push({ seq, path, bytes: carried.bytes, flushed: 0, count: carried.count });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.slabBytes || this.fd < 0) return;
    const data = this.slab.length === 1 ? this.slab[0] : Buffer.concat(this.slab, this.slabBytes);
    const records = this.slabRecords;
    try {
      let at = 0;
      while (at < data.length) at += writeSync(this.fd, data, at, data.length - at);
      this.head.flushed += data.length;
      this.slab = [];
      this.slabBytes = this.slabRecords = 0;
      this.failure = undefined;
      if (this.stalled) {
        this.stalled = false;
        clearTimeout(this.retryTimer);
        this.roomSignal.wake();
      }
      return;
    } catch (error) {
      this.failure = `cannot write ${this.head.path}: ${code(error)}`;
      this.writeErrors++;
      try {
        truncate(this.head.path, this.head.flushed); // a record written in part
      } catch {
        // Nothing more to do; the next start truncates a torn tail itself.
      }
    }
    if (this.whenFull === 'block' && !this.closed) {
      // A full disk is like a full buffer: keep the records in memory and make the app wait until there is room.
      this.slab = [data];
      this.stalled = true;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flush(), RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    // drop_newest, drop_oldest: these records are gone; count them as dropped rather than stop the app's output.
    this.slab = [];
    this.slabBytes = this.slabRecords = 0;
    this.head.bytes -= data.length;
    this.head.count -= records;
    this.pendingCount -= records;
    this.bytes -= data.length;
    this.drop(records);
  }

  /** Writes where the oldest unconfirmed record is; an old checkpoint only means more is resent after a restart. */
  private checkpoint(force = false): void {
    const state = JSON.stringify({ segment: this.ack.seg.seq, offset: this.ack.offset });
    if (state === this.checkpointed && !force) return;
    if (writeCheckpoint(this.options.dir, state)) this.checkpointed = state;
    else this.checkpointErrors++;
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
