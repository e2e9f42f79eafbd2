// Stress (issue 14): 5,000 lines/s through a syslog+tcp drain whose receiver (syslog-ng) is killed and restarted
// every 20 s, with a disk buffer on a 16 MB tmpfs (mounted in a mount namespace of drover's own). At the end every
// line must be accounted for (delivered, or reported dropped, lost or kept with a count), RSS must stay flat and
// nothing may be left running. 10 minutes by default; `--stress-seconds N` (or `--short`: 60 s) for a quick look.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../lib/peers.mjs';
import { memoryOf } from '../lib/proc.mjs';
import { goal } from '../lib/stats.mjs';

const RATE = 5000;
const KILL_EVERY_MS = 20_000;
const DOWN_MS = 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Prints RATE numbered lines a second until SIGTERM, then writes how many it printed.
const GENERATOR = `let n = 0; const pad = 'x'.repeat(60);
process.on('SIGTERM', () => { require('fs').writeFileSync('printed', String(n)); process.exit(0); });
setInterval(() => { let out = ''; for (let i = 0; i < ${RATE / 100}; i++) out += 'n=' + n++ + ' ' + pad + '\\n'; process.stdout.write(out); }, 10);`;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** syslog-ng writing the message of every line it receives to `received`, and how to kill and restart it. */
function syslogNg(dir, port) {
  const config = join(dir, 'syslog-ng.conf');
  writeFileSync(
    config,
    `@version: 3.38
options { flush-lines(0); stats-freq(0); log-msg-size(65536); log-fifo-size(100000); use-dns(no); };
source s_in { syslog(ip("127.0.0.1") port(${port}) transport("tcp") log-iw-size(100000) max-connections(10)); };
destination d_file { file("${join(dir, 'received')}" template("$MSG\\n")); };
log { source(s_in); destination(d_file); };
`,
  );
  let child;
  return {
    async start() {
      const ctl = join(dir, 'ctl');
      child = spawn('syslog-ng', ['-F', '--no-caps', '-f', config, '-p', join(dir, 'pid'), '-c', ctl, '-R', join(dir, 'persist')], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !existsSync(ctl); i++) await sleep(25);
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
      // Killed, it leaves its control socket behind: start() waits for a new one.
      for (const f of ['ctl', 'pid']) rmSync(join(dir, f), { force: true });
    },
  };
}

/** Pids of live processes whose environment carries `mark`. */
function marked(mark) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(mark)) found.push(Number(entry));
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

/** Sum of the counts in drover's report lines matching `pattern` (each says how many since the last one). */
const sum = (lines, pattern) => lines.map((l) => pattern.exec(l)).reduce((total, m) => total + (m ? Number(m[1]) : 0), 0);

