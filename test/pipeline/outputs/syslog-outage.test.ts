// The receiver goes away for 5 s in the middle of a 100,000-line burst: a disk buffer loses nothing, a memory
// buffer loses exactly what it reports.
import { describe, expect, it } from 'vitest';
import { applySchema } from '../../../src/config/schema';
import type { Output } from '../../../src/pipeline/component';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { tempDir } from '../../helpers';
import { line, parseRfc5424, sleep, SyslogNg, testContext } from './peers';

const TOTAL = 100_000;
const PAD = 'x'.repeat(60);

function create(table: Record<string, unknown>) {
  const { options, problems } = applySchema(syslogOutput.schema, { backoff_initial: '100ms', backoff_max: '500ms', ...table });
  expect(problems).toEqual([]);
  const context = testContext('outputs.papertrail');
  return { output: syslogOutput.create(options, context), context };
}

/** Writes TOTAL numbered lines, 2,000 every 100 ms, honouring backpressure; stops the server for 5 s after 1 s. */
async function burstWithOutage(output: Output, server: SyslogNg): Promise<void> {
  const started = Date.now();
  const outage = (async () => {
    await sleep(1000);
    await server.stop();
    await sleep(5000);
    await server.resume();
  })();
  for (let n = 0; n < TOTAL; ) {
    for (const end = n + 2000; n < end; n++) {
      if (!output.write(line(`line ${n} ${PAD}`))) await output.drained();
    }
    await sleep(Math.max(0, started + (n / 2000) * 100 - Date.now()));
  }
  await outage;
}

/** Numbers of the received lines, in arrival order. */
function received(server: SyslogNg): number[] {
  return server.lines().map((l) => Number(/^line (\d+) /.exec(parseRfc5424(l).msg)![1]));
}

/** Duplicates, and whether the first arrival of each number comes in order. */
function analyse(numbers: number[]) {
  const seen = new Set<number>();
  let duplicates = 0;
  let inOrder = true;
  let last = -1;
  for (const n of numbers) {
    if (seen.has(n)) {
      duplicates++;
      continue;
    }
    seen.add(n);
    if (n < last) inOrder = false;
    last = n;
  }
  return { unique: seen.size, duplicates, inOrder, seen };
}

describe('syslog output through a receiver outage', () => {
  it('with a disk buffer, delivers every line in order', async () => {
    const server = await SyslogNg.start('tcp');
    const { output, context } = create({
      url: `syslog+tcp://127.0.0.1:${server.port}`,
      buffer: { type: 'disk', path: tempDir(), max_size: '64MB', when_full: 'block' },
    });
    await burstWithOutage(output, server);
    await output.close(Date.now() + 15_000);
    await server.waitFor(TOTAL, 15_000, 500);
    const { unique, duplicates, inOrder } = analyse(received(server));
    console.log(`disk buffer: ${unique} unique lines, ${duplicates} duplicates resent across the reconnect`, output.stats!());
    expect(unique).toBe(TOTAL);
    expect(inOrder).toBe(true);
    expect(output.stats!()).toMatchObject({ dropped: 0, lost: 0, buffered: 0 });
    expect(context.reports.some((r) => /^Error L13 \(delivery error\): outputs\.papertrail: .*retrying in/.test(r.text))).toBe(true);
  }, 60_000);

  it('with a small memory buffer and drop_newest, reports exactly the lines that are missing', async () => {
    const server = await SyslogNg.start('tcp');
    const { output, context } = create({
      url: `syslog+tcp://127.0.0.1:${server.port}`,
      buffer: { type: 'memory', max_events: 5000, when_full: 'drop_newest' },
    });
    await burstWithOutage(output, server);
    await output.close(Date.now() + 15_000);
    await server.waitFor(TOTAL, 3000, 500);
    const { unique, duplicates, inOrder } = analyse(received(server));
    const reported = context.reports
      .map((r) => /dropped (\d+) messages \(memory buffer full, when_full=drop_newest\)/.exec(r.text))
      .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
    console.log(`memory buffer: ${unique} unique lines, ${duplicates} duplicates, ${TOTAL - unique} missing, ${reported} reported dropped`);
    expect(TOTAL - unique).toBeGreaterThan(50_000); // the outage really overflowed the buffer
    expect(reported).toBe(TOTAL - unique);
    expect(output.stats!()).toMatchObject({ dropped: reported, lost: 0 });
    expect(inOrder).toBe(true);
  }, 60_000);
});
