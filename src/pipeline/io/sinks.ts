// Where FdWriter's bytes go: the libuv thread pool (blocking writes) or a non-blocking libuv stream.
import { constants, fstatSync, readFileSync, writev as fsWritev, writevSync } from 'node:fs';
import { Socket } from 'node:net';

/** Takes buffers in order and writes them to one descriptor. */
export interface Sink {
  /** How it writes: libuv's thread pool (blocking writes) or a non-blocking libuv stream. */
  readonly kind: 'thread pool' | 'stream';
  /** Takes buffers in order, and calls `done` once they are written (or writing failed): then they may be reused. */
  write(chunks: Buffer[], done: () => void): void;
  /** Bytes handed over but not yet written. */
  readonly pending: number;
  /** Calls back when pending falls (or an error ends everything). */
  onProgress(callback: () => void): void;
  readonly error: Error | undefined;
  /** Bytes written so far. */
  readonly written: number;
  /**
   * Set while processes write to the same descriptor themselves (direct output): each write is then whole lines of
   * at most PIPE_BUF bytes where it can be, which the kernel never mixes with another process's write.
   */
  wholeLines?: boolean;
}

/** Buffers handed to a sink, with the callback that gives them back. */
interface Batch {
  chunks: Buffer[];
  done: () => void;
}

/**
 * The sink for fd. A pipe or socket that is non-blocking gets a libuv stream. Everything else, including a pipe
 * or socket left blocking (as a parent normally passes it), is written from the thread pool: a blocking write
 * sleeps in the kernel until the reader makes room, where libuv's non-blocking writes wake the supervisor for
 * every page the reader frees (into a pipe, in interleaved runs: raw 0.28 → 0.22 s, heroku 0.44 → 0.37 s).
 * It leaves the O_NONBLOCK flag alone, which belongs to the open file and so to the parent's other processes.
 */
export function sinkFor(fd: number): Sink {
  const sink = isStream(fd) && isNonBlocking(fd) ? streamSink(fd) : threadPoolSink(fd);
  sinks.add(sink);
  return sink;
}

/** Sinks whose descriptor is open: writeProgress sums them. */
const sinks = new Set<Sink>();

/** The sink's descriptor is closed: it no longer counts (a rotated log file must not be remembered for ever). */
export function forgetSink(sink: Sink): void {
  sinks.delete(sink);
}

/** What every sink has taken and not yet written, and how much they have written so far: for exitOnceWritten. */
export function writeProgress(): { unwritten: number; written: number; blocking: boolean } {
  let unwritten = 0;
  let written = 0;
  let blocking = false;
  for (const sink of sinks) {
    unwritten += sink.pending;
    written += sink.written;
    if (sink.kind === 'thread pool' && sink.pending > 0) blocking = true;
  }
  return { unwritten, written, blocking };
}

/** Whether the open file behind fd has O_NONBLOCK set, read from /proc (Linux); assumed so where that is missing. */
export function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return flags ? (parseInt(flags[1], 8) & constants.O_NONBLOCK) !== 0 : true;
  } catch {
    return true;
  }
}

