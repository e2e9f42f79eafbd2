// The process_metrics input: Heroku's log-runtime-metrics lines measured from /proc over an instance's process tree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drover, jsonLines, JSON_STDOUT, killLeftovers, startDrover, tempDir, waitForLine } from '../../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('process_metrics input', () => {
  it("reports a 100 MB allocation in a child of the instance within 10% of /proc's figure, as Type metrics", async () => {
    // The instance's own process (sleep) is small: the 100 MB are in its child, in a session and process group
    // of its own (setsid), so only a walk of the process tree finds them.
    const dir = tempDir({
      Procfile: `web: setsid ${process.execPath} alloc.js & exec sleep 600\nworker: exec sleep 600\n`,
      'alloc.js': `const b = Buffer.alloc(100 * 1024 * 1024, 1); require('fs').writeFileSync('alloc.pid', String(process.pid)); setInterval(() => b[0]++, 1000);`,
      'drover/inputs.toml': '[inputs.metrics]\ntype = "process_metrics"\ninterval = "1s"\n',
      'drover/out.toml': JSON_STDOUT,
    });
    const child = startDrover(dir, [], { DROVER_SOCKET: join(dir, 'control.sock') });
    await waitForLine(child, /State changed from starting to up/);
    type Line = Record<string, any>;
    const metrics = () => jsonLines(child.output()).filter((l) => l.type === 'metrics') as unknown as Line[];
    let web: Line | undefined;
    let procMb = 0;
    let allocPid = 0;
    for (const until = Date.now() + 20_000; Date.now() < until; await sleep(200)) {
      web = metrics()
        .reverse()
        .find((l) => l.logger === 'web.1' && l.memory_rss > 100);
      if (web) {
        // The tree: node (the allocation) and its parent, the instance's sleep.
        allocPid = Number(readFileSync(join(dir, 'alloc.pid'), 'utf8'));
        const stat = readFileSync(`/proc/${allocPid}/stat`, 'utf8').split(') ')[1].split(' ');
        const parentPid = Number(stat[1]);
        expect(Number(stat[2])).not.toBe(parentPid); // another process group than the instance's
        procMb = (rssKb(allocPid) + rssKb(parentPid)) / 1024;
        break;
      }
    }
    const status = await drover(['status', '--socket', join(dir, 'control.sock')]);
    child.kill('SIGTERM');
    await child;
    // Out of the instance's process group, it outlives the stop (the README's PID 1 limit): the test ends it.
    if (allocPid) process.kill(allocPid, 'SIGKILL');
    expect(web, child.output()).toBeDefined();
    expect(web!.message).toMatch(
      /^source=web\.1 sample#memory_total=[\d.]+MB sample#memory_rss=[\d.]+MB sample#memory_swap=[\d.]+MB sample#load_avg_1m=[\d.]+ sample#load_avg_5m=[\d.]+ sample#load_avg_15m=[\d.]+ sample#cpu_time=[\d.]+s sample#processes=2$/,
    );
    console.log(`process_metrics: memory_rss ${web!.memory_rss} MB reported, ${procMb.toFixed(2)} MB in /proc just after`);
    expect(Math.abs(web!.memory_rss - procMb) / procMb).toBeLessThan(0.1);
    const worker = metrics().find((l) => l.logger === 'worker.1')!;
    expect(worker.memory_rss).toBeLessThan(20);
    expect(status.stdout).toMatch(/inputs\.metrics: samples=\d+ errors=0/);
  });
});
