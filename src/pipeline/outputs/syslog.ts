// `syslog` output: RFC 5424 messages to a drain URL (syslog+tcp, syslog+tls, syslog+udp), as Heroku drains do.
import type { Schema } from '../../config/schema';
import { DatagramTransport } from '../delivery/datagram-transport';
import { createDrain, deliveryFields, type DrainParts } from '../delivery/drain';
import { StreamTransport } from '../delivery/stream-transport';
import { tlsConnection, tlsFields, tlsProblems } from '../delivery/tls-files';
import { defineComponent } from '../component';
import type { Message } from '../message';
import { defaultAppName, FACILITIES, Rfc5424, STRUCTURED_DATA, type Facility } from '../formats/rfc5424';
import { DRAIN_FORMAT_DOC, DRAIN_FORMATS, drainRendering } from '../formats/drain-format';
import { splitForTransport } from '../formats/split-message';
import { ReusedMemory } from '../formats/reused-memory';

const URL_PATTERN = /^syslog(\+(tcp|tls|udp))?:\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:@[\]]+):\d{1,5}\/?$/;

const schema: Schema = {
  url: {
    type: 'string',
    required: true,
    pattern: URL_PATTERN,
    patternHint: 'a drain URL with a port, such as "syslog+tls://logs.example.com:12345" (syslog+tcp://, syslog+tls://, syslog+udp://; syslog:// is TCP)',
    doc: 'where to send: syslog+tcp://host:port, syslog+tls://host:port or syslog+udp://host:port',
  },
  facility: {
    type: 'enum',
    values: FACILITIES,
    default: 'user',
    doc: 'syslog facility of every message (user: messages from an application); the priority is facility * 8 + the message severity',
  },
  app_name: { type: 'string', doc: 'APP-NAME of every message; default HEROKU_APP_NAME, Cloud Foundry\'s application_name, or "app"' },
  hostname: { type: 'string', doc: "HOSTNAME of every message this output sends; default the host name of each message (the supervisor's host)" },
  structured_data: { type: 'string', doc: 'STRUCTURED-DATA of every message, e.g. "[logentries@41058 token=\\"abc\\"]" for services that want a token there' },
  format: { type: 'enum', values: DRAIN_FORMATS, default: 'auto', doc: DRAIN_FORMAT_DOC },
  max_line_length: {
    type: 'size',
    default: '10000',
    doc: "a MSG longer than this many bytes is sent as several messages (after filters and redaction), each with the whole message's severity, timestamp and fields; 0 never splits. 10,000 is Logplex's limit, and what most drains take",
  },
  framing: {
    type: 'enum',
    values: ['octet-counting', 'newline'],
    default: 'octet-counting',
    doc: 'TCP/TLS framing: octet-counting (RFC 6587, `LEN MSG`; safe for any message) or newline (for receivers that need it)',
  },
  max_datagram_size: {
    type: 'size',
    default: '2KB',
    doc: 'UDP: a longer message is sent as several datagrams of at most this many bytes, each with the whole header and fields (with max_line_length = 0 it is cut to this size instead); RFC 5426 receivers take 2048, 480 is safe on any path',
  },
  ...tlsFields('syslog+tls: '),
  connect_timeout: { type: 'duration', default: '10s', doc: 'how long a connection may take' },
  write_timeout: { type: 'duration', default: '30s', doc: 'a receiver that takes no data for this long is considered stuck: drover reconnects and resends' },
  resend_window: {
    type: 'size',
    default: '2MB',
    doc: "TCP/TLS: bytes after which a record counts as delivered; unconfirmed records are resent after a reconnect (duplicates are possible). Twice this may be unconfirmed, in drover's memory. 2MB is more than a connection's kernel buffers hold at the rates apps log (Linux starts them at 16 KiB to send and 128 KiB to receive and grows them with the path's bandwidth x delay, up to 4 and 6 MiB): raise it for bursts of many MB to a distant drain",
  },
  confirm_after: {
    type: 'duration',
    default: '2s',
    doc: 'TCP/TLS: a record also counts as delivered once the connection stayed up this long after the kernel took it; a receiver that loses what it received more than this long ago loses it for good',
  },
  ...deliveryFields,
};

