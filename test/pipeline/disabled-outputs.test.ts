// An output drover cannot make at start is disabled, and said to be every repeatMs; the others work on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline/pipeline';
import { applySchema } from '../../src/config/schema';
import { syslogOutput } from '../../src/pipeline/outputs/syslog';
import { fileOutput } from '../../src/pipeline/outputs/file';
import type { ComponentConfig } from '../../src/config/load';
import { tempDir } from '../helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const origin = { file: 'drover/100.toml', line: 1 };

function output(name: string, definition: typeof syslogOutput | typeof fileOutput, table: Record<string, unknown>, required = false): ComponentConfig {
  const { options, problems } = applySchema(definition.schema, table);
  expect(problems).toEqual([]);
  return { kind: 'outputs', name, type: definition.type, match: 'TRUE', origin, options, ...(required ? { required } : {}) };
}

describe('disabled outputs', () => {
  it('says what is wrong at start and again every repeatMs, in drover status too, while the other outputs work', async () => {
    const dir = tempDir();
    const log = join(dir, 'all.log');
    const tls = output('tls', syslogOutput, { url: 'syslog+tls://127.0.0.1:6514', ca_file: join(dir, 'missing.pem') });
    const pipeline = new Pipeline(
      {
        decoders: [],
        filters: [],
        outputs: [output('file', fileOutput, { path: log, format: 'raw' }), tls],
        disabled: [
          {
            name: 'papertrail',
            origin,
            problems: [
              {
                file: 'drover/100.toml',
                line: 3,
                component: 'outputs.papertrail',
                message: 'option "url" uses ${PAPERTRAIL_URL}, which is not set',
                hint: 'set it as a config var',
              },
            ],
          },
        ],
      },
      { env: {}, hostname: 'h', onPlatform: false, isTTY: false, repeatMs: 150 },
    );
    pipeline.internal('app line', 'web.1');
    await sleep(400);
    expect(pipeline.stats()).toMatchObject({
      'outputs.papertrail': { state: 'disabled', error: expect.stringContaining('PAPERTRAIL_URL') },
      'outputs.tls': { state: 'disabled', error: expect.stringContaining('missing.pem') },
    });
    await pipeline.close(Date.now() + 1000);
    expect(existsSync(log)).toBe(true);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toContain('app line');
    const said = lines.filter((l) =>
      l.startsWith(
        'Error: outputs.papertrail is disabled, its lines go nowhere: option "url" uses ${PAPERTRAIL_URL}, which is not set (drover/100.toml:3); set it as a config var; then restart',
      ),
    );
    expect(said.length).toBeGreaterThanOrEqual(3); // at start, then every 150 ms
    expect(
      lines.filter((l) => l.startsWith('Error: outputs.tls is disabled, its lines go nowhere: option "ca_file": cannot read')).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('refuses to build the pipeline when the output has required = true', () => {
    const dir = tempDir();
    const tls = output('tls', syslogOutput, { url: 'syslog+tls://127.0.0.1:6514', ca_file: join(dir, 'missing.pem') }, true);
    expect(() => new Pipeline({ decoders: [], filters: [], outputs: [tls] }, { env: {}, hostname: 'h', onPlatform: false, isTTY: false })).toThrow(
      /^\[outputs\.tls\] \(drover\/100\.toml:1\) option "ca_file": cannot read .*required = true, so drover does not run without it$/,
    );
  });
});
