// Batches as HTTP(S) POST requests, one at a time: the transport of the http and otlp drains (and any drain whose
// receiver takes requests), with the options such drains share.
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';
import type { Schema } from '../../config/schema';
import type { ComponentContext } from '../component';
import type { Message } from '../message';
import { createDrain } from './drain';
import type { Sender, Transport } from './sender';
import { clientCertificateProblem, tlsConnection, tlsProblems } from './tls-files';

// Loaded when an http or otlp output is made, not at start-up: most apps have none, and these modules (with
// OpenSSL behind node:https and node:crypto) cost several milliseconds of every start.
const http = (): typeof Http => require('node:http');
const https = (): typeof Https => require('node:https');
const randomUUID = (): string => (require('node:crypto') as typeof import('node:crypto')).randomUUID();
const gzip = (data: Buffer): Promise<Buffer> => promisify((require('node:zlib') as typeof import('node:zlib')).gzip)(data);

/** The options of every drain that sends requests: headers, batching, the request timeout and retries. */
export function requestFields(batchSize: number): Schema {
  return {
    headers: { type: 'map', default: {}, doc: 'extra request headers, e.g. { Authorization = "Bearer ${TOKEN}" }' },
    batch_size: { type: 'integer', min: 1, default: batchSize, doc: 'most messages in one request' },
    batch_bytes: { type: 'size', default: '1MB', doc: 'most bytes in one request (before gzip)' },
    batch_interval: { type: 'duration', default: '1s', doc: 'how long a batch may wait to fill before it is sent' },
    timeout: { type: 'duration', default: '30s', doc: 'a request (connect, send, answer) that takes longer fails and is retried' },
    max_retries: {
      type: 'integer',
      min: 0,
      doc: "retries of a failed batch before it is dropped and reported; default: retry until it is taken (the buffer's when_full decides meanwhile)",
    },
  };
}

/** Answers that mean "try again later": throttling, server trouble, request timeouts. */
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export interface HttpOptions {
  url: URL;
  gzip: boolean;
  headers: Record<string, string>;
  timeout: number;
  /** https: node:tls options (verification, CA, client certificate and key). */
  tls?: ConnectionOptions;
  framing: Framing;
}

/** How a drain frames a batch of its records into a request body, and reads the answer. */
export interface Framing {
  contentType: string;
  /**
   * The request body for these records: one buffer, or the pieces to send one after another, which the transport
   * joins in memory of its own that it reuses for the next request (not a new Buffer of up to batch_bytes for
   * every request, each left to a full garbage collection: issue 22).
   */
  body(records: Buffer[]): Buffer | Buffer[];
  /** Headers that name the batch (e.g. Logplex's), from a batch id that stays the same when the batch is retried. */
  headers?(records: Buffer[], batchId: string): Record<string, string>;
  /** Told about each 2xx answer to a batch of `count` records (e.g. an OTLP partial success). */
  accepted?(answer: Buffer, contentType: string, count: number): void;
  /** The text to report for a failed answer's body (e.g. the message of a google.rpc.Status). */
  failureText?(answer: Buffer, contentType: string): string;
}

/** One POST per batch, one at a time (so batches arrive in order); a failed batch is retried with the same batch id. */
export class HttpTransport implements Transport {
  readonly name: string;
  readonly exactRetry = true;
  /** Told about batches the server refused for good (4xx other than 408 and 429); set by the sender. */
  onReject: (count: number, why: string) => void = () => {};
  private batchId = '';
  private readonly agent: HttpAgent;
  private request: Http.ClientRequest | undefined;
  private counters = { requests: 0, failed_requests: 0 };
  private closed = false;
  /** Where bodies are joined (see Framing.body), and whether a request may still read it (not reused then). */
  private bodyMemory = Buffer.alloc(0);
  private bodyInUse = false;

  constructor(private readonly options: HttpOptions) {
    this.name = options.url.origin + options.url.pathname;
    const secure = options.url.protocol === 'https:';
    this.agent = secure ? new (https().Agent)({ keepAlive: true, maxSockets: 1, ...options.tls }) : new (http().Agent)({ keepAlive: true, maxSockets: 1 });
  }

