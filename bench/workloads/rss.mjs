// Idle RSS (issues 3 and 22): the supervisor's resident memory once its one child is up and quiet, beside the
// floor of a Node.js process doing nothing. Peak RSS under load is measured by the passthrough workloads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERVISORS, TOOLS } from '../lib/peers.mjs';
import { memoryOf, startUntilReady, stopTool } from '../lib/proc.mjs';
import { goal, median } from '../lib/stats.mjs';

/** VmRSS of the supervisor process after it settled with one idle child. */
export const rssWorkload = {
  id: 'rss',
  title: 'Idle RSS of the supervisor',
  async run(ctx) {
    const settleMs = ctx.quick ? 300 : 1500;
    const result = await ctx.series({
      tools: [...SUPERVISORS, TOOLS.nodePipe, TOOLS.bareNode],
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        writeFileSync(script, 'echo READY\nexec sleep 600\n');
        return { dir, script, count: 1, format: 'raw', restart: false };
      },
      async measure(spec) {
        const { child, pipe } = await startUntilReady(spec);
        try {
          await new Promise((resolve) => setTimeout(resolve, settleMs));
          const mem = memoryOf(child.pid);
          if (!mem) throw new Error('the supervisor exited while idle');
          return { rss: mem.rss };
        } finally {
          await stopTool(child);
          pipe.stream.destroy();
        }
      },
    });
    return {
      ...result,
      description: `One idle child (\`sleep\`). VmRSS of the supervisor process ${settleMs / 1000} s after the child's first line; children not counted (pm2-runtime and node-foreman run in one process, like drover). \`bare node\` is \`node -e 'setInterval(() => {}, 1e9)'\` with the Node.js drover runs on: the floor of any Node.js process; \`node pipe\` spawns the child and pipes its stdout to its own, nothing else: the floor of any supervisor written for Node.js.`,
      metrics: [{ key: 'rss', label: 'idle RSS (MiB)', digits: 1, better: 'lower' }],
      goals: [
        goal(
          'idle RSS at most 40 MiB (issue 22)',
          median(result.samples.rss?.drover ?? []),
          (x) => x <= 40,
          (x) => `${x.toFixed(1)} MiB`,
        ),
      ],
    };
  },
};
