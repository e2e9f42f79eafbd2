// Memory an encoder builds each record in and reuses for the next, for records that are copied at once.

/** Records up to this size are built in the reused memory; larger ones get a Buffer each. */
const REUSED_MAX = 64 * 1024;

/**
 * Room for one encoded record at a time: a drain's buffer copies every record it is given (RecordBuffer.push),
 * so its encoder need not allocate one. Buffer.allocUnsafe would take it from Node.js's shared 8 KiB pool, and
 * whenever the reading pauses (backpressure) the pool's current 8 KiB stays referenced across young-generation
 * collections, moves to the old generation and is freed only by a full collection: MiBs of RSS (issue 22).
 */
export class ReusedMemory {
  private bytes = Buffer.alloc(0);

  /** `size` bytes, valid until the next call. */
  take(size: number): Buffer {
    if (size > REUSED_MAX) return Buffer.allocUnsafe(size);
    if (this.bytes.length < size) this.bytes = Buffer.allocUnsafeSlow(Math.max(size, 4096));
    return this.bytes.subarray(0, size);
  }
}
