import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPipe } from '../../src/supervisor/reader';
import { tempDir } from '../helpers';

// A child printing `count` numbered lines of 100 bytes, then touching `done` once its writes have all been taken.
function printer(count: number, done: string) {
  const script = `for (let i = 0; i < ${count}; i++) process.stdout.write(String(i).padStart(99, '0') + '\\n'); process.stdout.end(() => require('fs').writeFileSync(${JSON.stringify(done)}, ''));`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('readPipe', () => {
  it('reads a child into the shared buffer on this Node.js, so output allocates nothing per read', () => {
    const child = spawn('true', { stdio: ['ignore', 'pipe', 'ignore'] });
    const reader = readPipe(child.stdout!, () => undefined);
    // False means Node.js no longer has net.Socket's onread fields: memory and speed goals would regress.
    expect(reader.shared).toBe(true);
  });

  it('passes on every byte in order across many reads of two children at once', async () => {
    const dir = tempDir();
    const children = [printer(30_000, join(dir, 'a')), printer(30_000, join(dir, 'b'))];
    const texts = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            const parts: string[] = [];
            let reads = 0;
            // Copied at once, as the contract says: the next read of either child overwrites the bytes.
            readPipe(child.stdout!, (bytes) => {
              reads++;
              parts.push(bytes.toString('latin1'));
            });
            child.stdout!.on('close', () => {
              expect(reads).toBeGreaterThan(5);
              resolve(parts.join(''));
            });
          }),
      ),
    );
    const expected = Array.from({ length: 30_000 }, (_, i) => String(i).padStart(99, '0') + '\n').join('');
    for (const text of texts) expect(text === expected).toBe(true);
  });

  it('stops reading while paused, so the child blocks on a full pipe, and goes on after resume', async () => {
    const dir = tempDir();
    const done = join(dir, 'done');
    const child = printer(50_000, done); // 5 MB: far more than a pipe holds
    let received = 0;
    let pauseAfterRead = true;
    const reader = readPipe(child.stdout!, (bytes) => {
      received += bytes.length;
      if (pauseAfterRead) reader.pause();
    });
    const closed = Promise.all([new Promise((resolve) => child.stdout!.on('close', resolve)), new Promise((resolve) => child.on('exit', resolve))]);
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.paused).toBe(true);
    expect(existsSync(done)).toBe(false); // the child is still blocked in write()
    const whilePaused = received;
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toBe(whilePaused);
    pauseAfterRead = false;
    reader.resume();
    await closed;
    expect(received).toBe(50_000 * 100);
    expect(existsSync(done)).toBe(true);
  });

  it.each([true, false])('stays paused when the child exits while a process it left behind goes on printing (shared buffer: %s)', async (shared) => {
    const done = join(tempDir(), 'done');
    // The shell prints a little and exits; its background job (holding the same pipe) then prints 2 MB.
    const child = spawn('bash', ['-c', `(sleep 0.3; head -c 2000000 /dev/zero; touch ${done}) & head -c 1000 /dev/zero`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    let received = 0;
    const reader = readPipe(
      child.stdout!,
      (bytes) => {
        received += bytes.length;
        reader.pause();
      },
      { shared },
    );
    await new Promise((resolve) => child.on('exit', resolve)); // child_process resumes the pipe here
    await new Promise((r) => setTimeout(r, 800));
    expect(reader.paused).toBe(true);
    expect(received).toBeLessThanOrEqual(1000 + 256 * 1024); // at most one more read after the exit, not the 2 MB
    expect(existsSync(done)).toBe(false);
    process.kill(-child.pid!, 'SIGKILL');
  });

  it('reads on to the end when resumed after the child exited, though child_process already restarted reading', async () => {
    const done = join(tempDir(), 'done');
    const child = spawn('bash', ['-c', `(sleep 0.3; head -c 2000000 /dev/zero; touch ${done}) & head -c 1000 /dev/zero`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let received = 0;
    let pauseAfterRead = true;
    const reader = readPipe(child.stdout!, (bytes) => {
      received += bytes.length;
      if (pauseAfterRead) reader.pause();
    });
    const closed = new Promise((resolve) => child.stdout!.on('close', resolve));
    await new Promise((resolve) => child.on('exit', resolve));
    // child_process resumes the stream on the next tick after 'exit': resume after that, while nothing has come
    // yet (the background job sleeps), so the handle is reading already.
    await new Promise((resolve) => setImmediate(resolve));
    pauseAfterRead = false;
    reader.resume();
    await closed;
    expect(received).toBe(2_001_000);
    expect(existsSync(done)).toBe(true);
  });
});
