// The prefixed format's name column, sized as foreman sizes it: from every process name at start.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceName } from '../../../src/pipeline/component';
import { createEncoder } from '../../../src/pipeline/formats/formats';
import { FdWriter } from '../../../src/pipeline/io/writer';
import { Message } from '../../../src/pipeline/message';
import { tempDir } from '../../helpers';

/** Encodes `messages` in the prefixed format for the formation `instances()`, and returns the lines written. */
async function prefixed(instances: () => readonly InstanceName[], messages: Message[]): Promise<string[]> {
  const file = join(tempDir(), 'out.log');
  const fd = openSync(file, 'w');
  const writer = new FdWriter(fd);
  const encoder = createEncoder('prefixed', { color: false, instances });
  for (const m of messages) encoder.message(m, writer);
  await writer.flush(Date.now() + 5000);
  closeSync(fd);
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}

const app = (logger: string, text: string) => new Message(Buffer.from(text), logger, 'stdout', 7, 'host');

describe('prefixed format', () => {
  it('fits every instance of the formation from the first line, drover[NAME] included', async () => {
    const formation = [{ name: 'web.1' }, { name: 'background_worker.1' }];
    const lines = await prefixed(
      () => formation,
      [
        Message.internal('Starting process with command `web`', 'web.1'),
        app('web.1', 'hi from web'),
        Message.internal('Starting process with command `worker`', 'background_worker.1'),
        app('background_worker.1', 'hi from worker'),
        Message.internal('Stopping all processes with SIGTERM', 'supervisor'),
      ],
    );
    // `HH:MM:SS ` then the column, as wide as `drover[background_worker.1]` (27), then ` | `.
    for (const line of lines) expect(line.indexOf(' | '), line).toBe(9 + 27);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d drover\[web\.1\] {14} \| Starting/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d web\.1 {22} \| hi from web$/);
  });

  it("is foreman's 6 wide at least, and widens when the formation grows (a scale)", async () => {
    const formation = [{ name: '' }];
    let sent = 0;
    const lines = await prefixed(
      () => (sent++ < 1 ? formation : [{ name: 'web.1' }, { name: 'web.10' }]),
      [app('a', 'one'), new Message(Buffer.from('two'), 'b', 'stdout', 7, 'host', Date.now() + 1000)],
    );
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d a {6}\| one$/);
    expect(lines[1].indexOf(' | ')).toBe(9 + 'drover[web.10]'.length);
  });
});
