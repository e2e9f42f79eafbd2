// Latency (issue 7): from a child's write(2) of a line to the moment the line comes out of the tool, at
// 10,000 lines/s, raw format. p50 and p99 per run; the table shows their medians over runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SUPERVISORS } from '../lib/peers.mjs';
import { closeQuietly, realPipe, spawnTool, stderrNote, stopTool, waitUntil } from '../lib/proc.mjs';
import { percentile } from '../lib/stats.mjs';

const RATE = 10_000;

async function measure(spec, total) {
  const pipe = realPipe(spec.cwd);
  const child = spawnTool(spec, pipe.writeFd);
  closeQuietly(pipe.writeFd);
  const latencies = [];
  let done = false;
  let rest = '';
  pipe.stream.setEncoding('utf8');
  pipe.stream.on('data', (chunk) => {
    const now = process.hrtime.bigint();
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const m = /LAT (\d+) \d+/.exec(line);
      if (m) latencies.push(Number(now - BigInt(m[1])) / 1e6);
      else if (line.includes('LAT-END')) done = true;
    }
  });
  let ended = false;
  pipe.stream.on('end', () => {
    ended = true;
  });
  try {
    await waitUntil(() => done || ended, 30_000 + total / 5, 'LAT-END');
    if (latencies.length < total) throw new Error(`only ${latencies.length} of ${total} lines arrived${stderrNote(child)}`);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await stopTool(child);
    pipe.stream.destroy();
  }
}

/** Write-to-output latency at 10,000 lines/s. */
export const latencyWorkload = {
  id: 'latency',
  title: "Latency from a child's write to the output line, 10,000 lines/s",
  async run(ctx) {
    const total = Math.round(20_000 * ctx.scale);
    const result = await ctx.series({
      tools: SUPERVISORS,
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        writeFileSync(script, `exec ${process.execPath} ${join(ROOT, 'bench', 'children', 'latency-child.mjs')} ${RATE} ${total}\n`);
        return { dir, script, count: 1, format: 'raw', restart: false };
      },
      measure: (spec) => measure(spec, total),
    });
    return {
      ...result,
      description: `A Node.js child writes ${total.toLocaleString('en-US')} lines at ${RATE.toLocaleString('en-US')} lines/s, each with its CLOCK_MONOTONIC time; the bench reads the tool's stdout (raw format) and subtracts. The reader's own delay is in every tool's figure alike.`,
      metrics: [
        { key: 'p50', label: 'p50 (ms)', digits: 2, better: 'lower' },
        { key: 'p99', label: 'p99 (ms)', digits: 2, better: 'lower' },
      ],
      goals: [],
    };
  },
};
