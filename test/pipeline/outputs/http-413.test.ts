// HTTP 413 (content too large) means the batch is too large, not wrong: it is split and sent again.
import { describe, expect, it } from 'vitest';
import { applySchema } from '../../../src/config/schema';
import { httpOutput } from '../../../src/pipeline/outputs/http';
import { line, sleep, testContext } from './peers';
import { limitedHttpReceiver } from './receivers';

function create(table: Record<string, unknown>) {
  const { options, problems } = applySchema(httpOutput.schema, { batch_interval: '50ms', backoff_initial: '50ms', backoff_max: '200ms', ...table });
  expect(problems).toEqual([]);
  const context = testContext('outputs.collector');
  return { output: httpOutput.create(options, context), context };
}

describe('http output and HTTP 413', () => {
  it('splits a batch the server finds too large until it takes the pieces; drops only a record too large alone, and says so', async () => {
    // At most 2,000 bytes a request: a batch of 100 lines of about 100 bytes is refused.
    const receiver = await limitedHttpReceiver(2000);
    const { output, context } = create({ url: receiver.url, format: 'ndjson', batch_size: 100 });
    const lines = Array.from({ length: 100 }, (_, n) => `line ${n} ${'x'.repeat(60)}`);
    lines.splice(50, 0, `huge ${'y'.repeat(5000)}`);
    for (const text of lines) output.write(line(text));
    const messages = () => receiver.bodies.flatMap((b) => b.toString().trimEnd().split('\n')).map((l) => JSON.parse(l).message as string);
    for (let i = 0; i < 200 && messages().length < 100; i++) await sleep(50);
    await output.close(Date.now() + 3000);
    // Every line but the huge one, once each, in order (it used to drop the whole batch).
    expect(messages()).toEqual(lines.filter((l) => !l.startsWith('huge')));
    expect(receiver.refused.length).toBeGreaterThan(0);
    expect(output.stats!()).toMatchObject({ rejected: 1, lost: 0 });
    const reports = context.reports.map((r) => r.text).filter((t) => t.includes('dropped'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^Error L13 \(delivery error\): outputs\.collector dropped 1 messages: http:\/\/127\.0\.0\.1:\d+\/logs answered HTTP 413 \(content too large\): Payload Too Large for a single message of \d+ bytes: it is larger than the drain accepts, even alone/,
    );
    expect(reports[0]).not.toMatch(/url|headers/);
  }, 30_000);
});