export const stressWorkload = {
  id: 'stress',
  title: 'Stress: a syslog drain killed every 20 s, disk buffer on a 16 MB tmpfs',
  async run(ctx) {
    if (ctx.quick && !ctx.stressSeconds)
      return { pending: 'not run with --quick; run `npm run bench -- --only stress --short` (60 s) or without --short (10 minutes)' };
    if (spawnSync('syslog-ng', ['--version']).status !== 0) return { pending: 'syslog-ng is not installed' };
    const seconds = ctx.stressSeconds ?? 600;
    const dir = mkdtempSync(join(ctx.tmp, 'stress-'));
    const buffer = mkdtempSync(join(ctx.tmp, 'stress-buffer-'));
    const port = await freePort();
    const receiver = syslogNg(dir, port);
    writeFileSync(join(dir, 'gen.js'), GENERATOR);
    writeFileSync(join(dir, 'Procfile'), `web: exec ${process.execPath} gen.js\n`);
    const fragments = join(dir, 'drover');
    mkdirSync(fragments);
    writeFileSync(join(fragments, '009-stdout.toml'), '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\nmatch = "Type != \'log\'"\n');
    writeFileSync(
      join(fragments, '100.toml'),
      `[processes.web]\nstopwaitsecs = "20s"\n\n[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${port}"\nmatch = "Type == 'log'"\nbackoff_max = "2s"\nbuffer = { type = "disk", path = "${buffer}" }\n`,
    );
    const mark = `DROVER_STRESS_MARK=${process.pid}-${Date.now()}`;
    await receiver.start();
    const drover = spawn('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16m tmpfs "$0" && exec "$1" start', buffer, join(ROOT, 'bin', 'drover')], {
      cwd: dir,
      env: { ...process.env, DYNO: '', PORT: '', [mark.split('=')[0]]: mark.split('=')[1] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    drover.stdout.on('data', (d) => (output += d));
    drover.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => drover.on('exit', (code, signal) => resolve(code ?? signal)));
    const rss = [];
    const started = Date.now();
    let kills = 0;
    let nextKill = started + KILL_EVERY_MS;
    while (Date.now() - started < seconds * 1000) {
      await sleep(1000);
      const mem = memoryOf(drover.pid);
      if (mem) rss.push({ at: (Date.now() - started) / 1000, rss: mem.rss });
      if (Date.now() >= nextKill) {
        await receiver.kill();
        kills++;
        await sleep(DOWN_MS);
        await receiver.start();
        nextKill += KILL_EVERY_MS;
        ctx.log(`stress: ${Math.round((Date.now() - started) / 1000)} s, receiver killed ${kills} times, drover RSS ${mem?.rss.toFixed(1)} MiB`);
      }
    }
    drover.kill('SIGTERM');
    const status = await exited;
    await sleep(300);
    const left = marked(mark);
    for (const pid of left)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    await sleep(500); // syslog-ng writes what it read
    await receiver.kill();

    const printed = Number(readFileSync(join(dir, 'printed'), 'utf8'));
    const seen = new Uint8Array(printed);
    let received = 0;
    for (const line of readFileSync(join(dir, 'received'), 'latin1').split('\n')) {
      const m = /^n=(\d+) /.exec(line);
      if (!m) continue;
      received++;
      if (Number(m[1]) < printed) seen[Number(m[1])] = 1;
    }
    const delivered = seen.reduce((a, b) => a + b, 0);
    const lines = output.split('\n');
    const dropped = sum(lines, /outputs\.drain dropped (\d+) messages/);
    const lost = sum(lines, /outputs\.drain lost (\d+) messages at shutdown/);
    const kept = sum(lines, /outputs\.drain: kept (\d+) messages in the disk buffer/);
    const missing = printed - delivered;
    const unaccounted = Math.max(0, missing - dropped - lost - kept);
    const steady = rss.filter((r) => r.at >= Math.min(30, seconds / 3));
    const growth = steady.length > 1 ? steady.at(-1).rss - steady[0].rss : NaN;
    const peak = Math.max(...rss.map((r) => r.rss));
    ctx.log(
      `stress: printed ${printed}, delivered ${delivered} (${received - delivered} duplicates), dropped ${dropped}, lost ${lost}, kept ${kept}, unaccounted ${unaccounted}; RSS ${steady[0]?.rss.toFixed(1)} -> ${steady.at(-1)?.rss.toFixed(1)} MiB (peak ${peak.toFixed(1)}); exit ${status}; left running ${left.length}`,
    );
    const samples = {
      printed: { drover: [printed] },
      delivered: { drover: [delivered] },
      duplicates: { drover: [received - delivered] },
      reported: { drover: [dropped + lost + kept] },
      unaccounted: { drover: [unaccounted] },
      growth: { drover: [growth] },
    };
    return {
      samples,
      na: {},
      description: `${seconds} s of ${RATE.toLocaleString('en-US')} lines/s (about 70 bytes) through a \`syslog+tcp\` drain to syslog-ng on 127.0.0.1, killed (SIGKILL) every ${KILL_EVERY_MS / 1000} s and restarted ${DOWN_MS / 1000} s later (${kills} times), with \`buffer = { type = "disk" }\` on a 16 MB tmpfs; then SIGTERM. Delivered: distinct lines syslog-ng wrote; reported: what drover's own lines say was dropped, lost at shutdown or kept in the disk buffer; unaccounted: missing lines beyond that. RSS growth: drover's VmRSS from ${Math.min(30, seconds / 3)} s to the end (peak ${peak.toFixed(1)} MiB). Exit ${status}; ${left.length} processes left running.`,
      metrics: [
        { key: 'printed', label: 'printed', digits: 0, better: 'higher' },
        { key: 'delivered', label: 'delivered', digits: 0, better: 'higher' },
        { key: 'duplicates', label: 'duplicates', digits: 0, better: 'lower' },
        { key: 'reported', label: 'reported dropped/lost/kept', digits: 0, better: 'lower' },
        { key: 'unaccounted', label: 'unaccounted', digits: 0, better: 'lower' },
        { key: 'growth', label: 'RSS growth (MiB)', digits: 1, better: 'lower' },
      ],
      goals: [
        goal(
          'stress: every line delivered or reported (issue 14)',
          unaccounted,
          (x) => x === 0,
          (x) => `${x} unaccounted of ${printed.toLocaleString('en-US')}`,
        ),
        goal(
          'stress: RSS flat under receiver restarts (issue 14)',
          growth,
          (x) => x < 20,
          (x) => `${x.toFixed(1)} MiB growth`,
        ),
        goal(
          'stress: nothing left running (issue 14)',
          left.length,
          (x) => x === 0,
          (x) => `${x} processes`,
        ),
      ],
    };
  },
};
