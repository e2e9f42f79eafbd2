// Passthrough throughput (issue 4): a child cats 2,000,000 lines of ~100 bytes as fast as it can; the tool
// passes them to its stdout, a pipe read by `grep -F -q` (as fast as `cat > /dev/null`, and it stops at the
// sentinel, so tools that never exit on their own — pm2 — are timed the same way). Peak RSS comes along.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jsonFile, lineCount, plainFile, SENTINEL } from '../lib/data.mjs';
import { TOOLS } from '../lib/peers.mjs';
import { closeQuietly, fifoPath, memoryOf, realPipe, spawnTool, stderrNote, stopTool, watchLines } from '../lib/proc.mjs';
import { goal, median, pairedRatio } from '../lib/stats.mjs';

const TIMEOUT_MS = 120_000;

// grep -F -q on a FIFO: as fast a reader as `cat > /dev/null`, and it exits at the sentinel.
function grepReader(dir) {
  const sink = fifoPath(dir);
  const reader = spawn('grep', ['-m1', '-F', '-q', SENTINEL, sink], { stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
  const readerDone = new Promise((resolve) => reader.on('exit', () => resolve(performance.now())));
  const fd = openSync(sink, 'w'); // blocks until grep has opened its end, which it does at once
  return { fd, readerDone, stopReader: () => reader.kill('SIGKILL') };
}

// The bench reading the pipe itself, counting lines that match pattern until the sentinel.
function countingReader(dir, pattern) {
  const pipe = realPipe(dir);
  const re = new RegExp(pattern);
  let n = 0;
  const readerDone = new Promise((resolve) =>
    watchLines(pipe.stream, (line, now) => {
      if (line.includes(SENTINEL)) resolve(now);
      else if (re.test(line)) n++;
    }),
  );
  return { fd: pipe.writeFd, readerDone, counted: () => n, stopReader: () => pipe.stream.destroy() };
}

/**
 * Runs one tool over the input once: { time (s), peak (MiB of the supervisor process, not its children) }.
 * With check = { pattern, expected }, the bench itself reads the pipe and counts the app's lines up to the
 * sentinel (slower than grep, so only in warm-up and --quick runs): a tool that loses lines fails that run.
 */
export async function pipeRun(spec, tool, check) {
  const { fd, readerDone, counted, stopReader } = check ? countingReader(spec.cwd, check.pattern) : grepReader(spec.cwd);
  const started = performance.now();
  const child = spawnTool(spec, fd);
  closeQuietly(fd);
  let peak = 0;
  const poll = setInterval(() => {
    peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
  }, 20);
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`no ${SENTINEL} within ${TIMEOUT_MS / 1000} s${stderrNote(child)}`)), TIMEOUT_MS).unref(),
  );
  const early = child.exited.then(async ({ code }) => {
    await new Promise((r) => setTimeout(r, 500));
    throw new Error(`exited ${code} before the sentinel arrived${counted ? ` (${counted()} of ${check.expected} lines had arrived)` : ''}${stderrNote(child)}`);
  });
  try {
    const ended = await Promise.race([readerDone, timeout, early]);
    peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
    if (check && counted() !== check.expected) throw new Error(`delivered ${counted()} of ${check.expected} lines before the last one`);
    return tool.name === TOOLS.cat.name ? { time: (ended - started) / 1000 } : { time: (ended - started) / 1000, peak };
  } finally {
    clearInterval(poll);
    early.catch(() => {});
    stopReader();
    await stopTool(child);
  }
}

/** The raw default goes through the pipeline; this row measures the opt-in where the child writes to the pipe itself. */
const DIRECT = 'drover, direct output (opt-in)';
const droverDirect = { name: DIRECT, prepare: (job) => TOOLS.drover.prepare({ ...job, outputs: '[supervisor]\ndirect_output = true\n\n' }) };

