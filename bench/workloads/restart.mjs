// Restart (issue 7): a process that has started well, then crashes; time from its exit to the restarted
// process running. Both ends are stamped by the child itself ($EPOCHREALTIME), so the pipeline's own
// delay does not count — only the supervisor noticing the exit and spawning again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERVISORS } from '../lib/peers.mjs';
import { closeQuietly, realPipe, spawnTool, stderrNote, stopTool, waitUntil, watchLines } from '../lib/proc.mjs';

async function measure(spec) {
  const pipe = realPipe(spec.cwd);
  const child = spawnTool(spec, pipe.writeFd);
  closeQuietly(pipe.writeFd);
  let crashed;
  let up;
  watchLines(pipe.stream, (line) => {
    const m = /\b(CRASH|UP) (\d+)\.(\d+)/.exec(line);
    if (!m) return;
    const t = Number(m[2]) * 1000 + Number(m[3]) / 1000;
    if (m[1] === 'CRASH') crashed = t;
    else up = t;
  });
  try {
    await waitUntil(() => up !== undefined || child.exitCode !== null, 20_000, 'the restarted process');
    if (up === undefined || crashed === undefined) throw new Error(`no restart (exit ${child.exitCode})${stderrNote(child)}`);
    return { ms: up - crashed };
  } finally {
    await stopTool(child);
    pipe.stream.destroy();
  }
}

/** Crash-to-running-again time with restarts on and no delay configured. */
export const restartWorkload = {
  id: 'restart',
  title: 'Time to restart a crashed process',
  async run(ctx) {
    const result = await ctx.series({
      tools: SUPERVISORS,
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        // The first start runs 300 ms (past any startsecs), then exits 1; the second stays up.
        writeFileSync(
          script,
          [
            `if [ -e ${dir}/crashed ]; then echo "UP $EPOCHREALTIME"; exec sleep 600; fi`,
            `touch ${dir}/crashed; sleep 0.3; echo "CRASH $EPOCHREALTIME"; exit 1`,
            '',
          ].join('\n'),
        );
        return { dir, script, count: 1, format: 'raw', restart: true };
      },
      measure,
    });
    return {
      ...result,
      description:
        'A child runs 0.3 s, prints its time and exits 1; restarted, it prints its time again. Restarts on, no restart delay (drover/supervisord startsecs = 0, concurrently --restart-tries 1 --restart-after 0, pm2 restart_delay 0).',
      metrics: [{ key: 'ms', label: 'restart (ms)', digits: 1, better: 'lower' }],
      goals: [],
    };
  },
};
