// `http` output: batched POSTs to an HTTPS drain (Logplex-style frames, NDJSON or a JSON array).
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import type { Schema } from '../../config/schema';
import { bufferField, createBuffer } from '../buffers/buffer';
import { Sender, type Transport } from '../delivery/sender';
import { defineComponent, type ComponentContext } from '../component';
import { toJson } from '../formats/json-format';
import { SEVERITY, type Message } from '../message';
import { defaultAppName, FACILITIES, Rfc5424, type Facility } from '../formats/rfc5424';
import { DRAIN_FORMATS, drainRendering } from '../formats/drain-format';
import { splitForTransport, type Measure } from '../formats/split-message';
import { certKeyProblems, clientCertificateProblem, readTlsFiles } from '../delivery/tls-files';

// Loaded when an http output is made, not at start-up: most apps have none, and these modules (with OpenSSL
// behind node:https and node:crypto) cost several milliseconds of every start.
const http = (): typeof Http => require('node:http');
const https = (): typeof Https => require('node:https');
const randomUUID = (): string => (require('node:crypto') as typeof import('node:crypto')).randomUUID();
const gzip = (data: Buffer): Promise<Buffer> => promisify((require('node:zlib') as typeof import('node:zlib')).gzip)(data);
const FORMATS = ['logplex', 'ndjson', 'json'] as const;
type HttpFormat = (typeof FORMATS)[number];
const CONTENT_TYPES: Record<HttpFormat, string> = { logplex: 'application/logplex-1', ndjson: 'application/x-ndjson', json: 'application/json' };

const schema: Schema = {
  url: {
    type: 'string',
    required: true,
    pattern: /^https?:\/\/[^\s/]+/,
    patternHint: 'an http:// or https:// URL, such as "https://collector.example.com/logs"',
    doc: 'where to POST batches',
  },
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'logplex',
    doc: 'the body: logplex (application/logplex-1: octet-counted RFC 5424 frames, as Heroku HTTPS drains; their MSG as message_format says), ndjson (one JSON object a line, fields as keys) or json (an array of them)',
  },
  message_format: {
    type: 'enum',
    values: DRAIN_FORMATS,
    default: 'auto',
    doc: 'logplex: how each frame\'s MSG is written, as the syslog output\'s format: auto (the payload, and decoded fields as structured data [fields@32473 key="value"] on every piece), raw (the payload only), logfmt or json (fields in MSG, for receivers that parse only MSG)',
  },
  max_line_length: {
    type: 'size',
    doc: "a line longer than this many bytes is sent as several messages (after filters and redaction), each with the whole message's severity, timestamp and fields; 0 never splits. Default: 10,000 (Logplex's limit) for logplex, 0 for ndjson and json",
  },
  batch_size: { type: 'integer', min: 1, default: 500, doc: 'most messages in one request' },
  batch_bytes: { type: 'size', default: '1MB', doc: 'most bytes in one request (before gzip)' },
  batch_interval: { type: 'duration', default: '1s', doc: 'how long a batch may wait to fill before it is sent' },
  gzip: { type: 'boolean', default: false, doc: 'compress request bodies (Content-Encoding: gzip)' },
  headers: { type: 'map', default: {}, doc: 'extra request headers, e.g. { Authorization = "Bearer ${TOKEN}" }' },
  timeout: { type: 'duration', default: '30s', doc: 'a request (connect, send, answer) that takes longer fails and is retried' },
  max_retries: {
    type: 'integer',
    min: 0,
    doc: "retries of a failed batch before it is dropped and reported; default: retry until it is taken (the buffer's when_full decides meanwhile)",
  },
  backoff_initial: { type: 'duration', default: '500ms', doc: 'first wait before a retry; doubles on each failure' },
  backoff_max: { type: 'duration', default: '30s', doc: 'longest wait between retries' },
  tls_verify: { type: 'boolean', default: true, doc: "check the server's certificate; false is warned about at start" },
  ca_file: { type: 'string', doc: "PEM file of the CA(s) to trust instead of the system's" },
  cert_file: {
    type: 'string',
    doc: 'https: PEM client certificate, for servers that ask for one (mutual TLS); one that expires within 14 days is warned about at start',
  },
  key_file: { type: 'string', doc: 'https: PEM private key of cert_file; warned about when others can read it' },
  facility: { type: 'enum', values: FACILITIES, default: 'user', doc: 'logplex format: syslog facility of the frames' },
  app_name: { type: 'string', doc: 'logplex format: APP-NAME; default HEROKU_APP_NAME, Cloud Foundry\'s application_name, or "app"' },
  hostname: { type: 'string', doc: 'logplex format: HOSTNAME for messages that carry none' },
  buffer: bufferField,
};

