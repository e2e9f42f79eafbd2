// Turns the bytes a process prints into lines: whole-line blocks for the fast path, single lines otherwise.
import type { BlockSource } from '../formats/formats';

/**
 * Where split output goes: the pipeline. The bytes passed are only valid during the call (the read buffer is
 * reused for the next read), so a sink that keeps them copies them.
 */
export interface LineSink {
  /** Whole lines chunk[start, end), each ending in `\n`, none longer than the block limit, none with `\r`. */
  block(source: BlockSource, chunk: Buffer, start: number, end: number, timestamp: number): void;
  /**
   * One line without its line ending (a long line, a flushed partial line, a CRLF line). `cut` is true when the
   * line went on past the memory bound: the rest follows as the next line. `owned` is true when `bytes` are a copy
   * the sink may keep (a line assembled from several reads), false when they are a view on the read buffer.
   */
  line(source: BlockSource, bytes: Buffer, timestamp: number, cut?: boolean, owned?: boolean): void;
}

const LF = 10;
const CR = 13;

/**
 * Splits one stream into whole lines. Only a line longer than `maxLine` bytes (the memory bound, 1 MiB by default)
 * is cut, into several lines marked `cut` (on a UTF-8 character boundary), never dropped. Lines longer than
 * `blockLimit` leave the block path and come one by one, so that outputs with a transport limit (10,000 bytes on
 * a platform) see them as messages they can split. A last line without its newline is passed on after
 * `partialTimeout` ms and at end.
 */
export class LineSplitter {
  /** The start of a line whose newline has not come yet, in the pieces read so far (copies). */
  private partial: Buffer[] = [];
  private partialLength = 0;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private readonly blockLimit: number;

  constructor(
    private readonly source: BlockSource,
    private readonly sink: LineSink,
    private readonly maxLine: number,
    private readonly partialTimeout: number,
    blockLimit = maxLine,
  ) {
    this.blockLimit = Math.min(blockLimit, maxLine);
  }

  /** Takes the next chunk read from the process. */
  push(chunk: Buffer): void {
    const now = Date.now();
    let start = 0;
    if (this.partialLength > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.holdPartial(chunk, now);
        return;
      }
      const line = this.takePartial(chunk.subarray(0, nl));
      this.clearTimer();
      this.emitLine(line, now, true);
      start = nl + 1;
    }
    if (start >= chunk.length) return;
    const last = chunk.lastIndexOf(LF);
    if (last < start) {
      this.holdPartial(chunk.subarray(start), now);
      return;
    }
    this.emitWhole(chunk, start, last + 1, now);
    if (last + 1 < chunk.length) this.holdPartial(chunk.subarray(last + 1), now);
  }

  /** Reading has paused (backpressure): a held partial line must not be cut off by its timeout meanwhile. */
  hold(): void {
    this.held = true;
    this.clearTimer();
  }

  /** Reading goes on: the partial-line timeout runs again. */
  release(): void {
    this.held = false;
    if (this.partialLength > 0) this.armTimer();
  }

  /** The stream ended: pass on what is left. */
  end(): void {
    this.clearTimer();
    if (this.partialLength > 0) this.emitLine(this.takePartial(), Date.now(), true);
  }

  /** The held partial line (plus `tail`) as one buffer of its own (the pieces held are copies); nothing is held afterwards. */
  private takePartial(tail?: Buffer): Buffer {
    const parts = this.partial;
    if (tail) parts.push(tail);
    const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    this.partial = [];
    this.partialLength = 0;
    return line;
  }

  /** Emits whole lines [start, end), routing long lines and CRLF lines through emitLine. */
  private emitWhole(chunk: Buffer, start: number, end: number, now: number): void {
    const max = this.blockLimit;
    let blockStart = start;
    let at = start;
    // Jump from newline to newline at most `max` bytes apart: one search per ~max bytes, not per line.
    while (at < end) {
      const limit = Math.min(at + max, end - 1);
      const nl = chunk.lastIndexOf(LF, limit);
      if (nl >= at) {
        at = nl + 1;
        continue;
      }
      // A line longer than the block limit starts at `at`.
      this.emitBlock(chunk, blockStart, at, now);
      const lineEnd = chunk.indexOf(LF, at);
      this.emitLine(chunk.subarray(at, lineEnd), now);
      at = blockStart = lineEnd + 1;
    }
    this.emitBlock(chunk, blockStart, end, now);
  }

  private emitBlock(chunk: Buffer, start: number, end: number, now: number): void {
    if (start >= end) return;
    const cr = chunk.indexOf(CR, start);
    if (cr < 0 || cr >= end) {
      this.sink.block(this.source, chunk, start, end, now);
      return;
    }
    // CRLF output: line by line, so that the CR can be dropped.
    for (let at = start; at < end; ) {
      const nl = chunk.indexOf(LF, at);
      this.emitLine(chunk.subarray(at, nl), now);
      at = nl + 1;
    }
  }

  /**
   * One line without its newline: strips a trailing CR and cuts it into pieces of at most maxLine bytes. `owned`:
   * the line is a buffer of the splitter's own, which the sink may keep without a copy (a 1 MiB line costs one less).
   */
  private emitLine(line: Buffer, now: number, owned = false): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    let start = 0;
    while (end - start > this.maxLine) {
      const cut = utf8Boundary(line, start + this.maxLine, start);
      this.sink.line(this.source, line.subarray(start, cut), now, true, owned);
      start = cut;
    }
    this.sink.line(this.source, line.subarray(start, end), now, false, owned);
  }

  /** Holds `rest` (no newline in it) as the start of a line; past maxLine, the held bytes are passed on cut. */
  private holdPartial(rest: Buffer, now: number): void {
    // Copy: the chunk it came from is the shared read buffer, overwritten by the next read. A memory of its own,
    // not a slice of Node.js's 8 KiB pool: held across a pause (backpressure), it would keep the whole 8 KiB
    // alive into the old generation, until a full collection (issue 22).
    const copy = Buffer.allocUnsafeSlow(rest.length);
    rest.copy(copy);
    this.partial.push(copy);
    this.partialLength += rest.length;
    if (this.partialLength > this.maxLine) {
      // At least one byte stays held, so that a newline arriving next ends this line instead of making an empty one.
      const line = this.takePartial();
      let start = 0;
      while (line.length - start > this.maxLine) {
        const cut = utf8Boundary(line, start + this.maxLine, start);
        // Its own copy: the rest, still held, is a later part of the same buffer that nothing emitted shares.
        this.sink.line(this.source, line.subarray(start, cut), now, true, true);
        start = cut;
      }
      if (start < line.length) {
        this.partial.push(line.subarray(start));
        this.partialLength = line.length - start;
      }
    }
    if (this.partialLength > 0) this.armTimer();
    else this.clearTimer();
  }

  private armTimer(): void {
    if (this.timer || this.held) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.partialLength > 0) this.emitLine(this.takePartial(), Date.now(), true);
    }, this.partialTimeout);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The nearest cut at or before `at` that does not split a UTF-8 sequence (or `at` if none is found). */
function utf8Boundary(buf: Buffer, at: number, floor: number): number {
  let cut = at;
  // Step back over continuation bytes (10xxxxxx), at most 3.
  while (cut > floor && at - cut < 4 && (buf[cut] & 0xc0) === 0x80) cut--;
  return cut > floor && at - cut < 4 ? cut : at;
}
