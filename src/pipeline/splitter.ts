// Turns the bytes a process prints into lines: whole-line blocks for the fast path, single lines otherwise.
import type { BlockSource } from './formats';

/**
 * Where split output goes: the pipeline. The bytes passed are only valid during the call (the read buffer is
 * reused for the next read), so a sink that keeps them copies them.
 */
export interface LineSink {
  /** Whole lines chunk[start, end), each ending in `\n`, none longer than the limit, none with `\r`. */
  block(source: BlockSource, chunk: Buffer, start: number, end: number, timestamp: number): void;
  /** One line without its line ending (a split piece, a flushed partial line, a CRLF line). */
  line(source: BlockSource, bytes: Buffer, timestamp: number): void;
}

const LF = 10;
const CR = 13;

/**
 * Splits one stream. Lines longer than `maxLine` bytes become several lines (cut on a UTF-8 character
 * boundary), never dropped; a last line without its newline is passed on after `partialTimeout` ms and at end.
 */
export class LineSplitter {
  private partial: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  constructor(
    private readonly source: BlockSource,
    private readonly sink: LineSink,
    private readonly maxLine: number,
    private readonly partialTimeout: number,
  ) {}

  /** Takes the next chunk read from the process. */
  push(chunk: Buffer): void {
    const now = Date.now();
    let start = 0;
    if (this.partial) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.holdPartial(Buffer.concat([this.partial, chunk]), now);
        return;
      }
      const line = Buffer.concat([this.partial, chunk.subarray(0, nl)]);
      this.partial = undefined;
      this.clearTimer();
      this.emitLine(line, now);
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
    if (this.partial) this.armTimer();
  }

  /** The stream ended: pass on what is left. */
  end(): void {
    this.clearTimer();
    if (this.partial && this.partial.length) this.emitLine(this.partial, Date.now());
    this.partial = undefined;
  }

  /** Emits whole lines [start, end), routing long lines and CRLF lines through emitLine. */
  private emitWhole(chunk: Buffer, start: number, end: number, now: number): void {
    const max = this.maxLine;
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
      // A line longer than max starts at `at`.
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

  /** One line without its newline: strips a trailing CR and cuts it into pieces of at most maxLine bytes. */
  private emitLine(line: Buffer, now: number): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    let start = 0;
    while (end - start > this.maxLine) {
      const cut = utf8Boundary(line, start + this.maxLine, start);
      this.sink.line(this.source, line.subarray(start, cut), now);
      start = cut;
    }
    this.sink.line(this.source, line.subarray(start, end), now);
  }

  private holdPartial(rest: Buffer, now: number): void {
    // A partial line that is already too long is passed on in maxLine pieces now. At least one byte stays
    // held, so that a newline arriving next ends this line instead of making an empty one.
    let start = 0;
    while (rest.length - start > this.maxLine) {
      const cut = utf8Boundary(rest, start + this.maxLine, start);
      this.sink.line(this.source, rest.subarray(start, cut), now);
      start = cut;
    }
    // Copy: the chunk it came from would otherwise be kept alive, and reused by nobody.
    this.partial = start < rest.length ? Buffer.from(rest.subarray(start)) : undefined;
    if (this.partial) this.armTimer();
    else this.clearTimer();
  }

  private armTimer(): void {
    if (this.timer || this.held) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.partial) this.emitLine(this.partial, Date.now());
      this.partial = undefined;
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