/** Answers that mean "try again later": throttling, server trouble, request timeouts. */
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export interface HttpOptions {
  url: URL;
  format: HttpFormat;
  gzip: boolean;
  headers: Record<string, string>;
  timeout: number;
  tlsVerify: boolean;
  ca?: Buffer;
  /** Client certificate and key (mutual TLS). */
  cert?: Buffer;
  key?: Buffer;
  /** Another output's request body (otlp): replaces `format`'s content type and body, and reads the answers. */
  framing?: Framing;
}

/** How an output other than http frames a batch into a request over this transport, and reads the answer. */
export interface Framing {
  contentType: string;
  body(records: Buffer[]): Buffer;
  /** Told about each 2xx answer to a batch of `count` records (e.g. an OTLP partial success). */
  accepted?(answer: Buffer, contentType: string, count: number): void;
  /** The text to report for a failed answer's body (e.g. the message of a google.rpc.Status). */
  failureText?(answer: Buffer, contentType: string): string;
}

/** One POST per batch, one at a time (so batches arrive in order); a failed batch is retried with its frame id. */
export class HttpTransport implements Transport {
  readonly name: string;
  readonly exactRetry = true;
  /** Told about batches the server refused for good (4xx other than 408 and 429). */
  onReject: (count: number, why: string) => void = () => {};
  private frameId = '';
  private readonly agent: HttpAgent;
  private request: Http.ClientRequest | undefined;
  private counters = { requests: 0, failed_requests: 0 };
  private closed = false;

  constructor(private readonly options: HttpOptions) {
    this.name = options.url.origin + options.url.pathname;
    const secure = options.url.protocol === 'https:';
    this.agent = secure
      ? new (https().Agent)({ keepAlive: true, maxSockets: 1, rejectUnauthorized: options.tlsVerify, ca: options.ca, cert: options.cert, key: options.key })
      : new (http().Agent)({ keepAlive: true, maxSockets: 1 });
  }

