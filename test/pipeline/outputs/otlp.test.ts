import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { applySchema } from '../../../src/config/schema';
import { Message, SEVERITY } from '../../../src/pipeline/message';
import { otlpOutput } from '../../../src/pipeline/outputs/otlp';
import { killLeftovers, startDrover, tempDir, waitForLine } from '../../helpers';
import { line, sleep, testContext } from './peers';

// The official OpenTelemetry protos (opentelemetry-proto), as compiled by protobufjs in @opentelemetry/otlp-transformer.
const proto = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
const Request = proto.collector.logs.v1.ExportLogsServiceRequest;
const Response = proto.collector.logs.v1.ExportLogsServiceResponse;
const AS_OBJECT = { longs: String, enums: Number, defaults: false };

interface Received {
  headers: IncomingMessage['headers'];
  raw: Buffer;
  /** The request as decoded with the official definitions, 64-bit integers as strings. */
  request: any;
  status: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

/** An OTLP/HTTP receiver on loopback: `answer(n)` gives the status and body of the n-th answer (from 0). */
async function receiver(answer: (n: number, request: any) => { status: number; body?: Buffer | string; type?: string } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const s = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const wire = Buffer.concat(chunks);
      const raw = request.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
      const json = request.headers['content-type'] === 'application/json';
      // JSON is read with the same definitions: fromObject takes the OTLP JSON mapping (camelCase, int64 as strings).
      const message = json ? Request.fromObject(JSON.parse(raw.toString('utf8'))) : Request.decode(raw);
      const decoded = Request.toObject(message, AS_OBJECT);
      const { status, body, type } = answer(received.length, decoded);
      received.push({ headers: request.headers, raw, request: decoded, status });
      response.writeHead(status, { 'Content-Type': type ?? request.headers['content-type'] ?? 'application/x-protobuf' });
      response.end(body ?? (json ? '{}' : Buffer.alloc(0)));
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${(s.address() as { port: number }).port}/v1/logs` };
}

function create(table: Record<string, unknown>) {
  const { options, problems } = applySchema(otlpOutput.schema, { batch_interval: '50ms', backoff_initial: '50ms', backoff_max: '200ms', ...table });
  expect(problems).toEqual([]);
  const context = testContext('outputs.otel', { HEROKU_APP_NAME: 'shop' });
  return { output: otlpOutput.create(options, context), context };
}

const records = (r: Received): any[] => r.request.resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords));
const attributes = (list: any[]) => Object.fromEntries(list.map((kv) => [kv.key, kv.value]));
const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

/** One message per syslog severity, with fields of every type, one non-ASCII body and a time with a fraction of a millisecond. */
function messages() {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  return Object.values(SEVERITY).map((severity) => {
    const m = line(
      severity === 3 ? 'ünïcode ✓ line' : `line at ${severity}`,
      severity % 2 ? 'worker.2' : 'web.1',
      severity % 2 ? 'stderr' : 'stdout',
      t + severity,
    );
    m.severity = severity;
    m.fields = { user: 'ana', status: 503, delta: -7, ratio: 0.25, ok: true };
    return m;
  });
}

describe('otlp output', () => {
  for (const encoding of ['protobuf', 'json'] as const) {
    it(`sends ExportLogsServiceRequests in ${encoding} that the official definitions decode: fields, severities, resource, gzip`, async () => {
      const { received, url } = await receiver();
      const { output } = create({
        url,
        encoding,
        compression: 'gzip',
        headers: { Authorization: 'Bearer t0k' },
        resource: { 'service.name': 'shop-api', 'deployment.environment': 'production' },
      });
      const before = Date.now();
      for (const m of messages()) output.write(m);
      const fraction = line('fraction', 'web.1', 'stdout', 1767225600000.25);
      output.write(fraction);
      await output.close(Date.now() + 5000);

      expect(received).toHaveLength(1);
      expect(received[0].headers).toMatchObject({
        'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
        'content-encoding': 'gzip',
        authorization: 'Bearer t0k',
      });
      const [resourceLogs] = received[0].request.resourceLogs;
      expect(attributes(resourceLogs.resource.attributes)).toEqual({
        'service.name': { stringValue: 'shop-api' },
        'deployment.environment': { stringValue: 'production' },
        'host.name': { stringValue: 'testhost' },
      });
      expect(resourceLogs.scopeLogs[0].scope.name).toBe('drover');
      const logs = records(received[0]);
      expect(logs).toHaveLength(9);
      // The OpenTelemetry data model's table (Appendix B): emerg FATAL, alert ERROR3, crit ERROR2, err ERROR, warning WARN, notice INFO2, info INFO, debug DEBUG.
      expect(logs.slice(0, 8).map((r) => r.severityNumber)).toEqual([21, 19, 18, 17, 13, 10, 9, 5]);
      expect(logs.slice(0, 8).map((r) => r.severityText)).toEqual(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']);
      const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
      expect(logs[3]).toMatchObject({ timeUnixNano: nanos(t + 3), body: { stringValue: 'ünïcode ✓ line' } });
      expect(logs[4]).toMatchObject({ timeUnixNano: nanos(t + 4), body: { stringValue: 'line at 4' } });
      expect(attributes(logs[3].attributes)).toEqual({
        user: { stringValue: 'ana' },
        status: { intValue: '503' },
        delta: { intValue: '-7' },
        ratio: { doubleValue: 0.25 },
        ok: { boolValue: true },
        'process.instance': { stringValue: 'worker.2' },
        'log.iostream': { stringValue: 'stderr' },
      });
      expect(attributes(logs[4].attributes)['process.instance']).toEqual({ stringValue: 'web.1' });
      expect(logs[8].timeUnixNano).toBe('1767225600000250000');
      const observed = Number(BigInt(logs[0].observedTimeUnixNano) / 1_000_000n);
      expect(observed).toBeGreaterThanOrEqual(before);
      expect(observed).toBeLessThanOrEqual(Date.now());
    });
  }

  it('copies lines as read when they are valid UTF-8, and replaces invalid bytes (protobuf strings must be UTF-8)', async () => {
    const { received, url } = await receiver();
    const { output } = create({ url });
    // As the pipeline makes them: lines still in the chunk they were read in, not known to be ASCII.
    const chunk = Buffer.concat([Buffer.from('plain\nnaïve ✓\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes\n')]);
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; start = end + 1, end = chunk.indexOf(10, start))
      output.write(Message.fromChunk(chunk, start, end, 'web.1', 'stdout', 1, 'h', Date.now(), 'log'));
    await output.close(Date.now() + 5000);
    expect(records(received[0]).map((r) => r.body.stringValue)).toEqual(['plain', 'naïve ✓', 'bad \ufffd\ufffd bytes']);
  });

  it('defaults service.name to the app name and a bare URL to /v1/logs', async () => {
    const { received, url } = await receiver();
    const { output } = create({ url: url.replace('/v1/logs', '') });
    output.write(line('hello'));
    await output.close(Date.now() + 5000);
    expect(attributes(received[0].request.resourceLogs[0].resource.attributes)['service.name']).toEqual({ stringValue: 'shop' });
  });

  it('resends the same records after 503s, and each record arrives in exactly one accepted request', async () => {
    const { received, url } = await receiver((n) => ({ status: n < 3 ? 503 : 200, body: 'overloaded', type: 'text/plain' }));
    const { output, context } = create({ url, batch_size: 40 });
    for (let i = 0; i < 100; i++) output.write(line(`line ${i}`, 'web.1', 'stdout', Date.UTC(2026, 0, 2) + i));
    await output.close(Date.now() + 10_000);

    // The first batch was refused three times: four requests with the same bytes.
    expect(received.slice(0, 4).map((r) => r.raw.equals(received[0].raw))).toEqual([true, true, true, true]);
    const accepted = received.filter((r) => r.status === 200);
    expect(accepted.flatMap(records).map((r) => r.body.stringValue)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i}`));
    expect(output.stats!()).toMatchObject({ sent: 100, retries: 3, rejected: 0, lost: 0 });
    expect(context.reports.map((r) => r.text).join('\n')).toMatch(
      /^Error L13 \(delivery error\): outputs\.otel: http:\/\/127\.0\.0\.1:\d+\/v1\/logs answered HTTP 503: overloaded; retrying in/m,
    );
  });

  for (const encoding of ['protobuf', 'json'] as const) {
    it(`counts the records of a partial success (${encoding}) as dropped and reports the receiver's message`, async () => {
      const partial = Response.fromObject({ partialSuccess: { rejectedLogRecords: 2, errorMessage: 'timestamp too old' } });
      const body = encoding === 'json' ? JSON.stringify(Response.toObject(partial, { longs: String })) : Buffer.from(Response.encode(partial).finish());
      const { received, url } = await receiver(() => ({ status: 200, body }));
      const { output, context } = create({ url, encoding, batch_size: 5 });
      for (let i = 0; i < 5; i++) output.write(line(`line ${i}`));
      await output.close(Date.now() + 5000);
      expect(received).toHaveLength(1);
      expect(output.stats!()).toMatchObject({ sent: 5, rejected: 2, retries: 0 });
      expect(context.reports).toEqual([
        {
          text: expect.stringMatching(
            /^Error L13 \(delivery error\): outputs\.otel dropped 2 messages: http:\/\/127\.0\.0\.1:\d+\/v1\/logs rejected 2 of 5 log records \(partial success\): timestamp too old$/,
          ),
          severity: 3,
        },
      ]);
    });
  }

  it('reports a partial success that rejected nothing but carries a message as a warning', async () => {
    const partial = Response.encode(Response.fromObject({ partialSuccess: { errorMessage: 'attribute values truncated' } })).finish();
    const { url } = await receiver(() => ({ status: 200, body: Buffer.from(partial) }));
    const { output, context } = create({ url });
    output.write(line('one'));
    await output.close(Date.now() + 5000);
    expect(output.stats!()).toMatchObject({ sent: 1, rejected: 0 });
    expect(context.reports).toEqual([
      {
        text: expect.stringMatching(/outputs\.otel: http:\/\/127\.0\.0\.1:\d+\/v1\/logs took every record but warned: attribute values truncated$/),
        severity: SEVERITY.warning,
      },
    ]);
  });

  it('works as the issue writes it, through drover start: env in headers and resource, gzip, a disk buffer', async () => {
    const { received, url } = await receiver();
    const app = tempDir({
      Procfile: 'web: echo "hello from web"; echo "trouble" >&2; exec sleep 60\n',
      'drover/50-otel.toml': `[outputs.otel]
type = "otlp"
url = "${url}"
encoding = "protobuf"
headers = { Authorization = "Bearer \${OTEL_TOKEN}" }
resource = { "service.name" = "\${APP_NAME:-shop}", "deployment.environment" = "production" }
compression = "gzip"
match = "Type != 'drover'"
batch_interval = "100ms"
buffer = { type = "disk", max_size = "256MB", when_full = "block" }
`,
    });
    const child = startDrover(app, [], { OTEL_TOKEN: 's3cret', TMPDIR: tempDir() });
    try {
      await waitForLine(child, /hello from web/);
      for (let i = 0; i < 100 && received.flatMap(records).length < 2; i++) await sleep(100);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(killLeftovers()).toEqual([]);
    expect(received[0].headers).toMatchObject({ authorization: 'Bearer s3cret', 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf' });
    expect(attributes(received[0].request.resourceLogs[0].resource.attributes)).toMatchObject({
      'service.name': { stringValue: 'shop' },
      'deployment.environment': { stringValue: 'production' },
    });
    const logs = received.flatMap(records);
    expect(logs.map((r) => [r.body.stringValue, r.severityText, attributes(r.attributes)['log.iostream'].stringValue]).sort()).toEqual([
      ['hello from web', 'info', 'stdout'],
      ['trouble', 'err', 'stderr'],
    ]);
  }, 30_000);
});
