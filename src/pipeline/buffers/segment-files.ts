// The on-disk format of the disk buffer: segment files of framed records, and the lock on a buffer directory.
import type * as Fs from 'node:fs';
import {
  closeSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

// Each record: a marker byte, its length (u32 LE), the bytes. The marker catches a torn or foreign file.
export const MARKER = 0xd7;
export const HEAD = 5;
export const SEGMENT = /^(\d{20})\.seg$/;
/** Segment files are named by the sequence number of their first record, so names sort in order. */
export const segmentName = (seq: number) => `${String(seq).padStart(20, '0')}.seg`;

/** One segment file; `bytes` includes records still waiting to be written, `flushed` only those in the file. */
export interface Segment {
  seq: number;
  path: string;
  bytes: number;
  flushed: number;
  count: number;
}

/**
 * What a previous run left: the segments from the checkpoint's on (older ones were confirmed and are deleted),
 * torn tails cut off, and how many records and bytes wait to be sent.
 */
export function recover(dir: string): { segments: Segment[]; ack?: { seg: Segment; offset: number }; pending: number; pendingBytes: number } {
  const seqs = readdirSync(dir)
    .map((f) => SEGMENT.exec(f))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  let checkpoint = { segment: -1, offset: 0 };
  try {
    checkpoint = JSON.parse(readFileSync(join(dir, 'checkpoint'), 'utf8'));
  } catch {
    // No checkpoint: everything on disk is unconfirmed.
  }
  const segments: Segment[] = [];
  let ack: { seg: Segment; offset: number } | undefined;
  let pending = 0;
  let pendingBytes = 0;
  for (const seq of seqs) {
    const path = join(dir, segmentName(seq));
    if (seq < checkpoint.segment && seqs.includes(checkpoint.segment)) {
      unlink(path);
      continue;
    }
    const data = readFileSync(path);
    const checkpointed = seq === checkpoint.segment ? checkpoint.offset : 0;
    const { valid, count, after } = scan(data, checkpointed);
    if (valid < data.length) truncate(path, valid);
    // After an OS crash the checkpoint may point past what reached the disk (there is no fsync): nothing is
    // pending in this segment then, and new records follow its last whole one.
    const start = Math.min(checkpointed, valid);
    const seg: Segment = { seq, path, bytes: valid, flushed: valid, count };
    segments.push(seg);
    ack ??= { seg, offset: start };
    pending += after;
    pendingBytes += valid - start;
  }
  return { segments, ack, pending, pendingBytes };
}

/**
 * Claims `lock` in `dir` for this process; another live process holding it is an error (two outputs, one
 * directory). The lock names the holder's PID and start time: after a restart of the dyno or the machine the PID
 * may belong to some other process by now, which does not hold the lock.
 */
export function takeLock(lock: string, dir: string): void {
  if (held.has(lock))
    throw new BufferInUseError(
      `buffer.path "${dir}" is used by two outputs of this drover: give each output its own buffer.path (or leave it out: the default is a directory per output)`,
    );
  try {
    const [owner, started] = readFileSync(lock, 'utf8').trim().split(' ');
    const pid = Number(owner);
    const now = startTimeOf(pid);
    const sameProcess = started === undefined || now === undefined || now === started;
    if (pid && pid !== process.pid && alive(pid) && sameProcess) {
      throw new BufferInUseError(
        `buffer.path "${dir}" is in use by process ${pid}${describeProcess(pid)}: two drovers cannot share a disk buffer; give this output another buffer.path, or stop that process first`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(lock, `${process.pid} ${startTimeOf(process.pid) ?? ''}`.trim());
  held.add(lock);
}

/** Gives up a lock taken by takeLock. */
export function releaseLock(lock: string): void {
  held.delete(lock);
  unlink(lock);
}

/** Locks this process holds: a second output on the same directory is refused too. */
const held = new Set<string>();

/** A disk buffer directory that another output or process already uses: the message names it and the option. */
export class BufferInUseError extends Error {
  override name = 'BufferInUseError';
}

/** ` (drover start in /app)`: what a process is, from /proc, for messages; empty when it cannot be read. */
function describeProcess(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const at = args.findIndex((a) => a.endsWith('/drover.js'));
    const what = at >= 0 ? `drover ${args.slice(at + 1).join(' ')}` : args.join(' ');
    let where = '';
    try {
      where = ` in ${readlinkSync(`/proc/${pid}/cwd`)}`;
    } catch {
      // another user's: its directory is not ours to read
    }
    return what ? ` (${what.slice(0, 120)}${where})` : '';
  } catch {
    return '';
  }
}

/** When a process started (clock ticks since boot, field 22 of /proc/PID/stat), or undefined without /proc. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Counts whole records from `start`; `valid` is where the last whole record ends. */
export function scan(data: Buffer, start: number): { valid: number; count: number; after: number } {
  let at = 0;
  let count = 0;
  let after = 0;
  while (at + HEAD <= data.length && data[at] === MARKER) {
    const end = at + HEAD + data.readUInt32LE(at + 1);
    if (end > data.length) break;
    if (at >= start) after++;
    count++;
    at = end;
  }
  return { valid: at, count, after };
}

/** Up to `length` bytes of `path` at `offset`. */
export function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Cuts a torn tail off a segment. */
export function truncate(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, length);
  closeSync(fd);
}

/** Removes a file that may already be gone. */
export function unlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The checkpoint file is padded to this size, so that it can be rewritten in place on a full disk. */
const CHECKPOINT_SIZE = 96;

/**
 * Writes the checkpoint of `dir`: a new file renamed over the old one, or, when the disk has no room for a new
 * file, the old one overwritten in place (same size: no new block). Never leaves a `checkpoint.tmp` behind.
 * False when neither worked.
 */
export function writeCheckpoint(dir: string, state: string): boolean {
  const path = join(dir, 'checkpoint');
  const text = state.padEnd(CHECKPOINT_SIZE);
  try {
    writeFileSync(path + '.tmp', text);
    renameSync(path + '.tmp', path);
    return true;
  } catch {
    unlink(path + '.tmp');
  }
  try {
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, text, 0);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}

/** Undefined before Node 18.15. */
const statfsSync = (require('node:fs') as Partial<typeof Fs>).statfsSync;

/** The size of the filesystem holding `dir`, or Infinity where Node.js cannot tell (before 18.15). */
export function filesystemSize(dir: string): number {
  if (!statfsSync) return Infinity;
  try {
    const { blocks, bsize } = statfsSync(dir);
    return blocks * bsize || Infinity;
  } catch {
    return Infinity;
  }
}

/** An error's code (ENOSPC), or its message. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
