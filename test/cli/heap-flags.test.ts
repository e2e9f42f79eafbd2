// bin/drover keeps the supervisor's young generation at 2 x 1 MiB without a V8 flag on the command line of Node.js 18
// to 22: such a flag makes them refuse the code cache of their own modules, which then compile at every start.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** Node.js binaries to test with: the one running the tests, and those listed in DROVER_TEST_NODES (.ci/run fetches 18, 22.12, 24). */
const NODES = [process.execPath, ...(process.env.DROVER_TEST_NODES ?? '').split(':').filter(Boolean)];

// Preloaded into drover's node (NODE_OPTIONS; the app is `sleep`): once drover has started, allocates as a busy
// supervisor does (short-lived objects, some surviving a scavenge) and reports the young generation's size.
const PROBE = `
if (/lib[\\\\/]drover\\.js$/.test(process.argv[1] || '')) {
  setTimeout(() => {
    const v8 = require('v8');
    const sizes = [];
    let keep = [];
    for (let i = 0; i < 3e6; i++) {
      keep.push({ i, s: 'line ' + i });
      if (keep.length > 200000) keep = [];
      if (i % 30000 === 0) sizes.push(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    sizes.sort((a, b) => a - b);
    const young = { median: sizes[sizes.length >> 1], max: sizes[sizes.length - 1] };
    const fs = require('fs');
    fs.writeFileSync(process.env.PROBE_OUT + '.tmp', JSON.stringify({ young, execArgv: process.execArgv }));
    fs.renameSync(process.env.PROBE_OUT + '.tmp', process.env.PROBE_OUT);
  }, 1500).unref();
}
`;

describe('the supervisor heap', () => {
  it.each(NODES)(
    'young generation at most 2 x 1 MiB under allocation, with no V8 flag on the command line (%s)',
    async (node) => {
      const app = tempDir({ Procfile: 'web: echo started; exec sleep 1000\n', 'probe.cjs': PROBE });
      const out = join(app, 'probe.json');
      const child = startDrover(app, [], { DROVER_NODE: node, NODE_OPTIONS: `--require ${join(app, 'probe.cjs')}`, PROBE_OUT: out });
      try {
        await waitForLine(child, /started/, 30_000);
        for (const until = Date.now() + 30_000; !existsSync(out) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
        const { young, execArgv } = JSON.parse(readFileSync(out, 'utf8')) as {
          young: { median: number; max: number };
          execArgv: string[];
        };
        // V8's default lets it grow to 2 x 16 MiB (Node.js 24: 2 x 64 MiB) under this load. Node.js 24's V8 holds
        // 2 x 1 MiB too but now and then reports a few MiB more for one sample (seen: up to 9 MiB), so the
        // median is held to the limit and the largest sample to half the smallest default.
        expect(young.median).toBeLessThanOrEqual(2 * 1024 * 1024);
        expect(young.max).toBeLessThanOrEqual(16 * 1024 * 1024);
        // Only Node.js options: a V8 flag here costs Node.js 18 to 22 their modules' cache. Node.js 24 does not count
        // --max-semi-space-size, and gets it (the shim knows the version of a $DROVER_NODE).
        const major = Number(execFileSync(node, ['--version'], { encoding: 'utf8' }).slice(1).split('.')[0]);
        const v8Flags = execArgv.filter((a) => a.startsWith('-') && !/^--(inspect-port=|require$)/.test(a));
        expect(v8Flags).toEqual(major >= 24 ? ['--max-semi-space-size=1'] : []);
      } finally {
        child.kill('SIGTERM');
        await child;
      }
    },
    90_000,
  );
});
