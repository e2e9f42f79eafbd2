// `drover logs`: the last lines read from the processes and inputs, and drover's own (1,500, as Heroku's log history, and at most 1 MiB), kept in memory
// as the blocks they came in, and streamed to `--tail` clients. A client that reads slowly loses lines (it is
// told how many); it never slows the app, since nothing here ever waits for a client. Blocks go to clients as
// they are (a header line, then the bytes): the client formats them, so drover's own work per block is a copy
// and a write, whatever the number of lines.
import type { Socket } from 'node:net';
import type { Output } from '../pipeline/component';
import type { BlockSource } from '../pipeline/formats/formats';
import type { Message } from '../pipeline/message';
import { writeFrame, type LogsRequest } from './log-frames';

/** One block of lines from one source at one time, each line ending in `\n`. */
export interface Entry {
  logger: string;
  type: string;
  timestamp: number;
  bytes: Buffer;
  /** Counted when first needed (-1 until then): counting every block as it passes would cost the app time. */
  lines: number;
}

function linesOf(entry: Entry): number {
  if (entry.lines < 0) {
    let n = 0;
    for (let at = entry.bytes.indexOf(10); at >= 0; at = entry.bytes.indexOf(10, at + 1)) n++;
    entry.lines = n;
  }
  return entry.lines;
}

export const HISTORY_LINES = 1500;
export const HISTORY_BYTES = 1024 * 1024;
/** Arenas the history's bytes are copied into (see LogHistory.space). */
const ARENAS = 5;
/**
 * What a tail client may have waiting in drover's memory before it loses lines: a burst of 100,000 lines of 80
 * bytes fits. A block's bytes are one buffer shared by every client, so clients that lag together do not
 * multiply it.
 */
const CLIENT_BACKLOG = 8 * 1024 * 1024;

/**
 * Blocks wait to be sent together, while the app prints: until it has been quiet for QUIET_MS, at most
 * LATEST_MS after the first waiting block, or BATCH_BYTES of them. So a burst is not slowed by waking the
 * clients up (one write each, after it), and a line still reaches them within a quarter of a second.
 */
const QUIET_MS = 20;
const LATEST_MS = 250;
const BATCH_BYTES = 4 * 1024 * 1024;

