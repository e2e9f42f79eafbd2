import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(() => {
  expect(killLeftovers()).toEqual([]);
});

describe('the supervisor thread pool', () => {
  it("has room for stalled outputs, and the processes get the environment without drover's pool size", async () => {
    const app = tempDir({ Procfile: 'web: echo "pool=${UV_THREADPOOL_SIZE:-unset}"; echo ready; sleep 30\n' });
    const child = startDrover(app, [], { UV_THREADPOOL_SIZE: '' });
    await waitForLine(child, /ready/);
    // node alone runs 7 threads here (main, 4 V8 workers, signals, inspector); libuv adds the pool.
    const threads = readdirSync(`/proc/${child.pid}/task`).length;
    expect(threads).toBeGreaterThanOrEqual(7 + 16);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.all).toContain('pool=unset');
  });
});