  async send(records: Buffer[], attempt: number): Promise<number> {
    // Logplex-Frame-Id names the batch, not the attempt: a receiver that saw it already can drop the retry.
    if (attempt === 0 || !this.frameId) this.frameId = randomUUID();
    const { format, framing } = this.options;
    const raw = framing
      ? framing.body(records)
      : format === 'json'
        ? Buffer.concat([Buffer.from('['), ...records.flatMap((r, i) => (i ? [COMMA, r] : [r])), Buffer.from(']')])
        : Buffer.concat(records);
    const body = this.options.gzip ? await gzip(raw) : raw;
    if (this.closed) throw new Error(`${this.name}: output closed`); // closed while compressing
    const headers: Record<string, string> = {
      'User-Agent': 'drover',
      'Content-Type': framing ? framing.contentType : CONTENT_TYPES[format],
      'Content-Length': String(body.length),
      ...(this.options.gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...(format === 'logplex' && !framing ? { 'Logplex-Msg-Count': String(records.length), 'Logplex-Frame-Id': this.frameId } : {}),
      ...this.options.headers,
    };
    this.counters.requests++;
    const {
      status,
      text: answerText,
      wait,
      answer,
      type,
    } = await this.post(body, headers).catch((error: Error) => {
      this.counters.failed_requests++;
      throw error;
    });
    if (status >= 200 && status < 300) {
      framing?.accepted?.(answer, type, records.length);
      return records.length;
    }
    const text = framing?.failureText ? oneLine(framing.failureText(answer, type)) : answerText;
    if (status === 413) {
      // The batch is too large for this server: the sender sends it again in halves.
      this.counters.failed_requests++;
      throw Object.assign(new Error(`${this.name} answered HTTP 413 (content too large)${text ? `: ${text}` : ''}`), { tooLarge: true });
    }
    if (RETRYABLE(status)) {
      this.counters.failed_requests++;
      const error = new Error(`${this.name} answered HTTP ${status}${text ? `: ${text}` : ''}`) as Error & { retryAfter?: number };
      error.retryAfter = wait;
      throw error;
    }
    const why =
      status >= 300 && status < 400
        ? 'redirects are not followed; set url to where it points'
        : 'a 4xx answer means the request itself is wrong; check url and headers';
    this.onReject(records.length, `${this.name} refused the batch with HTTP ${status}${text ? `: ${text}` : ''} (not retried: ${why})`);
    return records.length;
  }

  async finish(): Promise<boolean> {
    return true;
  }

  destroy(): void {
    this.closed = true;
    this.request?.destroy(new Error('output closed'));
    this.agent.destroy();
  }

  stats(): Record<string, number> {
    return { ...this.counters };
  }

  private post(body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string; wait?: number; answer: Buffer; type: string }> {
    const { url, timeout } = this.options;
    const send = url.protocol === 'https:' ? https().request : http().request;
    return new Promise((resolve, reject) => {
      const request = send(url, { method: 'POST', headers, agent: this.agent });
      this.request = request;
      // One deadline for the whole exchange: a server that accepts and never reads (or never answers) is caught here.
      const timer = setTimeout(() => request.destroy(new Error(`no answer from ${this.name} within ${timeout} ms (timeout)`)), timeout);
      timer.unref(); // the request itself keeps node alive while it runs
      request.on('error', (error) => {
        clearTimeout(timer);
        const certificate = clientCertificateProblem(error, this.name, this.options.cert !== undefined);
        reject(new Error(certificate ?? (error.message.includes(this.name) ? error.message : `${this.name}: ${error.message}`)));
      });
      request.on('response', (response: IncomingMessage) => {
        const wait = retryAfter(header(response.headers['retry-after']));
        // The answer's first 64 KiB: its text for reports, its bytes for a framing that reads them.
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < 65536) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          clearTimeout(timer);
          const answer = Buffer.concat(chunks).subarray(0, 65536);
          resolve({
            status: response.statusCode ?? 0,
            text: oneLine(answer.toString('utf8', 0, 300)),
            wait,
            answer,
            type: header(response.headers['content-type']) ?? '',
          });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      request.end(body);
    });
  }
}

const COMMA = Buffer.from(',');

/** An answer's text on one line, short enough for a report. */
const oneLine = (text: string): string => text.trim().replace(/\s+/g, ' ').slice(0, 200);

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After in seconds (RFC 9110), capped at 5 minutes; undefined when absent or a date. */
function retryAfter(value: string | undefined): number | undefined {
  const seconds = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  return seconds === undefined ? undefined : Math.min(seconds, 300) * 1000;
}

/** How each message becomes a record of the chosen format. */
function encoder(format: HttpFormat, options: Record<string, any>, context: { env: NodeJS.ProcessEnv; hostname: string }): (m: Message) => Buffer {
  if (format === 'logplex') {
    const rfc = new Rfc5424({
      facility: options.facility as Facility,
      appName: options.app_name ?? defaultAppName(context.env),
      hostname: options.hostname ?? context.hostname,
      structuredData: '',
    });
    // MSG as message_format says (auto: the payload, fields as structured data). As Logplex sends them: the count
    // includes a trailing newline.
    const { msg, sd } = drainRendering(options.message_format);
    return (m) => rfc.frame(m, 'octet-counting', '\n', msg(m), sd(m));
  }
  const suffix = format === 'ndjson' ? '\n' : '';
  return (m) => Buffer.from(toJson(m) + suffix, 'utf8');
}

export const httpOutput = defineComponent({
  kind: 'outputs',
  type: 'http',
  summary: 'POSTs batches of messages to an HTTP(S) endpoint: Logplex frames, NDJSON or JSON; retried with backoff.',
  schema,
  example:
    '[outputs.collector]\ntype = "http"\nurl = "https://collector.example.com/logs"\nformat = "logplex"\nheaders = { Authorization = "Bearer ${COLLECTOR_TOKEN}" }\nbatch_size = 500\nbuffer = { type = "memory", max_events = 10000, when_full = "drop_oldest" }',
  check(options) {
    const problems: { key: string; message: string; hint?: string }[] = certKeyProblems(options);
    if (options.message_format !== undefined && options.message_format !== 'auto' && options.format !== 'logplex') {
      problems.push({
        key: 'message_format',
        message: `option "message_format" applies to format = "logplex" only, and format is ${JSON.stringify(options.format)}`,
        hint: 'ndjson and json bodies carry the fields as keys already',
      });
    }
    if (typeof options.url === 'string' && options.url.startsWith('http:')) {
      for (const key of ['ca_file', 'cert_file', 'key_file']) {
        if (options[key] !== undefined)
          problems.push({ key, message: `option "${key}" applies to https:// URLs only, and url is ${JSON.stringify(options.url)}` });
      }
    }
    return problems;
  },
  create(options, context) {
    const sender = createHttpSender(options, context, encoder(options.format, options, context));
    const limit = options.max_line_length ?? (options.format === 'logplex' ? 10000 : 0);
    const measure: Measure = options.format === 'logplex' ? drainRendering(options.message_format).measure : (m) => Buffer.byteLength(toJson(m));
    return splitForTransport(sender, limit, measure, true);
  },
});

/**
 * The http output's delivery (transport, buffer, send loop, TLS options, reports) for options of the http schema;
 * `framing` lets another output (otlp) send its own request bodies over it.
 */
export function createHttpSender(options: Record<string, any>, context: ComponentContext, encode: (m: Message) => Buffer, framing?: Framing): Sender {
  const url = new URL(options.url);
  const { ca, cert, key, warnings } = readTlsFiles(options);
  const transport = new HttpTransport({
    url,
    format: options.format,
    gzip: options.gzip,
    headers: options.headers ?? {},
    timeout: options.timeout,
    tlsVerify: options.tls_verify !== false,
    ca,
    cert,
    key,
    framing,
  });
  const buffer = createBuffer(options.buffer, context.id.replace(/^outputs\./, ''), context.env);
  const sender = new Sender(buffer, transport, encode, context, {
    batchCount: options.batch_size,
    batchBytes: options.batch_bytes,
    batchInterval: options.batch_interval,
    backoffInitial: options.backoff_initial,
    backoffMax: options.backoff_max,
    maxRetries: options.max_retries,
  });
  transport.onReject = (count, why) => sender.reject(count, why);
  for (const warning of warnings) sender.reporter.say(`tls ${warning}`, `${context.id}: ${warning}`, SEVERITY.warning);
  if (url.protocol === 'https:' && options.tls_verify === false) {
    sender.reporter.say(
      'tls',
      `${context.id}: tls_verify = false: the certificate of ${url.host} is not checked, so anyone between here and there can read and change these logs`,
      SEVERITY.warning,
    );
  }
  return sender;
}