const VARIANTS = {
  raw: {
    title: 'Passthrough, raw format',
    tools: ['cat', 'nodePipe', 'drover', droverDirect, 'supervisord', 'foreman', 'concurrently', 'pm2'],
    file: plainFile,
    pattern: ' line [0-9]',
    expected: (n) => n,
    goals: (r) => [
      goal(
        "raw, the default (one instance, through the pipeline): at most 1.5 × the time of `cat | cat`, drover's start-up included (issue 22)",
        pairedRatio(r.time?.drover, r.time?.['cat | cat']),
        (x) => x <= 1.5,
        (x) => `${x.toFixed(2)} ×`,
      ),
      goal(
        'raw, the default: at least 6 × faster than supervisord (issue 22)',
        pairedRatio(r.time?.supervisord, r.time?.drover),
        (x) => x >= 6.0,
        (x) => `${x.toFixed(2)} × faster`,
      ),
      goal(
        'raw with direct output (opt-in): at most 1.5 × the time of `cat | cat` (issue 22)',
        pairedRatio(r.time?.[DIRECT], r.time?.['cat | cat']),
        (x) => x <= 1.5,
        (x) => `${x.toFixed(2)} ×`,
      ),
      goal(
        'raw with direct output (opt-in): at least 6 × faster than supervisord (issue 22)',
        pairedRatio(r.time?.supervisord, r.time?.[DIRECT]),
        (x) => x >= 6.0,
        (x) => `${x.toFixed(2)} × faster`,
      ),
    ],
  },
  prefixed: {
    title: 'Passthrough, heroku format (peers: their own per-line prefix)',
    tools: ['cat', 'drover', 'supervisord', 'foreman', 'concurrently', 'pm2'],
    file: plainFile,
    pattern: ' line [0-9]',
    expected: (n) => n,
    goals: (r) => [
      goal(
        'heroku: at most 3.0 × the time of `cat | cat` (issue 4)',
        pairedRatio(r.time?.drover, r.time?.['cat | cat']),
        (x) => x <= 3.0,
        (x) => `${x.toFixed(2)} ×`,
      ),
      goal(
        'heroku: at most 2.0 × the time of `cat | cat` (issue 22)',
        pairedRatio(r.time?.drover, r.time?.['cat | cat']),
        (x) => x <= 2.0,
        (x) => `${x.toFixed(2)} ×`,
      ),
    ],
  },
  json: {
    title: 'Passthrough, json decode → drop debug → logfmt',
    tools: ['cat', 'drover', 'supervisord', 'foreman', 'concurrently', 'pm2'],
    file: jsonFile,
    pattern: 'request handled',
    expected: (n) => n - Math.ceil(n / 4), // every fourth line is debug and dropped
    goals: (r, lines) => [
      goal(
        'json → drop debug → logfmt: at least 500,000 lines/s (issue 4)',
        lines / median(r.time?.drover ?? []),
        (x) => x >= 500_000,
        (x) => `${Math.round(x).toLocaleString('en-US')} lines/s`,
      ),
      goal(
        'json → drop debug → logfmt: at least 1,200,000 lines/s (issue 22)',
        lines / median(r.time?.drover ?? []),
        (x) => x >= 1_200_000,
        (x) => `${Math.round(x).toLocaleString('en-US')} lines/s`,
      ),
    ],
  },
};

/** The three passthrough workloads, one per output format. */
export function passthroughWorkloads() {
  return Object.entries(VARIANTS).map(([format, v]) => ({
    id: `passthrough-${format}`,
    title: v.title,
    async run(ctx) {
      const input = v.file(ctx);
      const lines = lineCount(ctx);
      const result = await ctx.series({
        tools: v.tools.map((t) => (typeof t === 'string' ? TOOLS[t] : t)),
        prepareJob(dir) {
          const script = join(dir, 'child.sh');
          writeFileSync(script, `exec cat ${input}\n`);
          return { dir, script, count: 1, format, restart: false };
        },
        measure: (spec, _job, tool, run) =>
          pipeRun(spec, tool, (run < 0 || ctx.quick) && tool !== TOOLS.cat ? { pattern: v.pattern, expected: v.expected(lines) } : undefined),
      });
      const name = format === 'prefixed' ? 'heroku' : format;
      const peakGoals = [80, 64].map((limit) =>
        goal(
          `${name}: peak RSS of the supervisor under ${limit} MiB (issue ${limit === 80 ? 4 : 22})`,
          median(result.samples.peak?.drover ?? []),
          (x) => x < limit,
          (x) => `${x.toFixed(1)} MiB`,
        ),
      );
      return {
        ...result,
        description: `${lines.toLocaleString('en-US')} lines of ~100 bytes from \`cat\` in one child, through the tool, into a pipe read by \`grep -F -q\` (as fast as \`cat > /dev/null\`). Time until the last line reaches the reader. The warm-up run (and --quick) reads the pipe in the bench instead, a slower reader, and checks every line arrived.${format === 'raw' ? ` "drover" is the default for one instance with raw output, through the pipeline; "${DIRECT}" is the same with \`[supervisor] direct_output = true\`, where the child writes straight to the pipe.` : ''}`,
        metrics: [
          { key: 'time', label: 'time (s)', digits: 3, better: 'lower', extra: { label: 'lines/s', of: (t) => lines / t } },
          { key: 'peak', label: 'peak RSS (MiB)', digits: 1, better: 'lower' },
        ],
        goals: [...v.goals(result.samples, lines), ...peakGoals],
      };
    },
  }));
}
