// `syslog` input: RFC 5424 and RFC 3164 messages over UDP, or TCP with octet counting or newline framing.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { defineComponent, type ComponentContext, type Input, type InputHost } from '../component';
import { Message, SEVERITY, type FieldValue } from '../message';
import type { Schema } from '../../config/schema';
import { parseListenAddress, type ListenAddress } from './listen-address';
import { parseSyslog } from './syslog-parse';

const schema: Schema = {
  address: { type: 'string', required: true, doc: 'udp://HOST:PORT or tcp://HOST:PORT to listen on; HOST defaults to 127.0.0.1 (set 0.0.0.0 to listen on every interface)' },
  logger: { type: 'string', default: '', doc: 'the Logger of messages without an APP-NAME (default: the input name)' },
  max_message_size: { type: 'size', default: '64KB', doc: 'longest message taken over TCP; a longer one is passed on in pieces, each marked' },
};

/** Marks a message that could not be read as syslog: it is passed on whole, as Payload, with this field saying why. */
export const MALFORMED_FIELD = 'syslog_error';

export class SyslogInput implements Input {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private host!: InputHost;
  private messages = 0;
  private malformed = 0;
  private connections = 0;
  private errors = 0;

  constructor(private readonly address: ListenAddress, private readonly options: Record<string, any>, private readonly context: ComponentContext) {}

