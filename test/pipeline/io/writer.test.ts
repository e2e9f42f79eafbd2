import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FdWriter } from '../../../src/pipeline/io/writer';
import { writeProgress } from '../../../src/pipeline/io/sinks';
import { tempDir } from '../../helpers';

// Numbered lines written through every way in: bytes (copied from a reused buffer), prefixLines, text, byte and
// lineInPlace (which every seventh round declines, and the line goes through text instead).
function inPlace(round: number, bytes: Buffer, at: number, limit: number): number {
  const line = `in place ${round}\n`;
  return round % 7 === 0 || at + line.length > limit ? -1 : at + bytes.write(line, at, 'latin1');
}

function writeMix(writer: FdWriter, rounds: number): string {
  const reused = Buffer.alloc(4000);
  let expected = '';
  for (let r = 0; r < rounds; r++) {
    const block = Array.from({ length: 20 }, (_, i) => `block ${r}.${i} ${'x'.repeat(150)}\n`).join('');
    const size = reused.write(block, 'latin1');
    writer.bytes(reused, 0, size);
    reused.fill(0); // the writer copied it: changing it now must not change the output
    writer.prefixLines(Buffer.from(`P${r}: `), Buffer.from(block), 0, size);
    writer.text(`text ${r} é ${'y'.repeat(r % 300)}\n`);
    writer.byte(0x2a);
    writer.byte(10);
    const appended = writer.lineInPlace(r, inPlace);
    if (appended === 0) writer.text(`declined ${r}\n`);
    else if (appended !== `in place ${r}\n`.length) throw new Error(`lineInPlace reported ${appended} bytes for round ${r}`);
    const inPlaceLine = r % 7 === 0 ? `declined ${r}\n` : `in place ${r}\n`;
    expected += block + block.replace(/^(?=.)/gm, `P${r}: `) + `text ${r} é ${'y'.repeat(r % 300)}\n*\n` + inPlaceLine;
  }
  return expected;
}

describe('FdWriter', () => {
  // A pipe as a parent passes it (blocking: written from the thread pool) and one another process made
  // non-blocking (written by libuv as it polls).
  it.each([
    ['blocking', false],
    ['non-blocking', true],
  ])('writes everything in order through a slow reader of a %s pipe while reusing its buffers', async (_, nonBlocking) => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    const out = join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    // The reader starts late and reads in small sips, so the writer queues, stalls and recycles slabs meanwhile.
    const reader = spawn('sh', ['-c', `sleep 0.3; dd if=${fifo} of=${out} bs=4096 2>/dev/null`]);
    // Opening a FIFO without blocking needs a reader already: hold a read end that never reads.
    const idleReader = nonBlocking ? openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK) : undefined;
    const fd = nonBlocking ? openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK) : openSync(fifo, 'w');
    const flags = parseInt(/^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))![1], 8);
    expect((flags & constants.O_NONBLOCK) !== 0).toBe(nonBlocking);
    const writer = new FdWriter(fd, 256 * 1024);
    let expected = '';
    let stalls = 0;
    for (let part = 0; part < 20; part++) {
      expected += writeMix(writer, 100);
      if (writer.full) {
        stalls++;
        await writer.drained();
      }
    }
    await writer.flush();
    closeSync(fd);
    if (idleReader !== undefined) closeSync(idleReader);
    await new Promise((resolve) => reader.on('exit', resolve));
    expect(stalls).toBeGreaterThan(0);
    const written = readFileSync(out, 'utf8');
    expect(written.length).toBe(expected.length);
    expect(written === expected).toBe(true);
  });

  it('keeps writing from the thread pool while another process sets O_NONBLOCK and clears it again, losing nothing', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    const out = join(dir, 'out');
    const go = join(dir, 'go');
    execFileSync('mkfifo', [fifo]);
    // The reader opens the pipe at once but reads only once `go` exists: until then the pipe fills and stays full.
    const reader = spawn('sh', ['-c', `exec 3<${fifo}; while [ ! -e ${go} ]; do sleep 0.05; done; dd of=${out} bs=4096 <&3 2>/dev/null`]);
    const fd = openSync(fifo, 'w');
    const writer = new FdWriter(fd, 256 * 1024);
    // O_NONBLOCK belongs to the open file: another process given this pipe as its stdout can set it for us, as a
    // Node.js program does while it runs. (Perl does it here: Node.js puts the flags back when it exits.)
    const setNonBlocking = (on: boolean) =>
      execFileSync(
        'perl',
        ['-MFcntl', '-e', `my $f = fcntl(STDOUT, F_GETFL, 0); fcntl(STDOUT, F_SETFL, ${on ? '$f | O_NONBLOCK' : '$f & ~O_NONBLOCK'}) or die "fcntl: $!"`],
        { stdio: ['ignore', fd, 'inherit'] },
      );
    const nonBlocking = () => (parseInt(/^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))![1], 8) & constants.O_NONBLOCK) !== 0;
    setNonBlocking(true);
    expect(nonBlocking()).toBe(true);
    let expected = writeMix(writer, 100); // more than the pipe holds: writes answer EAGAIN and are retried
    await new Promise((r) => setTimeout(r, 200));
    setNonBlocking(false);
    expect(nonBlocking()).toBe(false);
    expected += writeMix(writer, 100);
    // The pipe is full and blocking now: the writes wait in the thread pool, not in the event loop.
    const before = Date.now();
    await new Promise((r) => setTimeout(r, 10));
    expect(Date.now() - before).toBeLessThan(500);
    expect(writer.sinkKind).toBe('thread pool');
    writeFileSync(go, '');
    for (let part = 0; part < 10; part++) {
      expected += writeMix(writer, 100);
      await writer.drained();
    }
    await writer.flush();
    closeSync(fd);
    await new Promise((resolve) => reader.on('exit', resolve));
    expect(readFileSync(out, 'utf8') === expected).toBe(true);
  });

  it('prefixes lines longer than a whole slab', async () => {
    const out = join(tempDir(), 'out');
    const fd = openSync(out, 'w');
    const writer = new FdWriter(fd);
    const block = `short\n${'L'.repeat(600_000)}\nend\n`;
    writer.prefixLines(Buffer.from('> '), Buffer.from(block), 0, block.length);
    await writer.flush();
    closeSync(fd);
    expect(readFileSync(out, 'utf8') === `> short\n> ${'L'.repeat(600_000)}\n> end\n`).toBe(true);
  });

  it('counts what a writer has written until it is closed, and then forgets it', async () => {
    const out = join(tempDir(), 'out');
    const writer = new FdWriter(openSync(out, 'w'));
    const before = writeProgress().written;
    writer.bytes(Buffer.from('twelve bytes'));
    await writer.flush();
    expect(writeProgress()).toMatchObject({ unwritten: 0, written: before + 12 });
    writer.close();
    expect(writeProgress().written).toBe(before);
    expect(readFileSync(out, 'utf8')).toBe('twelve bytes');
  });

  it('writes everything in order to a file, through the thread pool', async () => {
    const out = join(tempDir(), 'out');
    const fd = openSync(out, 'w');
    const writer = new FdWriter(fd, 256 * 1024);
    let expected = '';
    for (let part = 0; part < 10; part++) {
      expected += writeMix(writer, 100);
      await writer.drained();
    }
    await writer.flush();
    closeSync(fd);
    expect(readFileSync(out, 'utf8') === expected).toBe(true);
  });
});
