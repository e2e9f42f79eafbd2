// File input throughput (issue 19): a writer appends 2,000,000 lines of ~100 bytes to a file that the tool
// follows; time from the first append until the last line leaves the tool's stdout (a FIFO read by grep, as in
// the passthrough workloads), beside GNU `tail -F -n +1 FILE | cat` in the same runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lineCount, plainFile, SENTINEL } from '../lib/data.mjs';
import { ROOT } from '../lib/peers.mjs';
import { closeQuietly, fifoPath, memoryOf, spawnTool, stderrNote, stopTool } from '../lib/proc.mjs';
import { goal, median, pairedRatio } from '../lib/stats.mjs';

const TIMEOUT_MS = 120_000;
/** Time the tool gets to start and open the (empty) file before the writer begins. */
const SETTLE_MS = 1000;

const env = () => {
  const e = { ...process.env, NO_COLOR: '1' };
  for (const key of ['PORT', 'DYNO', 'VCAP_APPLICATION', 'CNB_LAYERS_DIR']) delete e[key];
  return e;
};

const droverTool = {
  name: 'drover',
  prepare({ dir, file }) {
    mkdirSync(join(dir, 'drover'), { recursive: true });
    writeFileSync(join(dir, 'Procfile'), 'web: exec sleep 600\n');
    writeFileSync(join(dir, 'drover', '100-bench.toml'), `[inputs.bench]\ntype = "file"\npaths = [${JSON.stringify(file)}]\nread_from = "beginning"\ncheckpoint_dir = "checkpoints"\n\n[outputs.stdout]\ntype = "stdout"\nformat = "raw"\nmatch = "Type == 'file'"\n`);
    return { cmd: join(ROOT, 'bin', 'drover'), args: ['start'], cwd: dir, env: env() };
  },
};

const tailTool = {
  name: 'tail -F | cat',
  prepare({ dir, file }) {
    return { cmd: 'sh', args: ['-c', `tail -F -n +1 ${file} | cat`], cwd: dir, env: env() };
  },
};

const rsyslogTool = {
  name: 'rsyslog imfile',
  prepare() {
    const found = spawnSync('sh', ['-c', 'command -v rsyslogd || test -x /usr/sbin/rsyslogd'], { stdio: 'ignore' }).status === 0;
    // Debian's rsyslog and syslog-ng-core (which the tests use as a real receiver) conflict: only one is installed.
    return { na: found ? 'not set up by this bench yet' : 'rsyslog is not installed: it conflicts with syslog-ng-core, which the tests need' };
  },
};

/** One run: { time (s) from the first append to the sentinel at the reader, peak (MiB) of drover }. */
async function measure(spec, job, tool) {
  const sink = fifoPath(job.dir);
  const reader = spawn('grep', ['-m1', '-F', '-q', SENTINEL, sink], { stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
  const readerDone = new Promise((resolve) => reader.on('exit', () => resolve(performance.now())));
  const fd = openSync(sink, 'w');
  const child = spawnTool(spec, fd);
  closeQuietly(fd);
  let peak = 0;
  const poll = setInterval(() => { peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0); }, 20);
  let writer;
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const started = performance.now();
    writer = spawn('sh', ['-c', `cat ${job.input} >> ${job.file}`], { stdio: 'ignore' });
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${SENTINEL} within ${TIMEOUT_MS / 1000} s${stderrNote(child)}`)), TIMEOUT_MS).unref());
    const ended = await Promise.race([readerDone, timeout]);
    peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
    return tool === droverTool ? { time: (ended - started) / 1000, peak } : { time: (ended - started) / 1000 };
  } finally {
    clearInterval(poll);
    writer?.kill('SIGKILL');
    reader.kill('SIGKILL');
    await stopTool(child);
  }
}

/** The file input against `tail -F`. */
export const fileInputWorkload = {
  id: 'file-input',
  title: 'File input: following a file that is appended to',
  async run(ctx) {
    const input = plainFile(ctx);
    const lines = lineCount(ctx);
    const result = await ctx.series({
      tools: [droverTool, tailTool, rsyslogTool],
      prepareJob(dir) {
        const file = join(dir, 'app.log');
        writeFileSync(file, '');
        return { dir, file, input };
      },
      measure,
    });
    return {
      ...result,
      description: `A writer (\`cat FILE >> app.log\`) appends ${lines.toLocaleString('en-US')} lines of ~100 bytes to a file the tool has followed for ${SETTLE_MS / 1000} s; time from the start of the writer until the last line reaches a pipe read by \`grep -F -q\`. drover: a \`file\` input, raw stdout; \`tail -F -n +1 FILE | cat\` is GNU coreutils.`,
      metrics: [
        { key: 'time', label: 'time (s)', digits: 3, better: 'lower', extra: { label: 'lines/s', of: (t) => lines / t } },
        { key: 'peak', label: 'peak RSS (MiB)', digits: 1, better: 'lower' },
      ],
      goals: [
        goal('file input: at most 1.5 × the time of `tail -F | cat` (issue 19)', pairedRatio(result.samples.time?.drover, result.samples.time?.['tail -F | cat']), (x) => x <= 1.5, (x) => `${x.toFixed(2)} ×`),
        goal('file input: peak RSS under 80 MiB (issue 19)', median(result.samples.peak?.drover ?? []), (x) => x < 80, (x) => `${x.toFixed(1)} MiB`),
      ],
    };
  },
};
