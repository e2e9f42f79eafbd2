// drover start leaves its stdout as it found it (blocking) where its process may write to it directly, and keeps
// supervising when the reader goes away.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, TEST_MARK, killLeftovers, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** The O_NONBLOCK flag of a process's descriptor, from /proc. */
function nonBlocking(pid: number, fd: number): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))!;
  return (parseInt(flags[1], 8) & constants.O_NONBLOCK) !== 0;
}

/** drover start with stdout and stderr both the write end of a FIFO opened blocking, as a platform's log pipe is. */
function startOnFifo(app: string, env: NodeJS.ProcessEnv = { DYNO: '', PORT: '' }) {
  const fifo = join(app, 'log-pipe');
  execFileSync('mkfifo', [fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, constants.O_WRONLY);
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  let output = '';
  reader.on('data', (d) => (output += d));
  reader.on('error', () => undefined);
  const [k, v] = TEST_MARK.split('=');
  const child = spawn(DROVER, ['start'], { cwd: app, stdio: ['ignore', writeFd, writeFd], env: { ...process.env, ...env, [k]: v } });
  closeSync(writeFd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, reader, exited, output: () => output };
}

describe('drover start and its stdout', () => {
  // With direct_output = true on a dyno, one instance writes to the pipe itself: O_NONBLOCK belongs to the open
  // file, so drover setting it would make the app's writes fail with EAGAIN.
  it('leaves a blocking pipe blocking on a dyno, where its one process writes to it directly', async () => {
    const app = tempDir({ Procfile: 'web: echo hello; exec sleep 1000\n', 'drover/100.toml': '[supervisor]\ndirect_output = true\n' });
    const run = startOnFifo(app, { DYNO: 'web.1', PORT: '5000' });
    try {
      await waitForLine(run, /hello/, 30_000);
      await waitForLine(run, /Process started with pid \d+ \(output: direct\)/, 30_000);
      expect(nonBlocking(run.child.pid!, 1)).toBe(false);
      expect(nonBlocking(run.child.pid!, 2)).toBe(false);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      run.reader.destroy();
    }
  }, 60_000);

  it('goes on supervising after the reader of its stdout goes away, and stops cleanly', async () => {
    const app = tempDir({ Procfile: 'web: while :; do echo tick; sleep 0.05; done\n' });
    const run = startOnFifo(app);
    await waitForLine(run, /tick/, 30_000);
    run.reader.destroy();
    // Writes fail with EPIPE from now on: drover must neither crash nor stop its process.
    await new Promise((r) => setTimeout(r, 1000));
    expect(run.child.exitCode).toBe(null);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 60_000);
});
