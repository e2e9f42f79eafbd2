// Start-up (issues 3 and 22): from spawning the supervisor to its child running, seen as the child's first line on
// the supervisor's stdout. Includes each tool's own runtime start (Node.js, Python); `bare node` printing READY
// itself is the floor of any supervisor written for Node.js.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERVISORS, TOOLS } from '../lib/peers.mjs';
import { startUntilReady, stopTool } from '../lib/proc.mjs';
import { goal, median, pairedRatio } from '../lib/stats.mjs';

/** Time from `drover start` (and the peers' equivalents) to the child's READY line. */
export const startupWorkload = {
  id: 'startup',
  title: 'Start-up to child running',
  async run(ctx) {
    const result = await ctx.series({
      tools: [...SUPERVISORS, TOOLS.nodePipe, TOOLS.bareNode],
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        writeFileSync(script, 'echo READY\nexec sleep 600\n');
        return { dir, script, count: 1, format: 'raw', restart: false };
      },
      async measure(spec, job, tool, run) {
        const { child, pipe, started, ready } = await startUntilReady(spec);
        // The warm-up run lives on as a supervisor does: drover writes V8's code cache of its bundle 1 s after
        // its start (the slug ships one made at build time), which a run stopped at READY would never see.
        if (run < 0) await new Promise((resolve) => setTimeout(resolve, 1500));
        await stopTool(child);
        pipe.stream.destroy();
        return { ms: ready - started };
      },
    });
    return {
      ...result,
      description:
        'One process type running `echo READY; exec sleep 600`. Time from spawning the supervisor to READY arriving on its stdout. `bare node` is `node -e` printing READY itself, with the Node.js drover runs on: the floor of any Node.js process; `node pipe` spawns the child and pipes its stdout to its own, nothing else: the floor of any supervisor written for Node.js.',
      metrics: [{ key: 'ms', label: 'start-up (ms)', digits: 0, better: 'lower' }],
      goals: [
        goal(
          "start-up at most node-foreman's (issue 22)",
          pairedRatio(result.samples.ms?.drover, result.samples.ms?.['node-foreman']),
          (x) => x <= 1,
          (x) => `${x.toFixed(2)} ×`,
        ),
        goal(
          'start-up under 100 ms median on a quiet machine (issue 22)',
          median(result.samples.ms?.drover ?? []),
          (x) => x < 100,
          (x) => `${x.toFixed(0)} ms`,
        ),
      ],
    };
  },
};
