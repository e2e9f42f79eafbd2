// Reading a child's pipe into one buffer shared by every pipe, instead of a fresh 64 KiB Buffer per read.
//
// Why: Node allocates a new Buffer for every read of a stream, outside the JS heap, and only a garbage collection
// frees it. A process printing hundreds of MB/s makes little JS garbage, so no collection comes for a while and
// those buffers pile up (tens of MiB), or a forced collection every few MiB costs a fifth of the throughput.
// net.Socket's documented `onread` option reads into a caller's buffer instead, but child_process does not pass
// it on for stdio pipes. readPipe applies it to the child's stdio socket the way net.Socket applies it to its
// own (the `kBuffer`/`kBufferCb` fields and the handle's useUserBuffer), and falls back to 'data' events if this
// Node.js lacks them — test/supervisor/reader.test.ts fails then, so a Node.js upgrade cannot lose it silently.
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';

/** libuv's answer to a read start on a handle that is reading already (its errors are negated errno values). */
const UV_EALREADY = -constants.errno.EALREADY;

/** One read's worth: large enough that a busy pipe is drained in few reads. */
const SHARED = Buffer.allocUnsafe(256 * 1024);

interface OnreadKeys {
  buffer: symbol;
  callback: symbol;
}

interface StreamHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

let keys: OnreadKeys | null | undefined;

/** The symbols under which net.Socket keeps its `onread` buffer and callback, found on a socket made with one. */
function onreadKeys(): OnreadKeys | null {
  if (keys !== undefined) return keys;
  const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => undefined } } as ConstructorParameters<typeof Socket>[0]);
  const find = (name: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  probe.destroy();
  keys = buffer && callback ? { buffer, callback } : null;
  return keys;
}

/** Controls one pipe being read. */
export interface PipeReader {
  /** Stops reading (the child blocks once the pipe is full) until resume(). */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** True when reads go into the shared buffer (false: Node.js 'data' events, one new Buffer per read). */
  readonly shared: boolean;
}

/**
 * Calls onData for every read of `stream` until it ends (`shared: false` takes the portable way, for tests). The bytes are only valid during the call: they are
 * overwritten by the next read of any pipe, so whoever keeps them must copy them.
 */
export function readPipe(stream: Readable, onData: (bytes: Buffer) => void, options = { shared: true }): PipeReader {
  const found = options.shared ? onreadKeys() : null;
  const handle = (stream as unknown as { _handle?: StreamHandle })._handle;
  if (!found || typeof handle?.useUserBuffer !== 'function') return readEvents(stream, onData);
  const fields = stream as unknown as Record<symbol, unknown>;
  fields[found.buffer] = SHARED;
  let paused = false;
  fields[found.callback] = (nread: number) => {
    onData(SHARED.subarray(0, nread));
    // false stops the handle: reading may have been started behind our back (child_process resumes the
    // stdio streams when the child exits), and a paused reader must take no more than this one read.
    return paused ? false : undefined;
  };
  handle.useUserBuffer(SHARED);
  // Data bypasses the stream, but its end still goes through it: flowing mode lets 'end' and 'close' come.
  stream.resume();
  return {
    pause() {
      if (paused) return;
      paused = true;
      handle.reading = false;
      handle.readStop();
    },
    resume() {
      if (!paused) return;
      paused = false;
      if (stream.destroyed) return;
      handle.reading = true;
      const error = handle.readStart();
      // As net.Socket does: a pipe that cannot be read any more ends, and 'close' follows. EALREADY is no such
      // error: reading was restarted behind our back (child_process resumes the stdio streams when the child
      // exits), and ending the stream then would drop what the pipe still holds.
      if (error && error !== UV_EALREADY) stream.destroy();
    },
    get paused() {
      return paused;
    },
    shared: true,
  };
}

/** The portable way: a Buffer per read, pause() and resume() on the stream. */
function readEvents(stream: Readable, onData: (bytes: Buffer) => void): PipeReader {
  let paused = false;
  stream.on('data', onData);
  return {
    pause() {
      paused = true;
      stream.pause();
    },
    resume() {
      paused = false;
      stream.resume();
    },
    get paused() {
      return paused;
    },
    shared: false,
  };
}
