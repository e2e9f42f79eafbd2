import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers';

describe('lib/', () => {
  it('holds exactly what `npm run build` makes from src/ (commit lib/ after every change)', async () => {
    const out = tempDir();
    await execa('node', [join(ROOT, 'scripts/build.mjs'), out], { cwd: ROOT });
    expect(readdirSync(out).sort()).toEqual(
      readdirSync(join(ROOT, 'lib'))
        .filter((name) => name.endsWith('.js'))
        .sort(),
    );
    for (const name of readdirSync(out)) {
      const committed = readFileSync(join(ROOT, 'lib', name), 'utf8');
      expect(committed === readFileSync(join(out, name), 'utf8'), `lib/${name} is stale: run npm run build`).toBe(true);
    }
  });

  it('has each module once: lib/drover-components.js uses the instance in lib/drover.js of every module that holds', async () => {
    const out = tempDir();
    const meta = join(tempDir(), 'held.json');
    await execa('node', [join(ROOT, 'scripts/build.mjs'), out, '--metafile', meta], { cwd: ROOT });
    const held = JSON.parse(readFileSync(meta, 'utf8')) as { drover: string[]; 'drover-components': string[]; 'drover-cron': string[]; shared: string[] };
    const core = new Set(held.drover);
    expect(held['drover-components'].filter((input) => core.has(input))).toEqual([]);
    expect(held['drover-cron'].filter((input) => core.has(input) || held['drover-components'].includes(input))).toEqual([]);
    // croner, which only a schedule needs, is alone in lib/drover-cron.js.
    expect(held['drover-cron']).toEqual(['node_modules/croner/dist/croner.cjs']);
    expect(held.drover.filter((input) => input.includes('croner'))).toEqual([]);
    // What both use is the core's: the table of sinks that drover's exit waits on, the classes of messages.
    expect(held.shared).toEqual(expect.arrayContaining(['src/pipeline/io/sinks.ts', 'src/pipeline/message.ts']));
    for (const input of held.shared) expect(core.has(input), input).toBe(true);
    expect(held['drover-components']).toEqual(expect.arrayContaining(held.shared.map((input) => `drover-core:${input}`)));
    // A default start needs none of the other component types, nor what only they use.
    const offPath = /^src\/pipeline\/(decoders|filters|delivery|buffers\/(disk|memory|queue)|inputs\/(?!inputs\.ts)|outputs\/(?!stdout\.ts))/;
    expect(held.drover.filter((input) => offPath.test(input))).toEqual([]);
    expect(held['drover-components']).toEqual(expect.arrayContaining(['src/pipeline/outputs/syslog.ts', 'src/pipeline/delivery/sender.ts']));
    // Each shared module's table entry is in lib/drover.js, which calls lib/drover-components.js with the table.
    const bundle = readFileSync(join(out, 'drover.js'), 'utf8');
    for (const input of held.shared) expect(bundle).toContain(`  ${JSON.stringify(input)}: `);
  });
});
