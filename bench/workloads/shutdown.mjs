// Shutdown (issue 7): 10 running processes; SIGTERM to the supervisor; time until the supervisor and every
// process under it have exited. The children exit on SIGTERM at once, so this is the supervisor's overhead.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SUPERVISORS } from '../lib/peers.mjs';
import { descendants, isAlive, startUntilReady, stopTool, waitUntil } from '../lib/proc.mjs';

const COUNT = 10;

async function measure(spec) {
  const { child, pipe } = await startUntilReady(spec, COUNT);
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const kids = descendants(child.pid);
    const t0 = performance.now();
    process.kill(child.pid, 'SIGTERM');
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 20_000);
    const { at } = await child.exited;
    clearTimeout(killer);
    if (kids.length < COUNT) throw new Error(`only ${kids.length} descendants were running`);
    // Done means the supervisor and every process under it are gone; some exit before their children do.
    let gone = at;
    try {
      gone = await waitUntil(() => !kids.some(isAlive), 3_000, 'the children to exit');
    } catch {
      const left = kids.filter(isAlive);
      for (const pid of left)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      throw new Error(`exited but left ${left.length} processes running 3 s after it exited`);
    }
    return { ms: Math.max(at, gone) - t0 };
  } finally {
    await stopTool(child);
    pipe.stream.destroy();
  }
}

/** SIGTERM → exit with 10 children. */
export const shutdownWorkload = {
  id: 'shutdown',
  title: 'Clean shutdown of 10 processes',
  async run(ctx) {
    const result = await ctx.series({
      tools: SUPERVISORS,
      prepareJob(dir) {
        const script = join(dir, 'child.sh');
        writeFileSync(script, 'echo READY\nexec sleep 600\n');
        return { dir, script, count: COUNT, format: 'raw', restart: false };
      },
      measure,
    });
    return {
      ...result,
      description: `${COUNT} instances of \`echo READY; exec sleep 600\` (drover \`start web=10\`, supervisord numprocs, node-foreman \`web=10\`, ${COUNT} concurrently commands, ${COUNT} pm2 apps). Once all are up, SIGTERM to the supervisor; time until it and every process under it have exited.`,
      metrics: [{ key: 'ms', label: 'shutdown (ms)', digits: 0, better: 'lower' }],
      goals: [],
    };
  },
};
