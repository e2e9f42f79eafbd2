import { readdirSync, readFileSync, appendFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskBuffer } from '../../../src/pipeline/buffers/disk';
import { startTimeOf } from '../../../src/pipeline/buffers/segment-files';
import { tempDir } from '../../helpers';

const rec = (n: number) => Buffer.from(`record ${n}`);
const texts = (records: Buffer[]) => records.map((r) => r.toString());
const open = (dir: string, more: Partial<ConstructorParameters<typeof DiskBuffer>[0]> = {}) =>
  new DiskBuffer({ dir, maxSize: 1 << 20, segmentSize: 1 << 20, whenFull: 'block', ...more });

describe('disk buffer', () => {
  it('keeps unconfirmed records across a restart and resends them in order', () => {
    const dir = tempDir();
    const first = open(dir);
    for (let i = 0; i < 10; i++) first.push(rec(i));
    first.take(4, Infinity);
    first.confirm(3); // record 3 was sent but not confirmed
    expect(first.close()).toBe(0);

    const second = open(dir);
    expect(second.resumed).toBe(7);
    expect(texts(second.take(100, Infinity))).toEqual([3, 4, 5, 6, 7, 8, 9].map((n) => `record ${n}`));
    second.confirm(7);
    second.close();
    expect(open(dir).resumed).toBe(0);
  });

  it('hands out the oldest unconfirmed records again, across segments, for a transport that retries a batch as it was', () => {
    const dir = tempDir();
    const buffer = open(dir, { segmentSize: 64 });
    for (let i = 0; i < 40; i++) buffer.push(rec(i));
    expect(buffer.stats().segments).toBeGreaterThan(4);
    const taken = texts(buffer.take(25, Infinity));
    expect(texts(buffer.unconfirmedRecords(25))).toEqual(taken);
    buffer.confirm(7);
    expect(texts(buffer.unconfirmedRecords(10))).toEqual(taken.slice(7, 17));
    expect(texts(buffer.unconfirmedRecords(100))).toEqual(taken.slice(7));
    buffer.close();
  });

  it('keeps a copy of each record: the caller may reuse its memory once push returns (an encoder reuses it)', () => {
    const buffer = open(tempDir());
    const memory = Buffer.from('record 0');
    buffer.push(memory);
    memory.write('record 1');
    buffer.push(memory);
    memory.fill(0);
    expect(texts(buffer.take(10, Infinity))).toEqual(['record 0', 'record 1']);
    buffer.close();
  });

  it('rewinds to the oldest unconfirmed record across segments, and deletes confirmed segments', () => {
    const dir = tempDir();
    const buffer = open(dir, { segmentSize: 64 });
    for (let i = 0; i < 40; i++) buffer.push(rec(i));
    expect(buffer.stats().segments).toBeGreaterThan(4);
    expect(texts(buffer.take(25, Infinity))).toHaveLength(25);
    buffer.confirm(20);
    buffer.rewind();
    expect(texts(buffer.take(100, Infinity))).toEqual(Array.from({ length: 20 }, (_, i) => `record ${i + 20}`));
    buffer.confirm(20);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg'))).toHaveLength(1);
    buffer.close();
  });

  it('repairs a torn record at the end of a segment after a crash', () => {
    const dir = tempDir();
    const first = open(dir);
    for (let i = 0; i < 3; i++) first.push(rec(i));
    first.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
    appendFileSync(segment, Buffer.from([0xd7, 100, 0, 0, 0, 65, 66])); // a record cut short by the crash
    const second = open(dir);
    expect(second.resumed).toBe(3);
    second.push(rec(3));
    expect(texts(second.take(10, Infinity))).toEqual(['record 0', 'record 1', 'record 2', 'record 3']);
    second.close();
  });

  it('recovers when the checkpoint points past what reached the disk (an OS crash before the data was written)', () => {
    const dir = tempDir();
    const first = open(dir);
    for (let i = 0; i < 3; i++) first.push(rec(i));
    first.take(3, Infinity);
    first.confirm(3);
    first.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
    truncateSync(segment, 15); // the checkpoint was written, the last records of the segment were not
    const second = open(dir);
    expect(second.resumed).toBe(0);
    expect(second.pendingBytes).toBe(0);
    second.push(rec(3));
    expect(second.pendingBytes).toBeGreaterThan(0);
    expect(texts(second.take(10, Infinity))).toEqual(['record 3']);
    second.close();
  });

  it('deletes the segment being written once all of it is confirmed, and resumes from the next one after a restart', () => {
    const dir = tempDir();
    const buffer = open(dir, { segmentSize: 4096 });
    for (let i = 0; i < 100; i++) buffer.push(rec(i)); // about 1.4 KB: over a quarter of a segment
    const [first] = readdirSync(dir).filter((f) => f.endsWith('.seg'));
    expect(buffer.take(100, Infinity)).toHaveLength(100);
    buffer.confirm(100);
    const left = readdirSync(dir).filter((f) => f.endsWith('.seg'));
    expect(left).not.toContain(first);
    expect(left).toHaveLength(1);
    buffer.push(rec(100));
    buffer.close();
    expect(readdirSync(dir)).not.toContain('checkpoint.tmp');
    const again = open(dir, { segmentSize: 4096 });
    expect(texts(again.take(10, Infinity))).toEqual(['record 100']);
    again.close();
  });

  it('counts a checkpoint it cannot write, and goes on (more is resent after a restart)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'checkpoint')); // neither a rename over it nor a write into it can work
    const buffer = open(dir);
    for (let i = 0; i < 3; i++) buffer.push(rec(i));
    buffer.take(3, Infinity);
    buffer.confirm(3);
    buffer.close();
    expect(buffer.stats().checkpoint_errors).toBe(1);
    expect(readdirSync(dir)).not.toContain('checkpoint.tmp');
  });

  it('drop_oldest drops whole unsent segments and counts their records', () => {
    const dir = tempDir();
    const buffer = open(dir, { maxSize: 700, segmentSize: 1 << 20, whenFull: 'drop_oldest' });
    for (let i = 0; i < 200; i++) buffer.push(rec(i));
    const dropped = buffer.takeDropped();
    expect(dropped).toBeGreaterThan(100);
    const kept = buffer.take(1000, Infinity).map((r) => Number(r.toString().split(' ')[1]));
    expect(kept.length + dropped).toBe(200);
    expect(kept[0]).toBe(0); // the segment being read is kept…
    expect(kept.at(-1)).toBe(199); // …and so are the newest records
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    buffer.close();
  });

  it('drop_newest and block, at max_size', () => {
    const dir = tempDir();
    const newest = open(dir, { maxSize: 150, whenFull: 'drop_newest' });
    for (let i = 0; i < 20; i++) newest.push(rec(i));
    expect(newest.pending + newest.takeDropped()).toBe(20);
    newest.close();
    const blocking = open(tempDir(), { maxSize: 150, whenFull: 'block' });
    const results = Array.from({ length: 20 }, (_, i) => blocking.push(rec(i)));
    expect(results.indexOf(false)).toBe(11); // 12 records of 8 + 5 bytes reach 150
    expect(blocking.pending).toBe(20);
    blocking.close();
  });

  it('refuses a directory locked by another live process', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    expect(() => open(dir)).toThrow(`buffer.path "${dir}" is in use by process ${process.ppid}`);
    writeFileSync(join(dir, 'lock'), `${process.ppid} ${startTimeOf(process.ppid)}`);
    expect(() => open(dir)).toThrow(`buffer.path "${dir}" is in use by process ${process.ppid}`);
    // The PID is alive but started at another time: the system gave it to a new process since, so the lock is stale.
    writeFileSync(join(dir, 'lock'), `${process.ppid} 1`);
    open(dir).close();
    writeFileSync(join(dir, 'lock'), '999999999'); // a stale lock of a process that is gone
    open(dir).close();
    expect(readdirSync(dir)).not.toContain('lock');
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toMatch(/"offset":0/);
  });
});
