// Build (issue 6): `bin/compile BUILD CACHE ENV_DIR` of fixtures/apps/demo with the Node.js runtime already
// in the build cache, and how much the slug grows apart from that runtime.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../lib/peers.mjs';
import { goal, median } from '../lib/stats.mjs';

const APP = join(ROOT, 'fixtures', 'apps', 'demo');
const NOT_A_BUILDPACK = 'not a buildpack';
const GOALS = ['compile with the runtime cached under 2 s (issue 6)', 'slug grows by under 1 MB apart from the runtime (issue 6)'];
const pending = (why) => ({ pending: why, goals: GOALS.map((text) => ({ text, met: null, detail: 'pending' })) });

/** Bytes under a directory (files and symlinks themselves, as a slug archive would hold them). */
function treeBytes(dir) {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : lstatSync(path).size;
  }
  return total;
}

/**
 * Puts this machine's node into CACHE in the layout node-install.sh reuses (bin/node plus a .drover-node
 * marker with the inventory's sha256), so "runtime cached" needs no download from nodejs.org.
 */
function seedCache(cache) {
  const toml = readFileSync(join(ROOT, 'buildpack.toml'), 'utf8');
  const want = arch() === 'arm64' ? 'arm64' : 'amd64';
  const entry = toml
    .split('[[metadata.dependencies]]')
    .slice(1)
    .find((block) => /id\s*=\s*"node"/.test(block) && new RegExp(`arch\\s*=\\s*"${want}"`).test(block));
  const field = (name) => new RegExp(`${name}\\s*=\\s*"([^"]+)"`).exec(entry ?? '')?.[1];
  if (!field('sha256')) return false;
  const dir = join(cache, 'drover', 'node');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(process.execPath, join(dir, 'bin', 'node'));
  writeFileSync(join(dir, '.drover-node'), `version=${field('version')}\nurl=${field('uri')}\nsha256=${field('sha256')}\n`);
  return true;
}

function compile(build, cache, envDir) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let output = '';
    const child = spawn(join(ROOT, 'bin', 'compile'), [build, cache, envDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`bin/compile exited ${code}: ${output.trim().split('\n').slice(-3).join(' ')}`)),
    );
  });
}

/** Compile time with the runtime cached, and the slug's growth without the runtime. */
export const buildWorkload = {
  id: 'build',
  title: 'Build: bin/compile of the demo app, runtime cached',
  async run(ctx) {
    if (!existsSync(join(ROOT, 'bin', 'compile')) || !existsSync(join(ROOT, 'lib', 'buildpack.js')))
      return pending('bin/compile or lib/buildpack.js does not exist yet');
    if (!existsSync(APP)) return pending('fixtures/apps/demo does not exist yet');
    const cache = join(ctx.tmp, 'build-cache');
    const envDir = join(ctx.tmp, 'build-env');
    mkdirSync(envDir, { recursive: true });
    const seeded = seedCache(cache);
    const compileTool = {
      name: 'drover',
      prepare: (job) => ({ cmd: join(ROOT, 'bin', 'compile'), args: [job.build, cache, envDir] }),
    };
    const result = await ctx.series({
      tools: [compileTool],
      prepareJob(dir) {
        const build = join(dir, 'build');
        cpSync(APP, build, { recursive: true });
        return { dir, build };
      },
      async measure(_spec, job) {
        const before = treeBytes(job.build);
        const seconds = await compile(job.build, cache, envDir);
        const grown = treeBytes(job.build) - before - treeBytes(join(job.build, '.drover', 'node'));
        return { time: seconds, slug: grown / 1024 };
      },
    });
    for (const peer of ['supervisord', 'node-foreman', 'concurrently', 'pm2']) result.na[peer] = NOT_A_BUILDPACK;
    return {
      ...result,
      description: `\`bin/compile BUILD CACHE ENV_DIR\` on a fresh copy of fixtures/apps/demo each run, CACHE kept between runs${seeded ? " and seeded with this machine's node in the layout node-install.sh reuses (no download)" : ''}. Slug growth: bytes added to BUILD, minus .drover/node.`,
      metrics: [
        { key: 'time', label: 'compile (s)', digits: 2, better: 'lower' },
        { key: 'slug', label: 'slug growth without runtime (KiB)', digits: 0, better: 'lower' },
      ],
      goals: [
        goal(
          GOALS[0],
          median(result.samples.time?.drover ?? []),
          (x) => x < 2,
          (x) => `${x.toFixed(2)} s`,
        ),
        goal(
          GOALS[1],
          median(result.samples.slug?.drover ?? []),
          (x) => x * 1024 < 1_000_000,
          (x) => `${x.toFixed(0)} KiB`,
        ),
      ],
    };
  },
};
