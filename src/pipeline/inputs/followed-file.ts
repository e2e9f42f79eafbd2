// One file the file input follows: known by device and inode (not by name), so a renamed file is still itself.
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { BlockSource } from '../formats/formats';
import type { LineSink } from '../intake/splitter';
import { LineSplitter } from '../intake/splitter';
import type { Checkpoint } from './checkpoints';

/** What a read did: bytes passed on, or why it read nothing. */
export type ReadResult = number | 'eof' | 'truncated' | 'gone';

/** Bytes remembered from the end of what was read. */
const TAIL = 256;

/** Counts newlines, for the `lines` counter of `drover status`. */
function countLines(chunk: Buffer, length: number): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at >= 0 && at < length; at = chunk.indexOf(10, at + 1)) count++;
  return count;
}

export class FollowedFile {
  readonly key: string;
  fd: number | undefined;
  /** Bytes read so far (the next read starts here). */
  position: number;
  /** The byte after the last newline read: where a restart resumes (a partial line is read again whole). */
  lineEnd: number;
  /** Set once its path leads elsewhere (renamed away or deleted): read until it stays quiet, then closed. */
  detachedAt: number | undefined;
  /** When data was last read, or the file was found. */
  lastData = Date.now();
  lines = 0;
  truncations = 0;
  /** The last bytes read, ending at `position`: tailBytes[0, tailLength). */
  private readonly tailBytes = Buffer.alloc(TAIL);
  private tailLength = 0;
  /** Set when the last read found nothing more: the next read first checks the file was not rewritten. */
  private atEnd = false;
  private readonly splitter: LineSplitter;

  constructor(
    public path: string,
    readonly dev: number,
    readonly ino: number,
    start: number,
    source: BlockSource,
    sink: LineSink,
    maxLine: number,
    partialTimeout: number,
  ) {
    this.key = `${dev}:${ino}`;
    this.position = this.lineEnd = start;
    this.splitter = new LineSplitter(source, sink, maxLine, partialTimeout);
  }

  /** Opens it, checking that `path` still leads to this inode; false when it does not (or is gone). */
  open(path = this.path): boolean {
    if (this.fd !== undefined) return true;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return false;
    }
    const stat = fstatSync(fd);
    if (stat.ino !== this.ino || stat.dev !== this.dev) {
      closeSync(fd);
      return false;
    }
    this.fd = fd;
    return true;
  }

  /**
   * Reads one chunk into `buffer` and passes its lines on. Every read starts up to 256 bytes before our
   * position, at the bytes we read last: a file truncated and written past our position since (copytruncate,
   * then a busy writer) no longer has them there, and starts again like any truncated file. No extra syscall.
   */
  read(buffer: Buffer): ReadResult {
    if (this.fd === undefined) return 'gone';
    if (this.atEnd) {
      // Idle files cost one fstat per poll; a file shorter than our position was truncated.
      const size = fstatSync(this.fd).size;
      if (size === this.position) return 'eof';
      if (size < this.position) return this.truncated();
    }
    // After a restart from a checkpoint there is no tail yet: the bytes before the position become it.
    const back = this.tailLength > 0 ? this.tailLength : Math.min(TAIL, this.position);
    const n = readSync(this.fd, buffer, 0, buffer.length, this.position - back);
    if (n < back) return this.truncated();
    if (this.tailLength > 0 && !buffer.subarray(0, back).equals(this.tail)) return this.truncated();
    this.atEnd = n === back;
    if (this.atEnd) return fstatSync(this.fd).size >= this.position ? 'eof' : this.truncated();
    this.keepTail(buffer, n);
    const chunk = buffer.subarray(back, n);
    const last = chunk.lastIndexOf(10);
    if (last >= 0) this.lineEnd = this.position + last + 1;
    this.position += chunk.length;
    this.lines += countLines(chunk, chunk.length);
    this.lastData = Date.now();
    this.splitter.push(chunk);
    return chunk.length;
  }

  private truncated(): 'truncated' {
    this.truncations++;
    this.atEnd = false;
    return 'truncated';
  }

  /**
   * After a truncation: reads the rest of what was written before it from `copy` (the file copytruncate made,
   * which holds the same bytes up to our position), then starts again at the start of this file.
   */
  restart(buffer: Buffer, copy?: number): void {
    if (copy !== undefined) {
      for (let n; (n = readSync(copy, buffer, 0, buffer.length, this.position)) > 0; ) {
        this.position += n;
        this.lines += countLines(buffer, n);
        this.splitter.push(buffer.subarray(0, n));
      }
    }
    this.splitter.end();
    this.position = this.lineEnd = 0;
    this.tailLength = 0;
    this.atEnd = false;
  }

  /** The last bytes read (at most 256), to recognise the copy that copytruncate made of this file. */
  get tail(): Buffer {
    return this.tailBytes.subarray(0, this.tailLength);
  }

  /** Keeps the last TAIL bytes of buffer[0, n), which ends at the new position, in a buffer of its own. */
  private keepTail(buffer: Buffer, n: number): void {
    const from = Math.max(0, n - TAIL);
    this.tailBytes.set(buffer.subarray(from, n));
    this.tailLength = n - from;
  }

  /** Reading pauses (an output is full): a partial line must not time out meanwhile. */
  hold(): void {
    this.splitter.hold();
  }

  release(): void {
    this.splitter.release();
  }

  /** Passes on a partial line it holds (at shutdown, or once a rotated file is done). */
  flush(): void {
    this.splitter.end();
  }

  /** Frees the descriptor; the file stays followed (it is opened again when it grows). */
  closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  checkpoint(): Checkpoint {
    return { path: this.path, dev: this.dev, ino: this.ino, position: this.lineEnd };
  }

  /** True when `stat` (of its path, or found by inode) shows bytes not read yet, or a truncation. */
  changed(stat: Stats): boolean {
    return stat.size !== this.position;
  }
}
