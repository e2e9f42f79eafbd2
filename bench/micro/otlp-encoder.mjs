#!/usr/bin/env node
// `node bench/micro/otlp-encoder.mjs`: drover's hand-written OTLP protobuf encoder against protobufjs (the static
// code @opentelemetry/otlp-transformer generates from the official protos), per message, on this machine.
// Why the otlp output has its own small encoder (issue 20: "a library or a small generated encoder: measure").
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'drover-otlp-bench-'));
try {
  // The encoder is TypeScript: bundle it (and Message) as the build does.
  const out = join(dir, 'encoder.cjs');
  await build({
    stdin: {
      contents: "export { Message } from './src/pipeline/message'; export { logRecordProtobuf } from './src/pipeline/formats/otlp-protobuf';",
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const { Message, logRecordProtobuf } = require(out);
  const LogRecord = require('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto.logs.v1.LogRecord;

  const text = 'GET /api/orders/12345 200 12ms user=ana request_id=9f8e7d6c-1234-4bcd-9876-abcdef012345';
  const chunk = Buffer.from(`${text}\n`);
  // As the pipeline makes them: a line in the chunk it was read in.
  const message = () => Message.fromChunk(chunk, 0, text.length, 'web.1', 'stdout', 42, 'host', Date.now(), 'log');
  const N = 300_000;
  const run = (name, encode) => {
    for (let i = 0; i < 20_000; i++) encode(message());
    const started = process.hrtime.bigint();
    for (let i = 0; i < N; i++) encode(message());
    const ns = Number(process.hrtime.bigint() - started) / N;
    console.log(`${name}: ${ns.toFixed(0)} ns a message (${Math.round(1e9 / ns).toLocaleString('en-US')} messages/s)`);
  };
  run('drover (hand-written)', (m) => logRecordProtobuf(m));
  run('protobufjs (otlp-transformer)', (m) => {
    const nanos = (BigInt(m.timestamp) * 1_000_000n).toString();
    return LogRecord.encode({
      timeUnixNano: nanos,
      observedTimeUnixNano: nanos,
      severityNumber: 9,
      severityText: 'info',
      body: { stringValue: m.payload },
      attributes: [
        { key: 'process.instance', value: { stringValue: m.logger } },
        { key: 'log.iostream', value: { stringValue: m.stream } },
      ],
    }).finish();
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
