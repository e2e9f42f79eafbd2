// A full output makes the pipeline wait for it once, not once per message it is still handed (issue 22: a
// promise chained per message kept thousands alive in the old generation until the output drained).
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline/pipeline';
import { applySchema } from '../../src/config/schema';
import { syslogOutput } from '../../src/pipeline/outputs/syslog';
import { jsonDecoder } from '../../src/pipeline/decoders/json';
import type { ComponentConfig } from '../../src/config/load';
import type { Output } from '../../src/pipeline/component';
import type { BlockSource } from '../../src/pipeline/formats/formats';

const origin = { file: 'drover/100.toml', line: 1 };
const source: BlockSource = { logger: 'web.1', stream: 'stdout', pid: 1, hostname: 'h', severity: 6, type: 'log' };

function component(kind: 'decoders' | 'outputs', definition: typeof syslogOutput | typeof jsonDecoder, table: Record<string, unknown>): ComponentConfig {
  const { options, problems } = applySchema(definition.schema, table);
  expect(problems).toEqual([]);
  return { kind, name: 'x', type: definition.type, match: 'TRUE', origin, options };
}

describe('a full output', () => {
  it('is waited for once while decoded messages keep coming to it', async () => {
    // A receiver that accepts and never reads: the drain's buffer (10 records, block) stays full.
    const server = createServer((socket) => socket.pause());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `syslog+tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pipeline = new Pipeline(
      {
        decoders: [component('decoders', jsonDecoder, {})],
        filters: [],
        outputs: [component('outputs', syslogOutput, { url, buffer: { type: 'memory', max_events: 10, when_full: 'block' } })],
      },
      { env: {}, hostname: 'h', onPlatform: false, isTTY: false },
    );
    const output = (pipeline as unknown as { outputs: { component: Output }[] }).outputs[0].component;
    let waits = 0;
    const drained = output.drained.bind(output);
    output.drained = () => {
      waits++;
      return drained();
    };
    const chunk = Buffer.from(Array.from({ length: 5000 }, (_, i) => `{"msg":"line ${i}"}\n`).join(''));
    pipeline.block(source, chunk, 0, chunk.length, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waits).toBe(1);
    await pipeline.close(Date.now() + 300);
    server.close();
  });
});
