// `http` input: POST /logs with text lines or NDJSON; 204 once routed, a 4xx with the reason otherwise.
import type * as Http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { defineComponent, type ComponentContext, type Input, type InputHost } from '../component';
import { Message, SEVERITY } from '../message';
import type { Schema } from '../../config/schema';
import { JsonDecoder } from '../decoders/json';
import { pickSchema, picker } from '../decoders/pick';
import { parseListenAddress, type ListenAddress } from './listen-address';

const schema: Schema = {
  address: {
    type: 'string',
    required: true,
    doc: 'HOST:PORT to listen on, e.g. "127.0.0.1:8514"; HOST defaults to 127.0.0.1 (set 0.0.0.0 for every interface)',
  },
  token: { type: 'string', default: '', doc: 'when set, requests need `Authorization: Bearer TOKEN` (else 401); use ${VAR} to keep it out of the repository' },
  max_body_size: { type: 'size', default: '1MB', doc: 'largest request body taken; a larger one gets 413 and nothing of it is routed' },
  logger: { type: 'string', default: '', doc: 'the Logger of its messages (default: the input name); an NDJSON object may set its own with a "logger" key' },
  ...pickSchema,
};

const PATH = '/logs';
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json', 'application/x-jsonlines']);

/** A request that is answered with a 4xx and the reason, in plain text. */
class Rejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class HttpInput implements Input {
  private server: Server | undefined;
  private host!: InputHost;
  private readonly decoder: JsonDecoder;
  private requests = 0;
  private messages = 0;
  private rejected = 0;

  constructor(
    private readonly address: ListenAddress,
    private readonly options: Record<string, any>,
    private readonly context: ComponentContext,
  ) {
    this.decoder = new JsonDecoder(picker(options), 8);
  }

