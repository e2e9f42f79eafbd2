import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { applySchema } from '../../../src/config/schema';
import { httpOutput } from '../../../src/pipeline/outputs/http';
import { tempDir } from '../../helpers';
import { line, makeCertificates, parseRfc5424, sleep, testContext } from './peers';

interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
  status: number;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          (s as any).closeAllConnections?.();
          s.close(resolve);
        }),
    ),
  );
});

/** An HTTP(S) server on loopback whose answer to the n-th request (from 0) is `status(n)`. */
async function server(status: (n: number) => number, tls?: { cert: string; key: string }) {
  const received: Received[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const code = status(received.length);
      const raw = Buffer.concat(chunks);
      received.push({ headers: request.headers, body: request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw, status: code });
      response.writeHead(code, { 'Content-Type': 'text/plain' });
      response.end(code === 400 ? 'bad token\n' : code >= 500 ? 'try later' : 'ok');
    });
  };
  const s = tls ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler) : createHttpServer(handler);
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { received, port: (s.address() as { port: number }).port };
}

function create(table: Record<string, unknown>) {
  const { options, problems } = applySchema(httpOutput.schema, { batch_interval: '50ms', backoff_initial: '50ms', backoff_max: '200ms', ...table });
  expect(problems).toEqual([]);
  const context = testContext('outputs.collector', { HEROKU_APP_NAME: 'shop' });
  return { output: httpOutput.create(options, context), context };
}

/** The messages of an application/logplex-1 body: octet-counted frames, each counted with its trailing newline. */
function logplexFrames(body: Buffer): string[] {
  const frames: string[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(32, at);
    const length = Number(body.subarray(at, space).toString());
    const frame = body.subarray(space + 1, space + 1 + length).toString('utf8');
    expect(frame.endsWith('\n')).toBe(true);
    frames.push(frame.slice(0, -1));
    at = space + 1 + length;
  }
  return frames;
}

