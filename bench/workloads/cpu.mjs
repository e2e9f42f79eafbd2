// CPU of the supervisor (issue 22): an app logs 20,000 lines/s (~105-byte JSON lines, one write each, as
// console.log does) for 30 s; the supervisor passes them to its stdout, a pipe read by `wc -l`. Measured: the CPU
// time of the supervisor process itself (utime + stime from /proc/PID/stat, its children not counted) over the
// window, as a percentage of one core. drover runs the default (raw stdout, through the pipeline), the same with
// direct output (`direct_output = true`), and with the json decoder and a syslog+tcp drain to a real syslog-ng.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TOOLS } from '../lib/peers.mjs';
import { closeQuietly, fifoPath, isAlive, spawnTool, stderrNote, stopTool } from '../lib/proc.mjs';
import { goal, median } from '../lib/stats.mjs';

const RATE = 20_000;
const DIRECT = 'drover, direct output (opt-in)';
const DRAIN = 'drover, json decoder + syslog drain';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The app: RATE lines a second, each with its own write(2), paced by the clock (a late tick catches up).
const GENERATOR = `const fs = require('fs');
const [rate, seconds] = process.argv.slice(2).map(Number);
const total = rate * seconds;
const start = Date.now();
let sent = 0;
const line = (i) => '{"level":"info","msg":"request handled","path":"/api/items/' + (i % 1000) + '","status":200,"duration_ms":' + (i % 97) + ',"i":' + i + '}\\n';
(function tick() {
  const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000));
  while (sent < due) fs.writeSync(1, line(sent++));
  if (sent < total) setTimeout(tick, 5);
  else setInterval(() => {}, 1e9);
})();
`;

let ticks;
/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
function clockTicks() {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

/** CPU seconds (user + system) a process has used so far, its children not counted. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** syslog-ng in the foreground on a loopback TCP port (RFC 5424, octet-counted), writing what it gets to /dev/null. */
async function startSyslogNg(tmp) {
  const dir = mkdtempSync(join(tmp, 'syslog-ng-'));
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  writeFileSync(
    join(dir, 'syslog-ng.conf'),
    `@version: 3.38
options { flush-lines(100); use-dns(no); dns-cache(no); stats-freq(0); log-msg-size(65536); log-fifo-size(100000); };
source s_in { syslog(ip("127.0.0.1") port(${port}) transport("tcp") log-iw-size(100000) max-connections(10)); };
destination d_null { file("/dev/null"); };
log { source(s_in); destination(d_null); };
`,
  );
  const child = spawn(
    'syslog-ng',
    ['-F', '--no-caps', '-f', join(dir, 'syslog-ng.conf'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl'), '-R', join(dir, 'persist')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Ready once its control socket exists (made after the sources are bound).
  for (let i = 0; i < 200 && !existsSync(join(dir, 'ctl')) && child.exitCode === null; i++) await sleep(25);
  if (!existsSync(join(dir, 'ctl'))) {
    child.kill('SIGKILL');
    throw new Error(`syslog-ng did not start: ${stderr.trim().slice(-300)}`);
  }
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The supervisor's CPU while an app logs 20,000 lines/s, beside supervisord and node-foreman. */
export const cpuWorkload = {
  id: 'cpu',
  title: 'CPU of the supervisor while an app logs 20,000 lines/s',
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 30;
    const lead = ctx.quick ? 1 : 2;
    const syslog = await startSyslogNg(ctx.tmp);
    const direct = { name: DIRECT, prepare: (job) => TOOLS.drover.prepare({ ...job, outputs: '[supervisor]\ndirect_output = true\n\n' }) };
    const drain = {
      name: DRAIN,
      prepare: (job) =>
        TOOLS.drover.prepare({
          ...job,
          outputs: `[decoders.json]\ntype = "json"\n\n[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${syslog.port}"\nmatch = "TRUE"\n\n`,
        }),
    };
    try {
      const result = await ctx.series({
        tools: [TOOLS.drover, direct, drain, TOOLS.supervisord, TOOLS.foreman],
        prepareJob(dir) {
          writeFileSync(join(dir, 'gen.js'), GENERATOR);
          const script = join(dir, 'child.sh');
          // Logging lasts past the window: the supervisor is measured while lines flow, not while they stop.
          writeFileSync(script, `exec node ${join(dir, 'gen.js')} ${RATE} ${lead + seconds + 2}\n`);
          return { dir, script, count: 1, format: 'raw', restart: false };
        },
        async measure(spec) {
          const sink = fifoPath(spec.cwd);
          const reader = spawn('sh', ['-c', `exec wc -l < "${sink}"`], { stdio: ['ignore', 'pipe', 'ignore'] });
          let counted = '';
          reader.stdout.on('data', (d) => (counted += d));
          const readerDone = new Promise((resolve) => reader.on('exit', resolve));
          const fd = openSync(sink, 'w');
          const child = spawnTool(spec, fd);
          closeQuietly(fd);
          let cpu;
          try {
            await sleep(lead * 1000);
            if (!isAlive(child.pid)) throw new Error(`exited before the window${stderrNote(child)}`);
            const before = cpuSeconds(child.pid);
            const t0 = performance.now();
            await sleep(seconds * 1000);
            const used = cpuSeconds(child.pid) - before;
            cpu = (100 * used) / ((performance.now() - t0) / 1000);
          } finally {
            await stopTool(child);
            // wc prints its count once every writer has closed the pipe: give it time on a loaded machine.
            await Promise.race([readerDone, sleep(10_000)]);
            reader.kill('SIGKILL');
          }
          // The lines flowed through the tool (at least half of the window's: a tool that stalls fails the run).
          if (!counted.trim()) throw new Error(`the reader (wc -l) printed no count within 10 s of the stop: a writer kept the pipe open${stderrNote(child)}`);
          const lines = Number(counted.trim());
          if (!(lines >= (RATE * seconds) / 2)) throw new Error(`only ${lines} lines reached the reader${stderrNote(child)}`);
          return { cpu };
        },
      });
      return {
        ...result,
        description: `An app (Node.js) logs ${RATE.toLocaleString('en-US')} JSON lines of ~105 bytes a second, one write(2) each, for ${lead + seconds + 2} s; the supervisor passes them to its stdout, a pipe read by \`wc -l\`. CPU time (user + system, /proc/PID/stat) of the supervisor process alone over ${seconds} s from ${lead} s after its start, as a percentage of one core. "drover" is the default on a platform (raw stdout, one instance, through the pipeline); "${DIRECT}" the same with \`[supervisor] direct_output = true\`; "${DRAIN}" adds \`[decoders.json]\` and a syslog+tcp drain to syslog-ng on 127.0.0.1 beside the raw stdout.`,
        metrics: [{ key: 'cpu', label: 'CPU (% of one core)', digits: 2, better: 'lower' }],
        goals: [
          goal(
            'raw (the default): under 5% of one core (issue 22)',
            median(result.samples.cpu?.drover ?? []),
            (x) => x < 5,
            (x) => `${x.toFixed(2)}%`,
          ),
          goal(
            'json decoder + syslog drain: under 15% of one core (issue 22)',
            median(result.samples.cpu?.[DRAIN] ?? []),
            (x) => x < 15,
            (x) => `${x.toFixed(2)}%`,
          ),
        ],
      };
    } finally {
      await syslog.stop();
    }
  },
};
