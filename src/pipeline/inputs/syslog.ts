// `syslog` input: RFC 5424 and RFC 3164 messages over UDP, or TCP with octet counting or newline framing.
import type * as Dgram from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { defineComponent, type ComponentContext, type Input, type InputHost } from '../component';
import { Message, SEVERITY, type FieldValue } from '../message';
import type { Schema } from '../../config/schema';
import { parseListenAddress, type ListenAddress } from './listen-address';
import { parseSyslog, type SyslogParts } from './syslog-parse';
import { SyslogFramer } from './syslog-framing';

/** node:dgram, loaded by the first UDP syslog input rather than at every start. */
const dgram = (): typeof Dgram => require('node:dgram');

const schema: Schema = {
  address: {
    type: 'string',
    required: true,
    doc: 'udp://HOST:PORT or tcp://HOST:PORT to listen on; HOST defaults to 127.0.0.1 (set 0.0.0.0 to listen on every interface)',
  },
  logger: { type: 'string', default: '', doc: 'the Logger of messages without an APP-NAME (default: the input name)' },
  max_message_size: {
    type: 'size',
    default: '64KB',
    doc: "longest message taken over TCP; a longer one is passed on in pieces of at most this size, each marked in Fields[syslog_error] and the later ones with the first one's Logger, Severity and Hostname",
  },
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

  constructor(
    private readonly address: ListenAddress,
    private readonly options: Record<string, any>,
    private readonly context: ComponentContext,
  ) {}

  async start(host: InputHost): Promise<void> {
    this.host = host;
    const { scheme, host: bind, port } = this.address;
    if (scheme === 'udp') {
      const socket = dgram().createSocket(isIPv6(bind) ? 'udp6' : 'udp4');
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

  /** One TCP connection, read while the outputs take more. */
  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    const max: number = this.options.max_message_size;
    // The first piece of a message cut at max_message_size: its header goes with the pieces after it.
    let cutFrom: SyslogParts | undefined;
    const framer = new SyslogFramer(max, (text, cut) => {
      if (cut === 'continued') return this.route(cutFrom ?? parseSyslog(''), text, `continues a message longer than max_message_size (${max})`);
      const parts = parseSyslog(text);
      if (cut === 'first') cutFrom = parts;
      this.route(parts, parts.msg, cut === 'first' ? `message longer than max_message_size (${max}): cut into pieces` : parts.malformed);
    });
    socket.on('data', (data) => {
      framer.push(data);
      if (this.host.blocked && !socket.isPaused()) {
        socket.pause();
        this.host.onResume(() => socket.resume());
      }
    });
    socket.on('end', () => framer.end());
    socket.on('error', () => this.errors++);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** One datagram: one message. */
  private receive(text: string): void {
    const parts = parseSyslog(text);
    this.route(parts, parts.msg, parts.malformed);
  }

  /** Makes a message of a received syslog message's parts (marked with `problem`, if any) and routes it. */
  private route(parts: SyslogParts, msg: string, problem: string | undefined): void {
    const fallback = this.options.logger || this.options.name;
    const message = new Message(
      Buffer.from(msg, 'utf8'),
      parts.appName || fallback,
      'stdout',
      /^\d+$/.test(parts.procId) ? Number(parts.procId) : 0,
      parts.hostname || this.context.hostname,
      parts.timestamp ?? Date.now(),
      'syslog',
    );
    message.severity = parts.severity;
    const fields: Record<string, FieldValue> = { ...parts.fields, facility: parts.facility };
    if (parts.procId && !/^\d+$/.test(parts.procId)) fields.procid = parts.procId;
    if (problem) {
      fields[MALFORMED_FIELD] = problem;
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
    return {
      address: `${this.address.scheme}://${this.address.host}:${this.address.port}`,
      messages: this.messages,
      malformed: this.malformed,
      connections: this.connections,
      open_connections: this.sockets.size,
      errors: this.errors,
    };
  }
}

/** The `syslog` input. */
export const syslogInput = defineComponent({
  kind: 'inputs',
  type: 'syslog',
  summary:
    'Receives RFC 5424 and RFC 3164 syslog messages over UDP or TCP (octet counting or newline framing), on loopback unless told otherwise. Messages have Type "syslog", Severity, Hostname, Logger = APP-NAME, Pid = PROCID, Payload = MSG, Fields[facility], Fields[msgid] and structured data as Fields["SD-ID.PARAM"]; one that cannot be read is passed on whole with Fields[syslog_error] saying why.',
  schema,
  example: '[inputs.local_syslog]\ntype = "syslog"\naddress = "udp://127.0.0.1:5514"',
  check: (options) => {
    const address = parseListenAddress(options.address, ['udp', 'tcp'], 'udp://127.0.0.1:5514');
    const problems =
      typeof address === 'string'
        ? [{ key: 'address', message: `option "address" ${address}`, hint: 'e.g. "udp://127.0.0.1:5514" or "tcp://127.0.0.1:5514"' }]
        : [];
    if (options.max_message_size < 64)
      problems.push({
        key: 'max_message_size',
        message: `option "max_message_size" must be at least 64 bytes, got ${options.max_message_size}`,
        hint: 'e.g. "64KB"',
      });
    return problems;
  },
  create: (options, context) => new SyslogInput(parseListenAddress(options.address, ['udp', 'tcp'], 'udp://127.0.0.1:5514') as ListenAddress, options, context),
});
