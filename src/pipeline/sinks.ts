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
}

/** Buffers handed to a sink, with the callback that gives them back. */
export interface Batch {
  chunks: Buffer[];
  done: () => void;
}

/**
 * The sink for fd. A pipe or socket that is non-blocking gets a libuv stream. Everything else, including a pipe
 * or socket left blocking (as a parent normally passes it), is written from the thread pool: a blocking write
 * sleeps in the kernel until the reader makes room, where libuv's non-blocking writes wake the supervisor for
 * every page the reader frees (into a pipe: raw about 15% faster, heroku 18%; see BENCHMARKS.md). It also leaves
 * the O_NONBLOCK flag alone, which belongs to the open file and so to the parent's other processes too. Should
 * another process set that flag later, the pipe moves over to a stream (`onNonBlocking` gets what is unwritten).
 */
export function sinkFor(fd: number, onNonBlocking: (sink: Sink) => void): Sink {
  const stream = isStream(fd);
  if (stream && isNonBlocking(fd)) return streamSink(fd);
  return threadPoolSink(fd, stream ? (unwritten) => onNonBlocking(streamSinkWith(fd, unwritten)) : undefined);
}

/** Whether the open file behind fd has O_NONBLOCK set, read from /proc (Linux); assumed so where that is missing. */
function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return flags ? (parseInt(flags[1], 8) & constants.O_NONBLOCK) !== 0 : true;
  } catch {
    return true;
  }
}

function isStream(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** A stream sink that first writes what another sink left unwritten. */
function streamSinkWith(fd: number, unwritten: Batch[]): Sink {
  const sink = streamSink(fd);
  for (const { chunks, done } of unwritten) sink.write(chunks, done);
  return sink;
}

/** Pipes and sockets: libuv writes at once when it can and polls when the reader is slow. */
function streamSink(fd: number): Sink {
  const socket = new Socket({ fd, readable: false, writable: true });
  let error: Error | undefined;
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
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
}

/** At most this much per fs.writev: a slow reader still completes writes now and then, which shows progress. */
const MAX_WRITE = 256 * 1024;

/** Thread-pool writes under way, and how many have completed: see exitOnceWritten in src/cli/commands/start.ts. */
export const threadPoolWrites = { inFlight: 0, completed: 0 };

/**
 * Files, terminals and blocking pipes: one `fs.writev` at a time in libuv's thread pool, in order. EAGAIN means
 * another process made the descriptor non-blocking: a pipe or socket is then handed to `onNonBlocking` with what
 * is unwritten; a terminal is retried after a millisecond.
 */
function threadPoolSink(fd: number, onNonBlocking?: (unwritten: Batch[]) => void): Sink {
  const queue: Batch[] = [];
  let pending = 0;
  let writing = false;
  let handedOver = false;
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
    if (writing || error || handedOver || queue.length === 0) return;
    // One batch at least, then more while the write stays within MAX_WRITE.
    const batches: Batch[] = [];
    let total = 0;
    do {
      const next = queue.shift()!;
      batches.push(next);
      total += size(next.chunks);
    } while (queue.length > 0 && total + size(queue[0].chunks) <= MAX_WRITE);
    writing = true;
    const writeFrom = (chunks: Buffer[]) => {
      threadPoolWrites.inFlight++;
      fsWritev(fd, chunks, (e, n) => {
        threadPoolWrites.inFlight--;
        threadPoolWrites.completed++;
        if (e && e.code === 'EAGAIN' && onNonBlocking) {
          handedOver = true;
          pending = 0;
          return onNonBlocking([{ chunks, done: () => batches.forEach((b) => b.done()) }, ...queue.splice(0)]);
        }
        if (e && e.code === 'EAGAIN') return void setTimeout(() => writeFrom(chunks), 1);
        if (e) {
          queue.unshift(...batches);
          return fail(e);
        }
        // A short write (a terminal, a full disk on its way): go on from where it stopped.
        let i = 0;
        while (i < chunks.length && n >= chunks[i].length) n -= chunks[i++].length;
        if (i < chunks.length) return writeFrom([chunks[i].subarray(n), ...chunks.slice(i + 1)]);
        pending -= total;
        writing = false;
        for (const { done } of batches) done();
        progress();
        pump();
      });
    };
    writeFrom(batches.flatMap((b) => b.chunks));
  };
  return {
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
    onProgress: (callback) => callbacks.push(callback),
    get error() {
      return error;
    },
  };
}

function size(chunks: Buffer[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}