  send(records: Buffer[], attempt: number): Promise<number> {
    const { framing } = this.options;
    // The id names the batch, not the attempt (e.g. Logplex-Frame-Id): a receiver that saw it already can drop the retry.
    if (framing.headers && (attempt === 0 || !this.batchId)) this.batchId = randomUUID();
    // All that needs the records is done before the request: they (an object each) are not kept while it runs,
    // as an async function keeps its arguments (issue 22).
    return this.deliver(this.join(framing.body(records)), records.length, framing.headers?.(records, this.batchId));
  }

  /** POSTs a batch's body (count records) and reads the answer. */
  private async deliver(raw: Buffer, count: number, batchHeaders: Record<string, string> | undefined): Promise<number> {
    const { framing } = this.options;
    let body = raw;
    if (this.options.gzip) {
      // zlib reads raw on its own thread until it is done.
      body = await gzip(raw).finally(() => this.release(raw));
    }
    if (this.closed) throw new Error(`${this.name}: output closed`); // closed while compressing
    const headers: Record<string, string> = {
      'User-Agent': 'drover',
      'Content-Type': framing.contentType,
      'Content-Length': String(body.length),
      ...(this.options.gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...batchHeaders,
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
      framing.accepted?.(answer, type, count);
      return count;
    }
    const text = framing.failureText ? oneLine(framing.failureText(answer, type)) : answerText;
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
    this.onReject(count, `${this.name} refused the batch with HTTP ${status}${text ? `: ${text}` : ''} (not retried: ${why})`);
    return count;
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

  /** A body as one Buffer: pieces are copied into bodyMemory (a new one when a request may still read it, or it is too small). */
  private join(body: Buffer | Buffer[]): Buffer {
    if (Buffer.isBuffer(body)) return body;
    let size = 0;
    for (const piece of body) size += piece.length;
    if (this.bodyInUse || this.bodyMemory.length < size) this.bodyMemory = Buffer.allocUnsafeSlow(Math.ceil(Math.max(size, 1) / 65536) * 65536);
    let at = 0;
    for (const piece of body) at += piece.copy(this.bodyMemory, at);
    this.bodyInUse = true;
    return this.bodyMemory.subarray(0, size);
  }

  /** `body` is no longer read by a request or zlib: if it is bodyMemory, the next join may reuse it. */
  private release(body: Buffer): void {
    if (body.buffer === this.bodyMemory.buffer) this.bodyInUse = false;
  }

  private post(body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string; wait?: number; answer: Buffer; type: string }> {
    const { url, timeout } = this.options;
    const send = url.protocol === 'https:' ? https().request : http().request;
    return new Promise((resolve, reject) => {
      const request = send(url, { method: 'POST', headers, agent: this.agent });
      this.request = request;
      // Written out to the system ('finish'), or the request is gone ('close'): the body's memory is not read again.
      const release = () => this.release(body);
      request.once('finish', release);
      request.once('close', release);
      // One deadline for the whole exchange: a server that accepts and never reads (or never answers) is caught here.
      const timer = setTimeout(() => request.destroy(new Error(`no answer from ${this.name} within ${timeout} ms (timeout)`)), timeout);
      timer.unref(); // the request itself keeps node alive while it runs
      request.on('error', (error) => {
        clearTimeout(timer);
        const certificate = clientCertificateProblem(error, this.name, this.options.tls?.cert !== undefined);
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

/** For a `check`: the TLS options of a drain that POSTs to `url`, which take an https:// URL. */
export function httpTlsProblems(options: Record<string, any>): { key: string; message: string }[] {
  return tlsProblems(options, typeof options.url === 'string' && options.url.startsWith('http:') ? false : undefined, 'https://');
}

/**
 * A drain that POSTs its records to `options.url` (http or https, with the TLS options), framed by `framing`,
 * with the options of requestFields and deliveryFields.
 */
export function createHttpDrain(
  options: Record<string, any>,
  context: ComponentContext,
  parts: { encode: (m: Message) => Buffer; framing: Framing; gzip: boolean; url?: URL },
): Sender {
  const url = parts.url ?? new URL(options.url);
  const tls = url.protocol === 'https:' ? tlsConnection(options, url.host) : undefined;
  const transport = new HttpTransport({
    url,
    gzip: parts.gzip,
    headers: options.headers ?? {},
    timeout: options.timeout,
    tls: tls?.connection,
    framing: parts.framing,
  });
  return createDrain(options, context, {
    transport,
    encode: parts.encode,
    batch: { count: options.batch_size, bytes: options.batch_bytes, interval: options.batch_interval },
    warnings: tls?.warnings,
  });
}
