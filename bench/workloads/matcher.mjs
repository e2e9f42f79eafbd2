// Matcher and regex speed (issue 17): lines per second of a typical rule, a regex-heavy rule and the regex
// decoder, with drover's choice of V8 engine per pattern beside each engine alone (and re2-wasm when installed).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../lib/peers.mjs';
import { goal, median } from '../lib/stats.mjs';
import { watPlugin } from '../../scripts/wat.mjs';

const ENGINES = [
  { name: 'drover', engine: 'drover' },
  { name: 'V8 backtracking alone (not linear)', engine: 'backtracking' },
  { name: 'V8 linear engine alone', engine: 'linear' },
  {
    name: 're2-wasm',
    engine: 're2-wasm',
    na: () => (existsSync(join(ROOT, 'node_modules', 're2-wasm')) ? undefined : 'not installed: npm i --no-save re2-wasm'),
  },
];

export const matcherWorkload = {
  id: 'matcher',
  title: 'Matcher and regex decoder, lines/s in one process',
  async run(ctx) {
    const child = join(ctx.tmp, 'matcher-child.mjs');
    await build({
      entryPoints: [join(ROOT, 'bench/children/matcher-child.ts')],
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'esm',
      outfile: child,
      external: ['re2-wasm'],
      logLevel: 'warning',
      plugins: [watPlugin()],
    });
    const seconds = ctx.quick ? 0.2 : 1;
    const result = await ctx.series({
      tools: ENGINES.map((e) => ({ name: e.name, prepare: () => ({ engine: e.engine, na: e.na?.() }) })),
      prepareJob: (dir) => ({ dir }),
      measure(spec) {
        const out = execFileSync(process.execPath, [child, spec.engine, String(seconds)], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
        return JSON.parse(out.trim().split('\n').pop());
      },
    });
    const typical = median(result.samples.typical?.drover ?? []);
    return {
      ...result,
      description: [
        '10,000 access-log lines (about 110 bytes, four loggers, a quarter at debug) matched in a loop for 1 s per rule and engine, each run in a fresh process.',
        '**typical**: `Logger =~ /^web/ && Fields[level] != \'debug\'`. **regex-heavy**: `Payload =~ /"(GET|POST) \\/api\\/[a-z]+\\/\\d+ HTTP\\/1\\.[01]" 5\\d\\d /` (unanchored, but no repetition takes the `"` it starts with and each ends where the next part starts: the fast engine). **decoder**: the regex decoder\'s example, an nginx access-log pattern with six named groups written so that each repetition ends where the next part starts (`(?<path>[^ "]+)(?: [^"]*)?"`): the fast engine. **ambiguous decoder**: the same with the common `(?<path>\\S+)[^"]*"`, which can split a path two ways: the linear engine.',
        "The engine rows run the same translated patterns on one V8 engine: backtracking alone is fast but not linear (V8's fallback after 50,000 backtracks did not bound `(?:a?){20}a{20}b` on 200 a's: 21.6 s), which is why drover keeps it for patterns that are linear by construction. re2-wasm (Google's RE2 compiled to WebAssembly, measured when installed) is slower here, as each line is copied into its memory, and would add 1.1 MB to the slug: drover uses V8's two engines.",
      ].join(' '),
      metrics: [
        { key: 'typical', label: 'typical rule (lines/s)', digits: 0, better: 'higher' },
        { key: 'heavy', label: 'regex-heavy rule (lines/s)', digits: 0, better: 'higher' },
        { key: 'decoder', label: 'regex decoder (lines/s)', digits: 0, better: 'higher' },
        { key: 'ambiguous', label: 'ambiguous decoder (lines/s)', digits: 0, better: 'higher' },
      ],
      goals: [
        goal(
          'matcher: typical rule at least 10,000,000 lines/s (issue 17)',
          typical,
          (x) => x >= 10_000_000,
          (x) => `${Math.round(x).toLocaleString('en-US')} lines/s`,
        ),
      ],
    };
  },
};
