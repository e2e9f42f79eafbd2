// Start-up (issue 3): from spawning the supervisor to its child running, seen as the child's first line on
// the supervisor's stdout. Includes each tool's own runtime start (Node.js, Python).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERVISORS } from '../lib/peers.mjs';
import { startUntilReady, stopTool } from '../lib/proc.mjs';
import { goal, median } from '../lib/stats.mjs';

/** Time from `drover start` (and the peers' equivalents) to the child's READY line. */
export const startupWorkload = {
  id: 'startup',
  title: 'Start-up to child running',
  async run(ctx) {
    const result = await ctx.series({
      tools: SUPERVISORS,
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        writeFileSync(script, 'echo READY\nexec sleep 600\n');
        return { dir, script, count: 1, format: 'raw', restart: false };
      },
      async measure(spec) {
        const { child, pipe, started, ready } = await startUntilReady(spec);
        await stopTool(child);
        pipe.stream.destroy();
        return { ms: ready - started };
      },
    });
    return {
      ...result,
      description: 'One process type running `echo READY; exec sleep 600`. Time from spawning the supervisor to READY arriving on its stdout.',
      metrics: [{ key: 'ms', label: 'start-up (ms)', digits: 0, better: 'lower' }],
      goals: [
        goal(
          'start-up under 150 ms median (issue 3)',
          median(result.samples.ms?.drover ?? []),
          (x) => x < 150,
          (x) => `${x.toFixed(0)} ms`,
        ),
      ],
    };
  },
};
