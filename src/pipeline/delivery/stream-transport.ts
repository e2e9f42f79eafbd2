// Syslog over TCP and TLS (RFC 6587 / RFC 5425): one connection, reconnected after a failure or a stalled write.
import { connect as netConnect, type Socket } from 'node:net';
import type * as Tls from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import type { Transport } from './sender';
import { DeliveryWindow } from './delivery-window';
import { clientCertificateProblem } from './tls-files';

/** node:tls, loaded by the first TLS connection: apps without a TLS drain do not pay for it at start-up. */
const tlsModule = (): typeof Tls => require('node:tls');

export interface StreamOptions {
  /** Names the transport in reports, with +tcp or +tls: `syslog` gives syslog+tls://host:port. */
  scheme: string;
  host: string;
  port: number;
  /** TLS options (CA, verification), or undefined for plain TCP. */
  tls?: ConnectionOptions;
  connectTimeout: number;
  /** A write that makes no progress for this long means the receiver stopped reading: reconnect. */
  writeTimeout: number;
  /** Bytes that may still be in kernel buffers (ours and the receiver's) after a write completed; see DeliveryWindow. */
  resendWindow: number;
  /** How long after the kernel took a record it counts as delivered while the connection stays up; see DeliveryWindow. */
  confirmAfter: number;
}

/**
 * Syslog over a stream has no acknowledgements: bytes the kernel took may still be lost with the connection
 * (in our send buffer or the receiver's receive buffer). So a record counts as delivered only by the rules of
 * DeliveryWindow, or when the receiver closed the connection after reading our end-of-stream (a clean shutdown).
 * After a failure the sender resends every record not yet counted, with duplicates bounded by the window.
 */
export class StreamTransport implements Transport {
  readonly name: string;
  private socket: Socket | undefined;
  private connecting: Socket | undefined;
  private closed = false;
  /** Set when a connection went down with unconfirmed records; cleared when a new connection is made. */
  private lastLoss: Error | undefined;
  /** Why the last connection ended while records sent on it were unconfirmed; the next send reports it. */
  private broken: Error | undefined;
  private readonly delivery: DeliveryWindow;
  private counters = { connections: 0, write_timeouts: 0 };
  /** Called when the connection goes down, so that the sender resends what was unconfirmed without waiting for a write. */
  wake: () => void = () => {};

