// Datagrams over UDP (RFC 5426 for syslog): one record a datagram, on a connected socket.
import type * as Dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Transport } from './sender';

/** node:dgram, loaded by the first UDP drain rather than at every start. */
const dgram = (): typeof Dgram => require('node:dgram');

/** Records over UDP (syslog+udp): one datagram per record, nothing confirmed or resent (UDP cannot say). */
export class DatagramTransport implements Transport {
  readonly name: string;
  private socket: Socket | undefined;
  private ready: Promise<Socket> | undefined;

  /** `scheme` names it in reports, with +udp: `syslog` gives syslog+udp://host:port. */
  constructor(
    scheme: string,
    private readonly host: string,
    private readonly port: number,
  ) {
    this.name = `${scheme}+udp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async send(records: Buffer[]): Promise<number> {
    const socket = await (this.ready ??= this.open());
    await new Promise<void>((resolve, reject) => {
      let left = records.length;
      let failed = false;
      for (const record of records) {
        socket.send(record, (error) => {
          if (failed) return;
          if (error) {
            failed = true;
            reject(new Error(`${this.name}: ${error.message}`));
          } else if (--left === 0) resolve();
        });
      }
    });
    return records.length;
  }

  async finish(): Promise<boolean> {
    return true;
  }

  destroy(): void {
    this.socket?.close();
    this.socket = undefined;
    this.ready = undefined;
  }

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram().createSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
      const fail = (error: Error) => {
        // A socket that failed is closed, and the next send opens (and resolves the name) again.
        if (this.socket === socket) this.socket = undefined;
        this.ready = undefined;
        try {
          socket.close();
        } catch {
          // already closed
        }
        reject(new Error(`${this.name}: ${error.message}`));
      };
      socket.on('error', fail);
      // Connected, so the name is resolved once and each send is one system call. dgram reports a failed
      // connect (e.g. an unknown host) to this callback, not as an 'error' event.
      socket.connect(this.port, this.host, (error?: Error) => {
        if (error) return fail(error);
        this.socket = socket;
        resolve(socket);
      });
    });
  }
}