describe('http output', () => {
  it('retries 500s with the same frame id, and the server gets every line once per frame id', async () => {
    const certs = makeCertificates(tempDir());
    const { received, port } = await server((n) => (n < 4 ? 500 : 200), certs);
    const { output, context } = create({
      url: `https://localhost:${port}/logs`,
      ca_file: certs.ca,
      batch_size: 100,
      headers: { Authorization: 'Bearer s3cret' },
    });
    for (let i = 0; i < 1000; i++) output.write(line(`line ${i}`, 'web.1', 'stdout', Date.UTC(2026, 0, 2) + i));
    await output.close(Date.now() + 10_000);

    const byFrame = new Map<string, Received[]>();
    for (const r of received) {
      expect(r.headers).toMatchObject({ 'content-type': 'application/logplex-1', authorization: 'Bearer s3cret' });
      const id = r.headers['logplex-frame-id'] as string;
      byFrame.set(id, [...(byFrame.get(id) ?? []), r]);
    }
    const lines: string[] = [];
    for (const attempts of byFrame.values()) {
      // Every attempt of one frame id carries the same batch; exactly one of them was taken.
      expect(new Set(attempts.map((a) => a.body.toString())).size).toBe(1);
      expect(attempts.filter((a) => a.status === 200)).toHaveLength(1);
      const frames = logplexFrames(attempts[0].body);
      expect(Number(attempts[0].headers['logplex-msg-count'])).toBe(frames.length);
      lines.push(...frames.map((f) => parseRfc5424(f).msg));
    }
    expect(lines).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i}`));
    expect(parseRfc5424(logplexFrames(received[0].body)[0])).toMatchObject({
      pri: 14,
      appName: 'shop',
      procId: 'web.1',
      timestamp: '2026-01-02T00:00:00.000000+00:00',
    });
    expect(received.length).toBe(byFrame.size + 4);
    expect(output.stats!()).toMatchObject({ sent: 1000, retries: 4, rejected: 0, lost: 0, dropped: 0 });
    expect(context.reports.map((r) => r.text).join('\n')).toMatch(
      /^Error L13 \(delivery error\): outputs\.collector: https:\/\/localhost:\d+\/logs answered HTTP 500: try later; retrying in/m,
    );
  });

  it('sends gzipped NDJSON and JSON arrays', async () => {
    const { received, port } = await server(() => 200);
    const ndjson = create({ url: `http://127.0.0.1:${port}/`, format: 'ndjson', gzip: true });
    ndjson.output.write(line('first'));
    ndjson.output.write(line('second', 'worker.1', 'stderr'));
    await ndjson.output.close(Date.now() + 5000);
    const json = create({ url: `http://127.0.0.1:${port}/`, format: 'json' });
    json.output.write(line('third'));
    await json.output.close(Date.now() + 5000);

    expect(received[0].headers).toMatchObject({ 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    const objects = received[0].body
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects).toEqual([
      expect.objectContaining({ message: 'first', logger: 'web.1', level: 'info' }),
      expect.objectContaining({ message: 'second', logger: 'worker.1', level: 'err' }),
    ]);
    expect(received[1].headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[1].body.toString())).toEqual([expect.objectContaining({ message: 'third' })]);
  });

  it('drops a batch the server refuses with a 4xx, and says so', async () => {
    const { received, port } = await server(() => 400);
    const { output, context } = create({ url: `http://127.0.0.1:${port}/`, batch_size: 10 });
    for (let i = 0; i < 25; i++) output.write(line(`line ${i}`));
    await output.close(Date.now() + 5000);
    expect(received).toHaveLength(3);
    expect(output.stats!()).toMatchObject({ rejected: 25, retries: 0 });
    // Reports are rate-limited: the first at once, the rest summed up (here, at close).
    for (const r of context.reports)
      expect(r).toEqual({
        text: expect.stringMatching(
          /^Error L13 \(delivery error\): outputs\.collector dropped \d+ messages: http:\/\/127\.0\.0\.1:\d+\/ refused the batch with HTTP 400: bad token \(not retried/,
        ),
        severity: 3,
      });
    expect(context.reports.reduce((n, r) => n + Number(/dropped (\d+)/.exec(r.text)![1]), 0)).toBe(25);
    expect(context.reports.length).toBeLessThanOrEqual(2);
  });

  it('says that a redirect is not followed, instead of calling it a 4xx', async () => {
    const { port } = await server(() => 301);
    const { output, context } = create({ url: `http://127.0.0.1:${port}/`, batch_size: 10 });
    output.write(line('moved'));
    await output.close(Date.now() + 5000);
    expect(context.reports.map((r) => r.text).join('\n')).toContain('HTTP 301: ok (not retried: redirects are not followed; set url to where it points)');
  });

  it('gives up on a server that accepts the connection but never reads, after the timeout', async () => {
    const silent = createNetServer((socket) => {
      socket.pause(); // accepts, never reads, never answers
      sockets.push(socket);
    });
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const { output, context } = create({ url: `https://127.0.0.1:${port}/`, timeout: '300ms', tls_verify: false, batch_bytes: '8MB', batch_size: 100000 });
    const big = 'y'.repeat(9_990); // under the 10,000-byte split
    for (let i = 0; i < 800; i++) output.write(line(`${i} ${big}`));
    const started = Date.now();
    while (!context.reports.some((r) => r.text.includes('(timeout)')) && Date.now() - started < 5000) await sleep(50);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(context.reports.map((r) => r.text).join('\n')).toMatch(/no answer from https:\/\/127\.0\.0\.1:\d+\/ within 300 ms \(timeout\); retrying/);
    await output.close(Date.now() + 300);
    expect(output.stats!()).toMatchObject({ lost: 800 });
    expect(context.reports.at(-1)!.text).toMatch(/^Error L10 \(output buffer overflow\): outputs\.collector lost 800 messages at shutdown/);
  });
});