export function isStream(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** Pipes and sockets: libuv writes at once when it can and polls when the reader is slow. */
function streamSink(fd: number): Sink {
  const socket = new Socket({ fd, readable: false, writable: true });
  let error: Error | undefined;
  let writtenNow = 0;
  const callbacks: (() => void)[] = [];
  const progress = () => callbacks.forEach((c) => c());
  socket.on('drain', progress);
  socket.on('error', (e) => {
    // EPIPE: the reader went away. Nothing more can be written there; unblock everyone.
    error = e;
    progress();
  });
  return {
    kind: 'stream',
    write(chunks, done) {
      if (error) return done();
      let rest = chunks;
      if (socket.writableLength === 0) {
        // Nothing queued: write now, in this turn. The descriptor is non-blocking, so a full pipe answers EAGAIN
        // (or takes part) instead of stalling the supervisor; the rest then waits in libuv.
        try {
          let taken = writevSync(fd, chunks);
          writtenNow += taken;
          let i = 0;
          while (i < chunks.length && taken >= chunks[i].length) taken -= chunks[i++].length;
          if (i === chunks.length) return done();
          rest = chunks.slice(i);
          if (taken > 0) rest[0] = rest[0].subarray(taken);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
            error = e as Error;
            progress();
            return done();
          }
        }
      }
      socket.cork();
      // Writes complete in order: the last one's callback says they all have.
      rest.forEach((chunk, i) => socket.write(chunk, i === rest.length - 1 ? () => done() : undefined));
      socket.uncork();
    },
    get pending() {
      return error ? 0 : socket.writableLength;
    },
    get written() {
      return writtenNow + socket.bytesWritten;
    },
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
}

/**
 * Bytes per fs.writev: large while drover runs, since every write is a trip through the thread pool (64 KiB made
 * raw output 40% slower than 512 KiB), and small once it is exiting, so that a slow reader completes writes
 * often and shows the progress exitOnceWritten waits for.
 */
let writeLimit = 512 * 1024;

/** From now on, writes of at most 64 KiB. */
export function writeInSmallPieces(): void {
  writeLimit = 64 * 1024;
}

/** The longest wait before writing again after EAGAIN: the delay doubles from 1 ms up to this. */
const MAX_RETRY_MS = 50;

/**
 * Files, terminals and blocking pipes: one `fs.writev` at a time in libuv's thread pool, in order, at most
 * writeLimit bytes each. EAGAIN means another process made the descriptor non-blocking (a Node.js program sharing
 * it does, until it exits): the write is retried after a growing delay. Moving such a pipe to a libuv stream
 * would block the main thread in write() once that process puts the flag back.
 */
function threadPoolSink(fd: number): Sink {
  const queue: Batch[] = [];
  let pending = 0;
  let written = 0;
  let writing = false;
  let retryMs = 1;
  let error: Error | undefined;
  const callbacks: (() => void)[] = [];
  const progress = () => callbacks.forEach((c) => c());
  const fail = (e: Error) => {
    error = e;
    for (const { done } of queue.splice(0)) done();
    pending = 0;
    writing = false;
    progress();
  };
  const pump = () => {
    if (writing || error || queue.length === 0) return;
    const batches = queue.splice(0);
    writing = true;
    // Writes the chunks from chunks[i], offset bytes in, writeLimit bytes at a time.
    const writeFrom = (chunks: Buffer[], i: number, offset: number) => {
      const part: Buffer[] = [];
      let room = writeLimit;
      for (let k = i; k < chunks.length && room > 0; k++) {
        const chunk = k === i ? chunks[k].subarray(offset) : chunks[k];
        part.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        room -= Math.min(chunk.length, room);
      }
      fsWritev(fd, sink.wholeLines ? wholeLines(part) : part, (e, n) => {
        if (e && e.code === 'EAGAIN') {
          setTimeout(() => writeFrom(chunks, i, offset), retryMs);
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          return;
        }
        if (e) {
          queue.unshift(...batches);
          return fail(e);
        }
        retryMs = 1;
        written += n;
        pending -= n;
        // On from where this write stopped (its end, or short of it on a terminal or a filling disk).
        n += offset;
        while (i < chunks.length && n >= chunks[i].length) n -= chunks[i++].length;
        if (i < chunks.length) return writeFrom(chunks, i, n);
        writing = false;
        for (const { done } of batches) done();
        progress();
        pump();
      });
    };
    writeFrom(
      batches.flatMap((b) => b.chunks),
      0,
      0,
    );
  };
  const sink: Sink = {
    kind: 'thread pool',
    write(chunks, done) {
      if (error) return done();
      queue.push({ chunks, done });
      pending += size(chunks);
      pump();
    },
    get pending() {
      return pending;
    },
    get written() {
      return written;
    },
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
  return sink;
}

/** Pipes take a write of at most this many bytes whole (POSIX PIPE_BUF; 4,096 on Linux). */
const PIPE_BUF = 4096;

/**
 * The start of `part` that is whole lines of at most PIPE_BUF bytes in all (all of it when it is no longer); when its
 * first line alone is longer, that line (another process's write may then land inside it, as the kernel allows).
 */
export function wholeLines(part: Buffer[]): Buffer[] {
  if (size(part) <= PIPE_BUF) return part;
  let cut: [number, number] | undefined;
  for (let k = 0, total = 0; k < part.length && total < PIPE_BUF; total += part[k++].length) {
    const at = part[k].lastIndexOf(10, PIPE_BUF - total - 1);
    if (at >= 0) cut = [k, at + 1];
  }
  for (let k = 0; !cut && k < part.length; k++) {
    const at = part[k].indexOf(10);
    if (at >= 0) cut = [k, at + 1];
  }
  return cut ? [...part.slice(0, cut[0]), part[cut[0]].subarray(0, cut[1])] : part;
}

function size(chunks: Buffer[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}
