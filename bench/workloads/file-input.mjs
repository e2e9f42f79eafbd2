// File input throughput (issue 19): a writer appends 2,000,000 lines of ~100 bytes to a file that the tool
// follows; time from the first append until the last line leaves the tool's stdout (a FIFO read by grep, as in
// the passthrough workloads), beside GNU `tail -F -n +1 FILE | cat` and rsyslog's imfile in the same runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    writeFileSync(
      join(dir, 'drover', '100-bench.toml'),
      `[inputs.bench]\ntype = "file"\npaths = [${JSON.stringify(file)}]\nread_from = "beginning"\ncheckpoint_dir = "checkpoints"\n\n[outputs.stdout]\ntype = "stdout"\nformat = "raw"\nmatch = "Type == 'file'"\n`,
    );
    return { cmd: join(ROOT, 'bin', 'drover'), args: ['start'], cwd: dir, env: env() };
  },
};

const tailTool = {
  name: 'tail -F | cat',
  prepare({ dir, file }) {
    return { cmd: 'sh', args: ['-c', `tail -F -n +1 ${file} | cat`], cwd: dir, env: env() };
  },
};

/**
 * rsyslogd, from the system or else from Debian's package unpacked into a cache directory: Debian's rsyslog and
 * syslog-ng-core (which the tests need) conflict, so it is not installed, only its two small libraries are.
 */
function ensureRsyslog() {
  if (spawnSync('sh', ['-c', 'command -v rsyslogd'], { stdio: 'ignore' }).status === 0) return { bin: 'rsyslogd', modules: undefined };
  const cache = join(tmpdir(), 'drover-bench-rsyslog');
  const bin = join(cache, 'root', 'usr', 'sbin', 'rsyslogd');
  const modules = join(cache, 'root', 'usr', 'lib', 'x86_64-linux-gnu', 'rsyslog');
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    const run = (cmd, args) => spawnSync(cmd, args, { cwd: cache, stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    run('apt-get', ['install', '-y', '-qq', 'libestr0', 'libfastjson4']);
    if (!run('apt-get', ['download', 'rsyslog'])) return { na: 'rsyslog could not be downloaded (apt-get download rsyslog failed)' };
    const deb = readdirSync(cache).find((f) => f.startsWith('rsyslog_') && f.endsWith('.deb'));
    if (!deb || !run('dpkg', ['-x', deb, join(cache, 'root')])) return { na: 'rsyslog could not be unpacked (dpkg -x)' };
  }
  if (spawnSync(bin, ['-v'], { stdio: 'ignore' }).status !== 0)
    return { na: 'rsyslogd does not run here (missing libraries: apt-get install libestr0 libfastjson4)' };
  return { bin, modules };
}

const rsyslogTool = {
  name: 'rsyslog imfile',
  prepare({ dir, file, quick }) {
    // --quick (the test) must not download anything: rsyslog only when a full run has already set it up.
    if (quick && !existsSync(join(tmpdir(), 'drover-bench-rsyslog', 'root'))) return { na: 'set up by full runs only (apt-get download rsyslog)' };
    const found = ensureRsyslog();
    if (found.na) return found;
    mkdirSync(join(dir, 'work'));
    // imfile (inotify mode) reads the file from its start; omfile writes each line as it was, to stdout.
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      [
        `global(workDirectory="${join(dir, 'work')}")`,
        'module(load="imfile")',
        'template(name="raw" type="string" string="%msg%\\n")',
        `input(type="imfile" File="${file}" Tag="app" freshStartTail="off")`,
        'action(type="omfile" file="/dev/stdout" template="raw")',
      ].join('\n') + '\n',
    );
    const args = ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid'), ...(found.modules ? ['-M', found.modules] : [])];
    return { cmd: found.bin, args, cwd: dir, env: env() };
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
  const poll = setInterval(() => {
    peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
  }, 20);
  let writer;
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const started = performance.now();
    writer = spawn('sh', ['-c', `cat ${job.input} >> ${job.file}`], { stdio: 'ignore' });
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no ${SENTINEL} within ${TIMEOUT_MS / 1000} s${stderrNote(child)}`)), TIMEOUT_MS).unref(),
    );
    const ended = await Promise.race([readerDone, timeout]);
    peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
    // Peak RSS of drover and rsyslogd (one process each); `tail -F | cat` runs under sh, whose RSS says nothing.
    return tool === tailTool ? { time: (ended - started) / 1000 } : { time: (ended - started) / 1000, peak };
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
        return { dir, file, input, quick: ctx.quick };
      },
      measure,
    });
    return {
      ...result,
      description: `A writer (\`cat FILE >> app.log\`) appends ${lines.toLocaleString('en-US')} lines of ~100 bytes to a file the tool has followed for ${SETTLE_MS / 1000} s; time from the start of the writer until the last line reaches a pipe read by \`grep -F -q\`. drover: a \`file\` input, raw stdout; \`tail -F -n +1 FILE | cat\` is GNU coreutils; rsyslog: \`imfile\` (inotify mode) to \`omfile\` on stdout with a \`%msg%\` template, from Debian's package unpacked beside the bench (it conflicts with syslog-ng-core, which the tests install). Peak RSS is of the one process of drover and of rsyslogd (drover's includes about 41 MiB of the node binary's mapped pages).`,
      metrics: [
        { key: 'time', label: 'time (s)', digits: 3, better: 'lower', extra: { label: 'lines/s', of: (t) => lines / t } },
        { key: 'peak', label: 'peak RSS (MiB)', digits: 1, better: 'lower' },
      ],
      goals: [
        goal(
          'file input: at most 1.5 × the time of `tail -F | cat` (issue 19)',
          pairedRatio(result.samples.time?.drover, result.samples.time?.['tail -F | cat']),
          (x) => x <= 1.5,
          (x) => `${x.toFixed(2)} ×`,
        ),
        goal(
          'file input: peak RSS under 80 MiB (issue 19)',
          median(result.samples.peak?.drover ?? []),
          (x) => x < 80,
          (x) => `${x.toFixed(1)} MiB`,
        ),
      ],
    };
  },
};
