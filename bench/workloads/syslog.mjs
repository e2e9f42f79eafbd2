// syslog+tcp throughput (issue 5): the passthrough input sent by drover's syslog output to a TCP receiver on
// 127.0.0.1 (a Node.js server in the bench that only looks for the last line), beside drover's raw stdout
// passthrough and its otlp output (OTLP/HTTP protobuf, issue 20) to an HTTP receiver in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lineCount, plainFile, SENTINEL } from '../lib/data.mjs';
import { ROOT, TOOLS } from '../lib/peers.mjs';
import { memoryOf, spawnTool, stderrNote, stopTool } from '../lib/proc.mjs';
import { goal, median, pairedRatio } from '../lib/stats.mjs';
import { pipeRun } from './passthrough.mjs';

const NO_DRAIN = 'no syslog+tcp drain output';
const TIMEOUT_MS = 180_000;
// when_full = "block": every line is delivered, so the time is the drain's throughput (with the default
// drop_oldest, a drain slower than the input drops lines and the last one still arrives early).
const BLOCK = 'buffer = { type = "memory", when_full = "block" }';
const syslogSection = (port) => `[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${port}"\nmatch = "TRUE"\n${BLOCK}\n\n`;
const otlpSection = (port) => `[outputs.drain]\ntype = "otlp"\nurl = "http://127.0.0.1:${port}/v1/logs"\nencoding = "protobuf"\nmatch = "TRUE"\n${BLOCK}\n\n`;
const OTLP = 'drover, otlp protobuf';

// An OTLP/HTTP receiver that takes every request (200, an empty ExportLogsServiceResponse) and looks for the
// sentinel in the bodies: the protobuf body holds each line's bytes as they were printed.
function otlpReceiver(state) {
  const needle = Buffer.from(SENTINEL);
  return createHttpServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      state.bytes += body.length;
      response.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': 0 }).end();
      if (body.includes(needle)) state.waiting?.(performance.now());
    });
  });
}

// A receiver that resolves `arrived` when the sentinel comes in; one per workload, reset for every run.
function receiver() {
  const state = { waiting: undefined, bytes: 0 };
  const needle = Buffer.from(SENTINEL);
  const server = createServer((socket) => {
    let tail = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      state.bytes += chunk.length;
      const seam = Buffer.concat([tail, chunk.subarray(0, needle.length)]);
      if (seam.includes(needle) || chunk.includes(needle)) state.waiting?.(performance.now());
      tail = chunk.subarray(Math.max(0, chunk.length - needle.length));
    });
    socket.on('error', () => {});
  });
  return { server, state };
}

// Whether the drover under test has a syslog output yet (it is built in its own issue).
function syslogAvailable(tmp) {
  const dir = mkdtempSync(join(tmp, 'check-'));
  try {
    TOOLS.drover.prepare({ dir, script: '/bin/true', format: 'raw', outputs: syslogSection(5514) });
    const r = spawnSync(join(ROOT, 'bin', 'drover'), ['check'], { cwd: dir, encoding: 'utf8' });
    return r.status === 0 ? null : (r.stdout + r.stderr).trim().split('\n').slice(-3).join(' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines per second through syslog+tcp, beside raw stdout. */
export const syslogWorkload = {
  id: 'syslog',
  title: 'syslog+tcp throughput',
  async run(ctx) {
    const why = syslogAvailable(ctx.tmp);
    if (why) return { pending: `drover has no working \`type = "syslog"\` output yet (\`drover check\`: ${why})` };
    const input = plainFile(ctx);
    const lines = lineCount(ctx);
    const { server, state } = receiver();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;
    const http = otlpReceiver(state);
    await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
    const viaOtlp = {
      name: OTLP,
      prepare: (job) => TOOLS.drover.prepare({ ...job, stdout: false, outputs: otlpSection(http.address().port) }),
    };
    const viaSyslog = {
      name: 'drover',
      prepare: (job) => TOOLS.drover.prepare({ ...job, stdout: false, outputs: syslogSection(port) }),
    };
    const viaStdout = { name: 'drover, raw stdout', prepare: (job) => TOOLS.drover.prepare(job) };
    async function measure(spec, _job, tool) {
      if (tool === viaStdout) return pipeRun(spec, tool);
      const arrived = new Promise((resolve) => {
        state.waiting = resolve;
      });
      const started = performance.now();
      const child = spawnTool(spec, 'ignore');
      let peak = 0;
      const poll = setInterval(() => {
        peak = Math.max(peak, memoryOf(child.pid)?.hwm ?? 0);
      }, 20);
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no ${SENTINEL} at the receiver within ${TIMEOUT_MS / 1000} s${stderrNote(child)}`)), TIMEOUT_MS).unref(),
      );
      try {
        const at = await Promise.race([arrived, timeout]);
        return { time: (at - started) / 1000, peak: Math.max(peak, memoryOf(child.pid)?.hwm ?? 0) };
      } finally {
        clearInterval(poll);
        state.waiting = undefined;
        await stopTool(child);
      }
    }
    try {
      const result = await ctx.series({
        tools: [viaSyslog, viaOtlp, viaStdout],
        prepareJob(dir) {
          const script = join(dir, 'child.sh');
          writeFileSync(script, `exec cat ${input}\n`);
          return { dir, script, count: 1, format: 'raw', restart: false };
        },
        measure,
      });
      for (const peer of ['supervisord', 'node-foreman', 'concurrently', 'pm2']) result.na[peer] = NO_DRAIN;
      return {
        ...result,
        description: `${lines.toLocaleString('en-US')} lines of ~100 bytes to \`syslog+tcp://127.0.0.1\` (RFC 5424, octet-counted, memory buffer with when_full = "block" so that none is dropped), time until the last one reaches the receiver; "${OTLP}" is the same input through the otlp output (OTLP/HTTP protobuf, default batches, no gzip, the same buffer) to an HTTP receiver on 127.0.0.1, and "drover, raw stdout" through the raw stdout passthrough, in the same runs.`,
        metrics: [
          { key: 'time', label: 'time (s)', digits: 3, better: 'lower', extra: { label: 'lines/s', of: (t) => lines / t } },
          { key: 'peak', label: 'peak RSS (MiB)', digits: 1, better: 'lower' },
        ],
        goals: [
          goal(
            'otlp protobuf: at least 70% of the syslog+tcp lines/s in the same runs (issue 20)',
            pairedRatio(result.samples.time?.drover, result.samples.time?.[OTLP]),
            (x) => x >= 0.7,
            (x) => `${(x * 100).toFixed(0)}%`,
          ),
          ...[80, 64].flatMap((limit) =>
            [
              ['syslog+tcp', 'drover'],
              ['otlp protobuf', OTLP],
            ].map(([label, tool]) =>
              goal(
                `${label}: peak RSS under ${limit} MiB (issue ${limit === 80 ? 20 : 22})`,
                median(result.samples.peak?.[tool] ?? []),
                (x) => x < limit,
                (x) => `${x.toFixed(1)} MiB`,
              ),
            ),
          ),
        ],
      };
    } finally {
      server.close();
      http.close();
    }
  },
};