  async start(host: InputHost): Promise<void> {
    this.host = host;
    const { scheme, host: bind, port } = this.address;
    if (scheme === 'udp') {
      const socket = createSocket(isIPv6(bind) ? 'udp6' : 'udp4');
      this.udp = socket;
      socket.on('message', (data) => this.receive(data.toString('utf8').replace(/[\r\n]+$/, '')));
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, bind, () => {
          socket.off('error', reject);
          socket.on('error', (error) => this.fail(error));
          resolve();
        });
      });
      return;
    }
    const server = createServer((socket) => this.accept(socket));
    this.tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bind, () => {
        server.off('error', reject);
        server.on('error', (error) => this.fail(error));
        resolve();
      });
    });
  }

  /** One TCP connection: frames are octet-counted (`LEN SP MSG`) when they start with a digit, else end at LF. */
  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    const max: number = this.options.max_message_size;
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      let at = 0;
      for (;;) {
        if (at >= pending.length) break;
        const first = pending[at];
        if (first >= 0x30 && first <= 0x39) {
          const space = pending.indexOf(32, at);
          const digits = space < 0 ? pending.length - at : space - at;
          if (digits > 10 || (space >= 0 && !/^\d+$/.test(pending.toString('latin1', at, space)))) {
            // Digits not followed by a space: not octet counting after all; read up to the newline.
            const end = this.newlineFrame(pending, at, max);
            if (end < 0) break;
            at = end;
            continue;
          }
          if (space < 0) break;
          const length = Number(pending.toString('latin1', at, space));
          if (length > max) {
            // Longer than we take: passed on in max-sized pieces, each marked, as the rest arrives.
            if (pending.length - (space + 1) < Math.min(length, max)) break;
            this.receive(pending.toString('utf8', space + 1, space + 1 + max), `frame of ${length} bytes is longer than max_message_size (${max}): cut`);
            const left = length - max;
            pending = Buffer.concat([Buffer.from(`${left} `), pending.subarray(space + 1 + max)]);
            at = 0;
            continue;
          }
          if (pending.length - (space + 1) < length) break;
          this.receive(pending.toString('utf8', space + 1, space + 1 + length).replace(/[\r\n]+$/, ''));
          at = space + 1 + length;
          continue;
        }
        if (first === 10 || first === 13 || first === 0) {
          at++; // blank line, or the trailing LF some senders add after an octet-counted frame
          continue;
        }
        const end = this.newlineFrame(pending, at, max);
        if (end < 0) break;
        at = end;
      }
      pending = at >= pending.length ? Buffer.alloc(0) : Buffer.from(pending.subarray(at));
      if (this.host.blocked && !socket.isPaused()) {
        socket.pause();
        this.host.onResume(() => socket.resume());
      }
    });
    socket.on('end', () => {
      // A last message without its newline is still a message.
      if (pending.length) this.receive(pending.toString('utf8').replace(/[\r\n]+$/, ''));
      pending = Buffer.alloc(0);
    });
    socket.on('error', () => this.errors++);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** A newline-framed message from `at`: returns where the next frame starts, or -1 to wait for more bytes. */
  private newlineFrame(pending: Buffer, at: number, max: number): number {
    const nl = pending.indexOf(10, at);
    if (nl < 0) {
      if (pending.length - at < max) return -1;
      this.receive(pending.toString('utf8', at, at + max), `message longer than max_message_size (${max}): cut`);
      return at + max;
    }
    this.receive(pending.toString('utf8', at, nl).replace(/\r$/, ''));
    return nl + 1;
  }

  /** Makes a message of one received syslog message (or of text that is not one, marked) and routes it. */
  private receive(text: string, problem?: string): void {
    const parts = parseSyslog(text);
    const fallback = this.options.logger || this.options.name;
    const message = new Message(Buffer.from(parts.msg, 'utf8'), parts.appName || fallback, 'stdout', /^\d+$/.test(parts.procId) ? Number(parts.procId) : 0, parts.hostname || this.context.hostname, parts.timestamp ?? Date.now(), 'syslog');
    message.severity = parts.severity;
    const fields: Record<string, FieldValue> = { ...parts.fields, facility: parts.facility };
    if (parts.procId && !/^\d+$/.test(parts.procId)) fields.procid = parts.procId;
    const reason = problem ?? parts.malformed;
    if (reason) {
      fields[MALFORMED_FIELD] = reason;
      this.malformed++;
    }
    message.fields = fields;
    this.messages++;
    this.host.emit(message);
  }

  private fail(error: Error): void {
    this.errors++;
    this.context.report(`${this.address.scheme}://${this.address.host}:${this.address.port}: ${error.message}`, SEVERITY.err);
  }

  async close(): Promise<void> {
    this.udp?.close();
    if (this.tcp) {
      const closed = new Promise((resolve) => this.tcp!.close(resolve));
      for (const socket of this.sockets) socket.end();
      // Senders get a moment to finish what they are sending; then the connections are cut.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      for (const socket of this.sockets) socket.destroy();
    }
  }

  stats(): Record<string, number | string> {
    return { address: `${this.address.scheme}://${this.address.host}:${this.address.port}`, messages: this.messages, malformed: this.malformed, connections: this.connections, open_connections: this.sockets.size, errors: this.errors };
  }
}

/** The `syslog` input. */
export const syslogInput = defineComponent({
  kind: 'inputs',
  type: 'syslog',
  summary: 'Receives RFC 5424 and RFC 3164 syslog messages over UDP or TCP (octet counting or newline framing), on loopback unless told otherwise. Messages have Type "syslog", Severity, Hostname, Logger = APP-NAME, Pid = PROCID, Payload = MSG, Fields[facility], Fields[msgid] and structured data as Fields["SD-ID.PARAM"]; one that cannot be read is passed on whole with Fields[syslog_error] saying why.',
  schema,
  example: '[inputs.local_syslog]\ntype = "syslog"\naddress = "udp://127.0.0.1:5514"',
  check: (options) => {
    const address = parseListenAddress(options.address, ['udp', 'tcp'], 'udp://127.0.0.1:5514');
    return typeof address === 'string' ? [{ key: 'address', message: `option "address" ${address}`, hint: 'e.g. "udp://127.0.0.1:5514" or "tcp://127.0.0.1:5514"' }] : [];
  },
  create: (options, context) => new SyslogInput(parseListenAddress(options.address, ['udp', 'tcp'], 'udp://127.0.0.1:5514') as ListenAddress, options, context),
});
