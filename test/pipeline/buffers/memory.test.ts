import { describe, expect, it } from 'vitest';
import { MemoryBuffer } from '../../../src/pipeline/buffers/memory';
import { createBuffer } from '../../../src/pipeline/buffers/buffer';

const rec = (n: number) => Buffer.from(`record ${n}`);
const texts = (records: Buffer[]) => records.map((r) => r.toString());

describe('memory buffer', () => {
  it('hands out records in order, resends unconfirmed ones after a rewind, forgets confirmed ones', () => {
    const buffer = new MemoryBuffer({ maxEvents: 100, maxSize: 1 << 20, whenFull: 'block' });
    for (let i = 0; i < 5; i++) buffer.push(rec(i));
    expect(texts(buffer.take(2, Infinity))).toEqual(['record 0', 'record 1']);
    expect(texts(buffer.take(10, Infinity))).toEqual(['record 2', 'record 3', 'record 4']);
    buffer.confirm(3);
    buffer.rewind();
    expect(buffer.pending).toBe(2);
    expect(texts(buffer.take(10, Infinity))).toEqual(['record 3', 'record 4']);
    expect(buffer.stats()).toMatchObject({ buffered: 0, unconfirmed: 2, dropped: 0 });
  });

  it('takes at least one record, and no more than maxBytes after that', () => {
    const buffer = new MemoryBuffer({ maxEvents: 100, maxSize: 1 << 20, whenFull: 'block' });
    for (let i = 0; i < 5; i++) buffer.push(rec(i));
    expect(buffer.take(10, 1)).toHaveLength(1);
    expect(buffer.take(10, 18)).toHaveLength(2);
  });

  it('drop_newest refuses new records when full and counts them', () => {
    const buffer = new MemoryBuffer({ maxEvents: 3, maxSize: 1 << 20, whenFull: 'drop_newest' });
    for (let i = 0; i < 5; i++) expect(buffer.push(rec(i))).toBe(true);
    expect(texts(buffer.take(10, Infinity))).toEqual(['record 0', 'record 1', 'record 2']);
    expect(buffer.takeDropped()).toBe(2);
    expect(buffer.takeDropped()).toBe(0);
    expect(buffer.stats().dropped).toBe(2);
  });

  it('drop_oldest makes room by dropping the oldest pending records, never the unconfirmed ones', () => {
    const buffer = new MemoryBuffer({ maxEvents: 3, maxSize: 1 << 20, whenFull: 'drop_oldest' });
    buffer.push(rec(0));
    buffer.take(1, Infinity); // record 0 is in flight
    for (let i = 1; i < 6; i++) buffer.push(rec(i));
    buffer.rewind();
    expect(texts(buffer.take(10, Infinity))).toEqual(['record 0', 'record 3', 'record 4', 'record 5']);
    expect(buffer.takeDropped()).toBe(2);
  });

  it('block keeps every record, asks the writer to wait, and lets it go on when there is room', async () => {
    const buffer = new MemoryBuffer({ maxEvents: 1000, maxSize: 40, whenFull: 'block' });
    const results = Array.from({ length: 12 }, (_, i) => buffer.push(rec(i)));
    expect(results.indexOf(false)).toBe(4); // 5 records of 8 bytes fill 40 bytes
    let drained = false;
    const wait = buffer.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    buffer.take(5, Infinity);
    await Promise.resolve();
    expect(drained).toBe(false); // 7 records, 58 bytes: still over
    buffer.take(5, Infinity);
    await wait;
    expect(buffer.pending).toBe(2);
    expect(buffer.stats().dropped).toBe(0);
  });

  it('counts what is still pending at close as lost', () => {
    const buffer = new MemoryBuffer({ maxEvents: 10, maxSize: 1 << 20, whenFull: 'block' });
    for (let i = 0; i < 4; i++) buffer.push(rec(i));
    buffer.take(1, Infinity);
    expect(buffer.close()).toBe(3);
  });

  it('is the default, with defaults filled in for a partial buffer table', () => {
    expect(createBuffer(undefined, 'x', {}).stats()).toMatchObject({ buffered: 0 });
    expect(createBuffer({ max_events: 2 }, 'x', {}).whenFull).toBe('drop_oldest');
    expect(() => createBuffer({ type: 'memory', path: '/tmp' }, 'x', {})).toThrow('unknown option "buffer.path"');
  });
});