/** The parts of a drain URL drover uses. */
export function parseSyslogUrl(url: string): { protocol: 'tcp' | 'tls' | 'udp'; host: string; port: number } {
  const match = URL_PATTERN.exec(url);
  if (!match) throw new Error(`option "url" must be a drain URL such as "syslog+tls://logs.example.com:12345", got ${JSON.stringify(url)}`);
  const parsed = new URL(url.replace(/^syslog(\+\w+)?:/, 'http:'));
  return {
    protocol: (match[2] ?? 'tcp') as 'tcp' | 'tls' | 'udp',
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || match[0].split(':').pop()),
  };
}

export const syslogOutput = defineComponent({
  kind: 'outputs',
  type: 'syslog',
  summary: 'Sends RFC 5424 syslog messages to a drain (syslog+tcp, syslog+tls, syslog+udp), buffered in memory or on disk.',
  schema,
  example:
    '[outputs.papertrail]\ntype = "syslog"\nurl = "${PAPERTRAIL_URL}"  # syslog+tls://logs.example.com:12345\nmatch = "Severity <= 6"\nbuffer = { type = "disk", max_size = "256MB", when_full = "block" }',
  check(options) {
    const problems: { key: string; message: string; hint?: string }[] = [];
    if (options.structured_data !== undefined && !STRUCTURED_DATA.test(options.structured_data)) {
      problems.push({
        key: 'structured_data',
        message: `option "structured_data" must be RFC 5424 structured data such as [id@12345 key="value"], got ${JSON.stringify(options.structured_data)}`,
        hint: 'inside values, escape ", \\ and ] with a backslash',
      });
    }
    // An unset ${VAR} in url is only a warning at build time; what the URL will be is then unknown.
    const protocol = URL_PATTERN.exec(options.url ?? '')?.[2] ?? (options.url ? 'tcp' : undefined);
    // Below 480 bytes (RFC 5426's safe size) the header alone may not fit in a datagram.
    if (typeof options.max_datagram_size === 'number' && options.max_datagram_size < 480) {
      problems.push({
        key: 'max_datagram_size',
        message: `option "max_datagram_size" must be at least 480 bytes (RFC 5426), got ${options.max_datagram_size}`,
        hint: 'use "480" when unsure about the path MTU, "2KB" for most receivers',
      });
    }
    problems.push(...tlsProblems(options, protocol ? protocol === 'tls' : undefined, 'syslog+tls://'));
    return problems;
  },
  create(options, context) {
    const { protocol, host, port } = parseSyslogUrl(options.url);
    const rfc = new Rfc5424({
      facility: options.facility as Facility,
      appName: options.app_name ?? defaultAppName(context.env),
      hostname: options.hostname ?? context.hostname,
      fixedHostname: options.hostname !== undefined,
      structuredData: options.structured_data ?? '',
      // Every message goes straight into the drain's buffer, which copies it (see RecordBuffer.push).
      memory: new ReusedMemory(),
    });
    const render = drainRendering(options.format);
    let parts: DrainParts;
    // Streams send what is pending at once (batch interval 0), up to 1000 records or 256 KiB a write.
    const batch = { count: 1000, bytes: 256 * 1024, interval: 0 };
    if (protocol === 'udp') {
      const encode = (m: Message) => rfc.encode(m, options.max_datagram_size, render.msg(m), render.sd(m));
      parts = { transport: new DatagramTransport('syslog', host, port), encode, batch };
    } else {
      const tls = protocol === 'tls' ? tlsConnection(options, host) : undefined;
      const transport = new StreamTransport({
        scheme: 'syslog',
        host,
        port,
        tls: tls?.connection,
        connectTimeout: options.connect_timeout,
        writeTimeout: options.write_timeout,
        resendWindow: options.resend_window,
        confirmAfter: options.confirm_after,
      });
      const encode = (m: Message) => rfc.frame(m, options.framing, '', render.msg(m), render.sd(m));
      parts = { transport, encode, batch, warnings: tls?.warnings };
    }
    const sender = createDrain(options, context, parts);
    if (protocol === 'udp' && options.max_line_length) {
      // A datagram is the transport's limit: pieces that fit one whole, header and structured data included.
      const datagram = (m: Message) => rfc.encode(m, Infinity, render.msg(m), render.sd(m)).length;
      return splitForTransport(sender, Math.min(options.max_datagram_size, options.max_line_length), datagram, true);
    }
    return splitForTransport(sender, options.max_line_length, render.measure, true);
  },
});
