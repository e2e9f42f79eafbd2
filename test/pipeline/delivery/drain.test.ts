// "A new drain is one file": a drain written here from delivery/ alone (a Loki-style push over HTTP) gets
// batching, retries with the same records, max_retries with a drop report, the buffer option and the TLS checks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applySchema, type Schema } from '../../../src/config/schema';
import { defineComponent } from '../../../src/pipeline/component';
import { deliveryFields } from '../../../src/pipeline/delivery/drain';
import { createHttpDrain, httpTlsProblems, requestFields } from '../../../src/pipeline/delivery/http-transport';
import { tlsFields } from '../../../src/pipeline/delivery/tls-files';
import type { Message } from '../../../src/pipeline/message';
import { line, sleep, testContext } from '../outputs/peers';

// The whole drain: schema, encoder, framing. This is what a file in src/pipeline/outputs/ would hold.
const schema: Schema = {
  url: { type: 'string', required: true, doc: 'the push URL' },
  ...requestFields(100),
  ...tlsFields('https: '),
  ...deliveryFields,
};
const pushOutput = defineComponent({
  kind: 'outputs',
  type: 'push',
  summary: 'test drain',
  example: '',
  schema,
  check: (options) => httpTlsProblems(options),
  create(options, context) {
    const encode = (m: Message) => Buffer.from(JSON.stringify([`${m.timestamp}000000`, m.payload]));
    const framing = {
      contentType: 'application/json',
      body: (records: Buffer[]) => Buffer.from(`{"streams":[{"stream":{"app":"t"},"values":[${records.join(',')}]}]}`),
    };
    return createHttpDrain(options, context, { encode, framing, gzip: false });
  },
});

/** An HTTP receiver that answers each request with the next status of `statuses` (the last one for ever after). */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: { status: number; values: string[] }[]; server: Server }> {
  const bodies: { status: number; values: string[] }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = statuses[Math.min(bodies.length, statuses.length - 1)];
      const values = JSON.parse(Buffer.concat(chunks).toString()).streams[0].values.map((v: string[]) => v[1]);
      bodies.push({ status, values });
      response.writeHead(status).end(status === 503 ? 'busy' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`, bodies, server };
}
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function create(table: Record<string, unknown>) {
  const { options, problems } = applySchema(pushOutput.schema, { batch_interval: '50ms', backoff_initial: '50ms', backoff_max: '100ms', ...table });
  expect(problems).toEqual([]);
  const context = testContext('outputs.push');
  return { output: pushOutput.create(options, context), context };
}

describe('a drain built on delivery/', () => {
  it('batches, retries a refused batch with the same records, and delivers every line once, in order', async () => {
    const peer = await receiver([503, 503, 204]);
    const { output, context } = create({ url: peer.url, batch_size: 20 });
    const lines = Array.from({ length: 50 }, (_, n) => `line ${n}`);
    for (const text of lines) output.write(line(text));
    const delivered = () => peer.bodies.filter((b) => b.status === 204).flatMap((b) => b.values);
    for (let i = 0; i < 200 && delivered().length < 50; i++) await sleep(50);
    await output.close(Date.now() + 3000);
    expect(delivered()).toEqual(lines);
    // The two refused requests carried the batch that was then taken.
    expect(peer.bodies[0].values).toEqual(peer.bodies[1].values);
    expect(peer.bodies[2].values).toEqual(peer.bodies[0].values);
    expect(peer.bodies.every((b) => b.values.length <= 20)).toBe(true);
    expect(output.stats!()).toMatchObject({ retries: 2, rejected: 0, lost: 0, confirmed: 50 });
    expect(context.reports.map((r) => r.text)).toContainEqual(
      expect.stringMatching(/^Error L13 \(delivery error\): outputs\.push: http:\/\/127\.0\.0\.1:\d+\/push answered HTTP 503: busy; retrying in/),
    );
  }, 30_000);

  it('drops a batch after max_retries and says how many messages it dropped and why', async () => {
    const peer = await receiver([503]);
    const { output, context } = create({ url: peer.url, batch_size: 10, max_retries: 1 });
    for (let n = 0; n < 10; n++) output.write(line(`line ${n}`));
    for (let i = 0; i < 200 && peer.bodies.length < 2; i++) await sleep(50);
    await sleep(200);
    await output.close(Date.now() + 2000);
    expect(peer.bodies).toHaveLength(2);
    expect(output.stats!()).toMatchObject({ rejected: 10 });
    expect(context.reports.map((r) => r.text)).toContainEqual(
      expect.stringMatching(/^Error L13 \(delivery error\): outputs\.push dropped 10 messages after 1 retries: .*HTTP 503: busy$/),
    );
  }, 30_000);

  it('counts and reports a batch the receiver refuses for good (HTTP 400) without retrying it', async () => {
    const peer = await receiver([400, 204]);
    const { output, context } = create({ url: peer.url, batch_size: 10 });
    for (let n = 0; n < 10; n++) output.write(line(`line ${n}`));
    for (let i = 0; i < 200 && peer.bodies.length < 1; i++) await sleep(50);
    await output.close(Date.now() + 2000);
    expect(peer.bodies).toHaveLength(1);
    expect(output.stats!()).toMatchObject({ rejected: 10, retries: 0 });
    expect(context.reports.map((r) => r.text)).toContainEqual(
      expect.stringMatching(/^Error L13 \(delivery error\): outputs\.push dropped 10 messages: .* refused the batch with HTTP 400 \(not retried: /),
    );
  }, 30_000);

  it('takes the buffer and TLS options, checked as every drain checks them', () => {
    const problems = (table: Record<string, unknown>) => {
      const { options, problems } = applySchema(pushOutput.schema, table);
      return [...problems, ...pushOutput.check!(options)].map((p) => p.message);
    };
    expect(problems({ url: 'http://x.example/', ca_file: 'ca.pem' })).toEqual([
      'option "ca_file" applies to https:// URLs only, and url is "http://x.example/"',
    ]);
    expect(problems({ url: 'https://x.example/', key_file: 'k.pem' })).toEqual(['options "cert_file" and "key_file" go together: set both or neither']);
    expect(problems({ url: 'https://x.example/', buffer: { type: 'tape' } })).toEqual([
      'option "buffer.type" must be one of "memory", "disk", got string "tape"',
    ]);
  });
});
