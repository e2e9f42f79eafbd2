// Record bytes packed into shared chunks, and queues of (chunk, start, length) spans over them: the memory
// buffer keeps no JS object per record. Tens of thousands of Buffers (the unconfirmed window of a syslog drain)
// outlive a few young-generation collections, move to the old generation and die there, so the heap and the
// ArrayBuffers behind them grew by several MiB between full collections (issue 22).

/** Bytes of each chunk: records are copied into it one after another (Node.js allocates 64 KiB per read, too). */
export const CHUNK_SIZE = 64 * 1024;
/** Emptied chunks kept when the buffer empties (see trim): 1 MiB. */
const SPARE_CHUNKS = 16;

/** Chunks of record bytes with a count of the records still in each; a chunk with none left is reused or freed. */
export class RecordChunks {
  private chunks: (Buffer | undefined)[] = [];
  private records: number[] = [];
  private freeIds: number[] = [];
  /**
   * Chunks emptied by confirmations, kept to be filled again: as many as make up, with those in use, the most
   * ever in use at once (since the last trim). A busy drain then allocates none: a chunk dropped and another
   * allocated would wait for a full collection to be freed, as a long-lived object (issue 22).
   */
  private spare: Buffer[] = [];
  private inUse = 0;
  private mostInUse = 0;
  /** The chunk being filled (-1: none), and how far. */
  private current = -1;
  private fill = 0;
  /** Where the record `add` kept last starts in its chunk. */
  lastStart = 0;

  /** Keeps a copy of `record` (its memory may be reused by the caller: see RecordBuffer.push); returns its chunk's id. */
  add(record: Buffer): number {
    const length = record.length;
    if (length > CHUNK_SIZE) {
      const copy = Buffer.allocUnsafeSlow(length);
      record.copy(copy);
      return this.single(copy);
    }
    if (this.current < 0 || this.fill + length > CHUNK_SIZE) this.startChunk();
    const id = this.current;
    const chunk = this.chunks[id]!;
    record.copy(chunk, this.fill);
    this.lastStart = this.fill;
    this.fill += length;
    this.records[id]++;
    return id;
  }

  /** The bytes of a record, as a view of its chunk (valid until the record is released). */
  view(id: number, start: number, length: number): Buffer {
    return this.chunks[id]!.subarray(start, start + length);
  }

  /** One record of chunk `id` is gone (confirmed or dropped). */
  release(id: number): void {
    if (--this.records[id] > 0) return;
    if (id === this.current) {
      // Every record in it is gone, and views of them with it: fill it again from the start.
      this.fill = 0;
      return;
    }
    const chunk = this.chunks[id]!;
    this.inUse--;
    if (chunk.length === CHUNK_SIZE && this.inUse + this.spare.length < this.mostInUse) this.spare.push(chunk);
    this.chunks[id] = undefined;
    this.freeIds.push(id);
  }

  /** The buffer is empty: keep at most SPARE_CHUNKS spare chunks from now on. */
  trim(): void {
    this.mostInUse = Math.min(this.mostInUse, this.inUse + SPARE_CHUNKS);
    if (this.spare.length > this.mostInUse - this.inUse) this.spare.length = Math.max(0, this.mostInUse - this.inUse);
  }

  /** Forgets every chunk (views handed out stay valid: nothing is reused). */
  clear(): void {
    this.chunks = [];
    this.records = [];
    this.freeIds = [];
    this.spare = [];
    this.inUse = this.mostInUse = 0;
    this.current = -1;
    this.fill = 0;
  }

  private startChunk(): void {
    // The chunk filled so far still has records (one with none left is filled again from the start, see release).
    this.current = this.newId(this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_SIZE));
    this.fill = 0;
  }

  private single(chunk: Buffer): number {
    const id = this.newId(chunk);
    this.records[id] = 1;
    this.lastStart = 0;
    return id;
  }

  private newId(chunk: Buffer): number {
    const id = this.freeIds.pop() ?? this.chunks.length;
    this.chunks[id] = chunk;
    this.records[id] = 0;
    this.mostInUse = Math.max(this.mostInUse, ++this.inUse);
    return id;
  }
}

/** A queue of records as (chunk, start, length) in one Int32Array ring: O(1) push and shift, no object per record. */
export class SpanQueue {
  private ring = new Int32Array(3 * 16);
  /** The oldest record's slot, and how many there are. */
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(chunk: number, start: number, length: number): void {
    if (this.size * 3 === this.ring.length) this.resize(this.ring.length * 2);
    const at = ((this.head + this.size) % (this.ring.length / 3)) * 3;
    this.ring[at] = chunk;
    this.ring[at + 1] = start;
    this.ring[at + 2] = length;
    this.size++;
  }

  /** The chunk, start and length of record `i` (0: the oldest; there must be one). */
  chunkAt(i: number): number {
    return this.ring[this.slot(i)];
  }
  startAt(i: number): number {
    return this.ring[this.slot(i) + 1];
  }
  lengthAt(i: number): number {
    return this.ring[this.slot(i) + 2];
  }

  private slot(i: number): number {
    return ((this.head + i) % (this.ring.length / 3)) * 3;
  }

  /** Removes the oldest record. */
  shift(): void {
    this.head = (this.head + 1) % (this.ring.length / 3);
    this.size--;
    // Give back what a burst made it grow to once it is mostly empty.
    const slots = this.ring.length / 3;
    if (slots > 4096 && this.size * 8 < slots) this.resize(3 * Math.ceil(slots / 2));
  }

  /** Moves every record of `older` in front of these, oldest first; `older` is left empty. */
  prepend(older: SpanQueue): void {
    // Both laid out from slot 0 (resize does that), then this one's records copied after the older ones.
    const size = older.size + this.size;
    older.resize(Math.max(3 * 16, 3 * size));
    this.resize(this.ring.length);
    older.ring.set(this.ring.subarray(0, this.size * 3), older.size * 3);
    this.ring = older.ring;
    this.head = 0;
    this.size = size;
    older.clear();
  }

  clear(): void {
    this.ring = new Int32Array(3 * 16);
    this.head = 0;
    this.size = 0;
  }

  private resize(length: number): void {
    const ring = new Int32Array(length);
    // The records from the head to the end of the ring, then those that wrapped around to its start.
    const from = this.head * 3;
    const first = Math.min(this.size * 3, this.ring.length - from);
    ring.set(this.ring.subarray(from, from + first), 0);
    ring.set(this.ring.subarray(0, this.size * 3 - first), first);
    this.ring = ring;
    this.head = 0;
  }
}