  async start(host: InputHost): Promise<void> {
    this.host = host;
    // Loaded here: node:http costs every start ~1 MiB of RSS, and most apps have no http input.
    const { createServer } = require('node:http') as typeof Http;
    const server = createServer((request, response) => {
      this.requests++;
      this.handle(request).then(
        () => response.writeHead(204).end(),
        (error: Error) => this.reject(response, error),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private reject(response: ServerResponse, error: Error): void {
    this.rejected++;
    const status = error instanceof Rejection ? error.status : 500;
    if (!(error instanceof Rejection)) this.context.report(`request failed: ${error.message}`, SEVERITY.err);
    // The body may not have been read (413): close the connection rather than read what we refused.
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...(error instanceof Rejection ? error.headers : {}) });
    response.end(error.message + '\n');
  }

  /** Checks, reads and routes one request; throws a Rejection saying what is wrong. */
  private async handle(request: IncomingMessage): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== PATH) throw new Rejection(404, `no such endpoint ${path}: POST log lines to ${PATH}`);
    if (request.method !== 'POST') throw new Rejection(405, `${request.method} is not allowed: POST log lines to ${PATH}`, { allow: 'POST' });
    if (this.options.token && !sameText(request.headers.authorization ?? '', `Bearer ${this.options.token}`)) {
      throw new Rejection(401, 'missing or wrong token: send the header "Authorization: Bearer TOKEN" with the token set in the input\'s "token" option', {
        'www-authenticate': 'Bearer',
      });
    }
    const type = (request.headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
    const ndjson = NDJSON_TYPES.has(type);
    // curl --data-binary sends application/x-www-form-urlencoded unless told otherwise: taken as text.
    if (!ndjson && type !== 'text/plain' && type !== 'application/x-www-form-urlencoded')
      throw new Rejection(415, `Content-Type ${type} is not taken: send text/plain (one message per line) or application/x-ndjson (one JSON object per line)`);
    const body = await readBody(request, this.options.max_body_size);
    const messages = ndjson ? this.fromNdjson(body) : this.fromText(body);
    for (const message of messages) this.host.emit(message);
    this.messages += messages.length;
    // An output is full: the answer waits until it drains, so that a client that waits for it slows down.
    if (this.host.blocked) await new Promise<void>((resolve) => this.host.onResume(resolve));
  }

  private fromText(body: Buffer): Message[] {
    const logger = this.options.logger || this.options.name;
    const messages: Message[] = [];
    const now = Date.now();
    for (const line of splitLines(body)) {
      // Lines longer than max_line_length are cut into pieces, as process lines are.
      for (let at = 0; at < line.length || at === 0; at += this.host.maxLine) {
        messages.push(new Message(line.subarray(at, at + this.host.maxLine), logger, 'stdout', 0, this.context.hostname, now, 'http'));
        if (line.length === 0) break;
      }
    }
    return messages;
  }

  /** Every line must be a JSON object: one that is not rejects the whole body, so that a client can resend it without duplicates. */
  private fromNdjson(body: Buffer): Message[] {
    const logger = this.options.logger || this.options.name;
    const messages: Message[] = [];
    const now = Date.now();
    let number = 0;
    for (const line of splitLines(body)) {
      number++;
      const text = line.toString('utf8');
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Rejection(400, `line ${number} is not JSON (${(error as Error).message}); nothing of this request was taken: send one JSON object per line`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Rejection(
          400,
          `line ${number} is ${Array.isArray(parsed) ? 'an array' : 'not an object'}; nothing of this request was taken: send one JSON object per line`,
        );
      const message = new Message(Buffer.from(text, 'utf8'), logger, 'stdout', 0, this.context.hostname, now, 'http');
      this.decoder.decode(message);
      const own = (parsed as Record<string, unknown>).logger;
      if (typeof own === 'string' && own) {
        message.logger = own;
        if (message.fields) delete message.fields.logger;
      }
      messages.push(message);
    }
    return messages;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await Promise.race([new Promise((resolve) => server.close(resolve)), new Promise((r) => setTimeout(r, 1000))]);
    server.closeAllConnections?.();
  }

  stats(): Record<string, number | string> {
    return { address: `${this.address.host}:${this.address.port}`, requests: this.requests, messages: this.messages, rejected: this.rejected };
  }
}

/** The body, or a 413 as soon as it is known to be larger than `max` (from Content-Length, or while reading). */
function readBody(request: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  const tooLarge = (size: string) =>
    new Rejection(413, `the body is ${size}, more than max_body_size (${max} bytes): send fewer lines per request, or raise max_body_size`);
  if (declared > max) return Promise.reject(tooLarge(`${declared} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.pause();
        reject(tooLarge(`over ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Lines of a body (LF or CRLF); a last line without its newline counts, an empty end does not. */
function splitLines(body: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(10, start);
    if (end < 0) end = body.length;
    lines.push(body.subarray(start, end > start && body[end - 1] === 13 ? end - 1 : end));
    start = end + 1;
  }
  return lines;
}

/** Compares in time that does not depend on where the texts differ (a token must not be guessable byte by byte). */
function sameText(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ b.charCodeAt(i);
  return difference === 0;
}

/** The `http` input. */
export const httpInput = defineComponent({
  kind: 'inputs',
  type: 'http',
  summary:
    'A local endpoint for apps that push their logs: POST /logs with text lines (text/plain, or curl\'s default form type) or NDJSON (application/x-ndjson: fields, level, message and time from each object, as the json decoder reads them), answered 204 once routed; a 4xx says what was wrong, and nothing of a refused body is routed. Messages have Type "http".',
  schema,
  example: '[inputs.posted]\ntype = "http"\naddress = "127.0.0.1:8514"\ntoken = "${LOGS_TOKEN}"',
  check: (options) => {
    const address = parseListenAddress(options.address, ['http'], '127.0.0.1:8514');
    return typeof address === 'string' ? [{ key: 'address', message: `option "address" ${address}`, hint: 'e.g. "127.0.0.1:8514"' }] : [];
  },
  create: (options, context) => new HttpInput(parseListenAddress(options.address, ['http'], '127.0.0.1:8514') as ListenAddress, options, context),
});
