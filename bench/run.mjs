#!/usr/bin/env node
// `npm run bench`: every workload against its peers, then BENCHMARKS.md. Options:
//   --quick        one run per tool, no warm-up, a tenth of the data (the test uses it)
//   --no-write     print the report instead of rewriting BENCHMARKS.md
//   --only a,b     only the workloads whose id starts with one of these (e.g. --only passthrough,startup)
//   --runs N       measured runs per tool (default 5, after one warm-up)
//   --short        the stress workload for 60 s instead of 10 minutes (it is skipped with --quick otherwise)
//   --stress-seconds N  the stress workload for N seconds
//   --load N       N busy processes (a shell loop each) run beside the whole bench: the ratio goals must hold on a
//                  busy machine too (issue 22)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT, peerVersions } from './lib/peers.mjs';
import { renderReport, workloadSection } from './lib/report.mjs';
import { series } from './lib/series.mjs';
import { passthroughWorkloads } from './workloads/passthrough.mjs';
import { latencyWorkload } from './workloads/latency.mjs';
import { startupWorkload } from './workloads/startup.mjs';
import { rssWorkload } from './workloads/rss.mjs';
import { restartWorkload } from './workloads/restart.mjs';
import { shutdownWorkload } from './workloads/shutdown.mjs';
import { syslogWorkload } from './workloads/syslog.mjs';
import { buildWorkload } from './workloads/build.mjs';
import { stressWorkload } from './workloads/stress.mjs';
import { matcherWorkload } from './workloads/matcher.mjs';
import { fileInputWorkload } from './workloads/file-input.mjs';
import { cpuWorkload } from './workloads/cpu.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const quick = flag('--quick');
const settings = { runs: Number(option('--runs') ?? (quick ? 1 : 5)), warmup: quick ? 0 : 1, scale: quick ? 0.1 : 1 };
const stressSeconds = option('--stress-seconds') !== undefined ? Number(option('--stress-seconds')) : flag('--short') ? 60 : undefined;
const only = option('--only')?.split(',');
const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

const all = [
  ...passthroughWorkloads(),
  latencyWorkload,
  startupWorkload,
  rssWorkload,
  restartWorkload,
  shutdownWorkload,
  syslogWorkload,
  fileInputWorkload,
  cpuWorkload,
  buildWorkload,
  stressWorkload,
  matcherWorkload,
];
const chosen = all.filter((w) => !only || only.some((o) => w.id.startsWith(o)));

const log = (line) => process.stderr.write(`${line}\n`);
const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-'));
const ctx = {
  ...settings,
  quick,
  stressSeconds,
  tmp,
  log,
  // Workloads call ctx.series({ tools, prepareJob, measure }); runs, warm-up and logging come from here.
  series: (options) => series({ runs: settings.runs, warmup: settings.warmup, tmp, log, ...options }),
};

// The commit measured, and whether lib/ (what bin/drover runs) differs from it.
function revision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'lib', 'bin', 'conf') ? ' with uncommitted changes in lib/, bin/ or conf/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// Background load: busy loops at the same priority as the tools, stopped when the bench ends.
const load = Array.from({ length: Number(option('--load') ?? 0) }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore', detached: false }));
if (load.length) log(`bench: ${load.length} busy process(es) run beside the bench (--load)`);

const started = performance.now();
const results = [];
let failed = false;
try {
  for (const w of chosen) {
    log(`bench: ${w.id}`);
    const t = performance.now();
    try {
      const result = await w.run(ctx);
      results.push({ id: w.id, title: w.title, ...result });
    } catch (error) {
      failed = true;
      log(`bench: ${w.id} failed: ${error.stack}`);
      results.push({ id: w.id, title: w.title, description: `The workload failed: ${error.message}`, metrics: [], samples: {}, na: {}, goals: [] });
    }
    log(`bench: ${w.id} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  for (const busy of load) busy.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}

const machine = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  cores: cpus().length,
  cpu: cpus()[0]?.model?.trim() ?? 'unknown CPU',
  memory: (totalmem() / 2 ** 30).toFixed(1),
  free: (freemem() / 2 ** 30).toFixed(1),
  os: `Linux ${release()}`,
  node: process.version,
  commit: revision(),
};
const report = renderReport({ machine, command, settings, versions: peerVersions(), workloads: results, seconds: (performance.now() - started) / 1000 });
if (flag('--no-write')) process.stdout.write(report);
else {
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), report);
  process.stdout.write(results.map(workloadSection).join('\n\n') + '\n\nWrote BENCHMARKS.md\n');
}
process.exitCode = failed ? 1 : 0;