  constructor(private readonly options: StreamOptions) {
    this.delivery = new DeliveryWindow(options.resendWindow, options.confirmAfter);
    this.name = `${options.scheme}+${options.tls ? 'tls' : 'tcp'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  }

  send(records: Buffer[]): Promise<number> {
    const broken = this.takeBroken();
    if (broken) return Promise.reject(broken);
    if (!this.socket) return this.connect().then((socket) => this.write(socket, records));
    return this.write(this.socket, records);
  }

  /**
   * Writes records on socket; resolves once it takes more, with how many count as delivered. Not an async
   * function: it would keep the records (an object each) while the socket drains (issue 22).
   */
  private write(socket: Socket, records: Buffer[]): Promise<number> {
    this.delivery.add(records);
    const settled = () => (this.socket === socket ? this.delivery.settle(socket.writableLength) : 0);
    return writeRuns(socket, records) ? Promise.resolve(settled()) : this.progress(socket).then(settled);
  }

  /** How many more of the oldest unconfirmed records count as delivered by now (the connection stayed up). */
  settle(): number {
    return this.socket ? this.delivery.settle(this.socket.writableLength) : 0;
  }

  nextSettle(): number | undefined {
    return this.socket ? this.delivery.nextSettle() : undefined;
  }

  /** Bytes the next batch may have (the window after connections were lost with records unconfirmed). */
  room(): number {
    return this.delivery.room();
  }

  async finish(deadline: number): Promise<boolean> {
    const socket = this.socket;
    if (!socket) return this.delivery.unconfirmed === 0 && !this.broken;
    return new Promise((resolve) => {
      // The receiver closes its side only after reading everything up to our end-of-stream: that confirms it all.
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      socket.once('close', (hadError) => {
        clearTimeout(timer);
        resolve(!hadError);
      });
      socket.end();
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
    this.connecting?.destroy();
    this.connecting = undefined;
  }

  get connectionLost(): boolean {
    return this.lastLoss !== undefined;
  }

  stats(): Record<string, number> {
    return { ...this.counters, window: this.delivery.window };
  }

  private takeBroken(): Error | undefined {
    const error = this.broken;
    this.broken = undefined;
    return error;
  }

  private connect(): Promise<Socket> {
    const { host, port, tls, connectTimeout } = this.options;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`${this.name}: output closed`));
      const socket = tls ? tlsModule().connect({ host, port, servername: isIp(host) ? undefined : host, ...tls }) : netConnect({ host, port });
      // Kept where destroy() finds it: a connection still opening at shutdown must not be used after it.
      this.connecting = socket;
      const timer = setTimeout(
        () => socket.destroy(new Error(`could not connect to ${this.name} within ${connectTimeout} ms (connect_timeout)`)),
        connectTimeout,
      );
      timer.unref();
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        this.connecting = undefined;
        if (this.closed) {
          socket.destroy();
          return reject(new Error(`${this.name}: output closed`));
        }
        this.adopt(socket);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        if (this.connecting === socket) this.connecting = undefined;
        reject(describe(error, this.name, this.options.tls?.cert !== undefined));
      });
      socket.once('close', () => {
        clearTimeout(timer);
        if (this.connecting === socket) this.connecting = undefined;
        reject(new Error(`${this.name}: connection closed while opening`));
      });
    });
  }

  private adopt(socket: Socket): void {
    this.counters.connections++;
    this.lastLoss = undefined;
    this.socket = socket;
    this.delivery.reset();
    socket.setKeepAlive(true, 30_000);
    socket.resume(); // a receiver of logs sends nothing; discard whatever comes
    socket.on('error', (error) => this.lost(socket, describe(error, this.name, this.options.tls?.cert !== undefined)));
    socket.on('close', () => this.lost(socket, new Error(`${this.name} closed the connection`)));
  }

  private lost(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    if (this.delivery.unconfirmed) {
      this.broken ??= error;
      this.lastLoss = error;
      this.wake();
    }
    this.delivery.lost();
    socket.destroy();
  }

  /** Waits until the socket takes more, failing when it makes no progress for `writeTimeout`. */
  private progress(socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      let last = socket.writableLength;
      let since = Date.now();
      const done = (error?: Error) => {
        clearInterval(check);
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(this.takeBroken() ?? new Error(`${this.name} closed the connection`));
      const check = setInterval(
        () => {
          if (socket.writableLength < last) {
            last = socket.writableLength;
            since = Date.now();
          } else if (Date.now() - since >= this.options.writeTimeout) {
            this.counters.write_timeouts++;
            const error = new Error(`write timeout: ${this.name} took no data for ${this.options.writeTimeout} ms (write_timeout); reconnecting`);
            this.lost(socket, error);
            this.takeBroken();
            done(error);
          }
        },
        Math.min(1000, Math.max(10, this.options.writeTimeout / 4)),
      );
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }
}

/** More pieces than this in one batch are copied into one buffer instead (records of a disk buffer, say). */
const MAX_RUNS = 16;

/**
 * Writes records as few buffers: records next to each other in memory (a memory buffer's chunk, see
 * record-chunks.ts) go as one view of them, not copied; records scattered in memory are copied into one buffer.
 * Returns socket.write's answer for the last one.
 */
export function writeRuns(socket: Socket, records: Buffer[]): boolean {
  if (records.length === 1) return socket.write(records[0]);
  const runs: Buffer[] = [];
  let first = 0;
  let end = records[0].byteOffset + records[0].length;
  for (let i = 1; i <= records.length; i++) {
    const next = records[i];
    if (next && next.buffer === records[first].buffer && next.byteOffset === end) {
      end += next.length;
      continue;
    }
    runs.push(run(records, first, end));
    if (runs.length > MAX_RUNS) return socket.write(Buffer.concat(records));
    if (!next) break;
    first = i;
    end = next.byteOffset + next.length;
  }
  if (runs.length === 1) return socket.write(runs[0]);
  socket.cork();
  let ok = true;
  for (const piece of runs) ok = socket.write(piece);
  socket.uncork();
  return ok;
}

/** records[first] up to the byte offset `end` of the memory they share, as one Buffer. */
function run(records: Buffer[], first: number, end: number): Buffer {
  const { buffer, byteOffset } = records[first];
  return byteOffset + records[first].length === end ? records[first] : Buffer.from(buffer, byteOffset, end - byteOffset);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Node's error plus what to do about the common ones. */
function describe(error: Error, name: string, hasCert = false): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const certificate = clientCertificateProblem(error, name, hasCert);
  if (certificate) return new Error(certificate);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code)) {
    return new Error(`TLS certificate of ${name} not trusted: ${error.message} (set ca_file to the CA that signed it, or tls_verify = false)`);
  }
  return new Error(error.message.includes(name) ? error.message : `${name}: ${error.message}`);
}