class Client {
  /** Lines lost since the client was last told. */
  dropped = 0;
  /** Lines lost in all. */
  droppedTotal = 0;
  private batch: Entry[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private firstAt = 0;

  constructor(
    readonly socket: Socket,
    readonly wants: (e: Entry) => boolean,
  ) {}

  send(entry: Entry): void {
    if (this.socket.writableLength + this.batchBytes > CLIENT_BACKLOG) {
      this.dropped += linesOf(entry);
      this.droppedTotal += linesOf(entry);
      return;
    }
    if (this.dropped) {
      this.add(notice(`Error L10 (output buffer overflow): ${this.dropped} lines were not sent to this client, which read too slowly`));
      this.dropped = 0;
    }
    if (this.batch.length === 0) this.firstAt = Date.now();
    this.add(entry);
    if (this.batchBytes >= BATCH_BYTES) return this.flush();
    // Each block pushes the write back, up to LATEST_MS after the first one.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(QUIET_MS, this.firstAt + LATEST_MS - Date.now())));
  }

  /** Writes the waiting blocks at once (one writev). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0 || this.socket.destroyed) return;
    this.socket.cork();
    for (const entry of this.batch) writeFrame(this.socket, entry);
    this.socket.uncork();
    this.batch = [];
    this.batchBytes = 0;
  }

  private add(entry: Entry): void {
    this.batch.push(entry);
    this.batchBytes += entry.bytes.length;
  }
}

/** The log history: an output that takes every message drover routes, and serves `drover logs`. */
export class LogHistory implements Output {
  private entries: Entry[] = [];
  private head = 0;
  private byteCount = 0;
  private readonly clients = new Set<Client>();
  private droppedForClients = 0;

  constructor(
    private readonly maxLines = HISTORY_LINES,
    private readonly maxBytes = HISTORY_BYTES,
  ) {}

  write(m: Message): boolean {
    const length = m.raw.length + 1;
    if (length > this.maxBytes) {
      // Longer than the whole history: not kept (it would evict every other line, and need an allocation of its
      // own); only tail clients get it, in a copy made for them.
      if (this.clients.size) this.broadcast(this.entry(m.logger, m.type, m.timestamp, m.raw, 0, m.raw.length, 1));
      return true;
    }
    const bytes = this.space(length);
    bytes.set(m.raw);
    bytes[m.raw.length] = 10;
    this.push({ logger: m.logger, type: m.type, timestamp: m.timestamp, bytes, lines: 1 });
    return true;
  }

  lines(chunk: Buffer, start: number, end: number, source: BlockSource, timestamp: number): boolean {
    if (end - start > this.maxBytes) {
      // Only the block's last lines that fit the bound are kept (none when its last line alone is longer); tail
      // clients get the whole block, in a copy made for them.
      if (this.clients.size) this.broadcast(this.entry(source.logger, source.type, timestamp, chunk, start, end - 1, -1));
      const from = chunk.indexOf(10, end - this.maxBytes - 1) + 1;
      if (from === 0 || from >= end) return true;
      this.push({ logger: source.logger, type: source.type, timestamp, bytes: this.copy(chunk, from, end), lines: -1 }, false);
      return true;
    }
    this.push({ logger: source.logger, type: source.type, timestamp, bytes: this.copy(chunk, start, end), lines: -1 });
    return true;
  }

  /** chunk[start, end) in arena space. */
  private copy(chunk: Buffer, start: number, end: number): Buffer {
    const bytes = this.space(end - start);
    chunk.copy(bytes, 0, start, end);
    return bytes;
  }

  /** An entry with a buffer of its own holding bytes[start, end) and a newline: for clients only. */
  private entry(logger: string, type: string, timestamp: number, bytes: Buffer, start: number, end: number, lines: number): Entry {
    const own = Buffer.allocUnsafe(end - start + 1);
    bytes.copy(own, 0, start, end);
    own[end - start] = 10;
    return { logger, type, timestamp, bytes: own, lines };
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends every tail: drover is stopping, and these lines are all there will be. */
  async close(): Promise<void> {
    for (const client of this.clients) {
      client.flush();
      client.socket.end();
    }
    this.clients.clear();
  }

  stats(): Record<string, number> {
    let lines = 0;
    for (let i = this.head; i < this.entries.length; i++) lines += linesOf(this.entries[i]);
    return {
      lines: Math.min(lines, this.maxLines),
      // The memory its blocks hold, which can be far more than the lines it shows (1,500 short lines of 9,000 in a block).
      bytes_held: this.byteCount,
      clients: this.clients.size,
      dropped_for_slow_clients: this.droppedForClients + [...this.clients].reduce((n, c) => n + c.droppedTotal, 0),
    };
  }

  /** Answers a `drover logs` request on its connection: the last lines, then `notes` (said whatever the filter), then new ones with `tail`. */
  serve(socket: Socket, request: LogsRequest, notes: string[] = []): void {
    const wants = matcher(request);
    socket.cork();
    // Copies: the socket may hold them after the arena they came from is reused.
    for (const entry of this.recent(request.lines, wants)) writeFrame(socket, { ...entry, bytes: Buffer.from(entry.bytes) });
    for (const note of notes) writeFrame(socket, notice(note));
    socket.uncork();
    if (!request.tail) {
      socket.end();
      return;
    }
    const client = new Client(socket, wants);
    this.clients.add(client);
    const leave = () => {
      this.droppedForClients += client.droppedTotal;
      this.clients.delete(client);
    };
    socket.on('close', leave);
    socket.on('error', leave);
  }

  /** The blocks of the last `n` lines that `wants` accepts, oldest first (the first may be cut). */
  recent(n: number, wants: (e: Entry) => boolean = () => true): Entry[] {
    const found: Entry[] = [];
    let left = Math.min(n, this.maxLines);
    for (let i = this.entries.length - 1; i >= this.head && left > 0; i--) {
      const entry = this.entries[i];
      if (!wants(entry)) continue;
      if (linesOf(entry) <= left) {
        found.push(entry);
        left -= linesOf(entry);
        continue;
      }
      // Only the block's last `left` lines.
      let at = entry.bytes.length - 1;
      for (let k = 0; k < left; k++) at = entry.bytes.lastIndexOf(10, at - 1);
      found.push({ ...entry, bytes: entry.bytes.subarray(at + 1), lines: left });
      left = 0;
    }
    return found.reverse();
  }

  /**
   * ARENAS arenas of a quarter of maxBytes each, filled in turn: a block is copied without an allocation of its
   * own, and the four arenas besides the one being filled hold the maxBytes kept (two arenas of maxBytes each
   * took twice as much memory: issue 22). A block larger than an arena gets a buffer of its own.
   */
  private arenas: Buffer[] = [];
  private arena = 0;
  private used = 0;

  /** Room for `length` bytes, at most maxBytes (longer lines are never kept). */
  private space(length: number): Buffer {
    const size = Math.ceil(this.maxBytes / (ARENAS - 1));
    // Memory of their own, never a piece of Node.js's shared pool: entries are told apart by the memory they are in.
    if (length > size) return Buffer.allocUnsafeSlow(length);
    if (this.used + length > (this.arenas[this.arena]?.length ?? 0)) {
      // Switch arenas: every entry in the one about to be reused is evicted first.
      if (this.arenas.length) this.arena = (this.arena + 1) % ARENAS;
      this.used = 0;
      this.arenas[this.arena] ??= Buffer.allocUnsafeSlow(size);
      this.evictArena(this.arenas[this.arena].buffer);
    }
    const slice = this.arenas[this.arena].subarray(this.used, this.used + length);
    this.used += length;
    return slice;
  }

  /** Evicts the entries in arena memory `reused`, and those older than them (entries go oldest first). */
  private evictArena(reused: ArrayBufferLike): void {
    const arenas = new Set(this.arenas.map((a) => a.buffer));
    let last = this.head - 1;
    for (let i = this.head; i < this.entries.length; i++) {
      const memory = this.entries[i].bytes.buffer;
      if (memory === reused) last = i;
      // An entry in another arena: it and all after it are newer than anything in the oldest arena.
      else if (arenas.has(memory)) break;
    }
    while (this.head <= last) this.evictFirst();
  }

  private evictFirst(): void {
    const first = this.entries[this.head];
    this.entries[this.head++] = undefined as unknown as Entry;
    this.byteCount -= first.bytes.length;
  }

  private push(entry: Entry, toClients = true): void {
    this.entries.push(entry);
    this.byteCount += entry.bytes.length;
    // No more bytes than maxBytes (the newest block always stays), and no more entries than maxLines: each has
    // a line at least, and recent() shows at most maxLines (a message a line would keep ~10,000 objects alive).
    while (this.entries.length - this.head > 1) {
      const first = this.entries[this.head];
      if (this.byteCount <= this.maxBytes && this.entries.length - this.head <= this.maxLines) break;
      this.entries[this.head++] = undefined as unknown as Entry;
      this.byteCount -= first.bytes.length;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (toClients && this.clients.size) this.broadcast(entry, true);
  }

  /** Sends an entry to the clients that want it; one in arena space (`inArena`) is copied first, once for all. */
  private broadcast(entry: Entry, inArena = false): void {
    // Clients get a copy of their own, shared by all of them: the arena is overwritten while a slow one waits.
    let stable: Entry | undefined;
    for (const client of this.clients) if (client.wants(entry)) client.send((stable ??= inArena ? { ...entry, bytes: Buffer.from(entry.bytes) } : entry));
  }
}

function notice(text: string): Entry {
  return { timestamp: Date.now(), type: 'drover', logger: 'logs', bytes: Buffer.from(text + '\n'), lines: 1 };
}

function matcher(request: LogsRequest): (e: Entry) => boolean {
  const { ps, source } = request;
  return (e) => {
    if (source === 'app' && e.type !== 'log') return false;
    if (source === 'drover' && e.type === 'log') return false;
    if (ps && e.logger !== ps && !e.logger.startsWith(ps + '.')) return false;
    return true;
  };
}
