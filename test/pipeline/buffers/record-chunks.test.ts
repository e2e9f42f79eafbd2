// Record bytes in shared chunks (record-chunks.ts) and the memory buffer over them: order, reuse and no object per record.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, RecordChunks, SpanQueue } from '../../../src/pipeline/buffers/record-chunks';
import { NumberQueue } from '../../../src/pipeline/buffers/queue';
import { MemoryBuffer } from '../../../src/pipeline/buffers/memory';
import type { WhenFull } from '../../../src/pipeline/buffers/record-buffer';

/** A small deterministic random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** Record `n` of `size` bytes: its number, then filler, so any mix-up of bytes shows. */
function record(n: number, size: number): Buffer {
  const head = `#${n}:`;
  const bytes = Buffer.alloc(Math.max(size, head.length), 97 + (n % 26));
  bytes.write(head);
  return bytes;
}

describe('SpanQueue', () => {
  it('keeps records in order through wrap-arounds, growth, shrinking and a prepend', () => {
    const queue = new SpanQueue();
    const model: number[][] = [];
    const next = random(7);
    let n = 0;
    for (let step = 0; step < 60_000; step++) {
      // Bursts up to ~20,000 then drains: the ring grows past 4,096 slots and shrinks again.
      const pushing = step % 20_000 < 10_000 ? next() < 0.8 : next() < 0.2;
      if (pushing) {
        queue.push(n, n * 2, n * 3);
        model.push([n, n * 2, n * 3]);
        n++;
      } else if (model.length) {
        expect([queue.chunkAt(0), queue.startAt(0), queue.lengthAt(0)]).toEqual(model.shift());
        queue.shift();
      }
      expect(queue.length).toBe(model.length);
    }
    const older = new SpanQueue();
    for (let i = 0; i < 5; i++) older.push(100 + i, 0, 1);
    queue.prepend(older);
    expect(older.length).toBe(0);
    const expected = [...[0, 1, 2, 3, 4].map((i) => [100 + i, 0, 1]), ...model];
    expect(Array.from({ length: queue.length }, (_, i) => [queue.chunkAt(i), queue.startAt(i), queue.lengthAt(i)])).toEqual(expected);
  });
});

describe('NumberQueue', () => {
  it('keeps numbers beyond 32 bits in order through growth and shrinking', () => {
    const queue = new NumberQueue();
    let pushed = 0;
    let shifted = 0;
    const base = 2 ** 40;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10_000; i++) queue.push(base + pushed++);
      expect(queue.last()).toBe(base + pushed - 1);
      while (queue.length > 100) expect(queue.shift()).toBe(base + shifted++);
    }
    expect(queue.peek()).toBe(base + shifted);
    while (queue.length) expect(queue.shift()).toBe(base + shifted++);
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });
});

describe('memory buffer over chunks', () => {
  const realAlloc = Buffer.allocUnsafeSlow;
  afterEach(() => {
    Buffer.allocUnsafeSlow = realAlloc;
  });

  it('against a plain model: take, confirm, rewind, drop_oldest and views of unconfirmed records never mix bytes up', () => {
    const maxEvents = 500;
    const maxSize = 200_000;
    for (const whenFull of ['block', 'drop_oldest', 'drop_newest'] as WhenFull[]) {
      const buffer = new MemoryBuffer({ maxEvents, maxSize, whenFull });
      const next = random(whenFull.length);
      const pending: Buffer[] = [];
      const sent: Buffer[] = [];
      // What take handed out for the records still unconfirmed, with a copy made then: a view must keep its bytes
      // while other chunks are emptied and filled again.
      let views: { view: Buffer; copy: Buffer }[] = [];
      const bytes = () => pending.reduce((s, p) => s + p.length, 0);
      const full = (size: number) => pending.length >= maxEvents || (pending.length > 0 && bytes() + size > maxSize);
      let n = 0;
      for (let step = 0; step < 20_000; step++) {
        const op = next();
        if (op < 0.55) {
          // Mostly small records, now and then one larger than a chunk.
          const r = record(n, next() < 0.005 ? CHUNK_SIZE + 1000 : 20 + Math.floor(next() * 400));
          const kept = record(n++, r.length);
          if (full(r.length) && whenFull === 'drop_newest') {
            buffer.push(r);
            continue;
          }
          if (whenFull === 'drop_oldest') while (pending.length && full(r.length)) pending.shift();
          buffer.push(r);
          r.fill(0); // push copied it: the caller may reuse its memory
          pending.push(kept);
        } else if (op < 0.8) {
          const taken = buffer.take(1 + Math.floor(next() * 50), 1 + Math.floor(next() * 20_000));
          expect(taken.map(String)).toEqual(pending.slice(0, taken.length).map(String));
          sent.push(...pending.splice(0, taken.length));
          views.push(...taken.map((view) => ({ view, copy: Buffer.from(view) })));
        } else if (op < 0.97) {
          const count = Math.floor(next() * (sent.length + 1));
          buffer.confirm(count);
          sent.splice(0, count);
          views.splice(0, count);
        } else {
          buffer.rewind();
          pending.unshift(...sent.splice(0));
          views = [];
        }
        expect(buffer.pending).toBe(pending.length);
        expect(buffer.unconfirmed).toBe(sent.length);
        expect(buffer.pendingBytes).toBe(bytes());
        if (step % 97 === 0) {
          expect(buffer.unconfirmedRecords(sent.length).map(String)).toEqual(sent.map(String));
          for (const { view, copy } of views) expect(view.equals(copy)).toBe(true);
        }
      }
      expect(n).toBeGreaterThan(10_000);
    }
  });

  it('keeps no JS object per record: 100,000 records add little to the heap', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const buffer = new MemoryBuffer({ maxEvents: 1_000_000, maxSize: 1 << 30, whenFull: 'block' });
    gc();
    const before = process.memoryUsage().heapUsed;
    // Each record a Buffer of its own, as an encoder without reused memory makes them.
    for (let i = 0; i < 100_000; i++) buffer.push(Buffer.alloc(100, 120));
    buffer.take(50_000, Infinity); // half of them unconfirmed, half pending
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // A Buffer kept per record costs about 100 bytes of heap each (10 MB here); chunks and rings cost none.
    expect(grown).toBeLessThan(2 * 1024 * 1024);
    expect(buffer.stats()).toMatchObject({ buffered: 50_000, unconfirmed: 50_000 });
  });

  it('a busy buffer reuses emptied chunks instead of allocating new ones, and keeps at most 1 MiB of them once empty', () => {
    let allocated = 0;
    Buffer.allocUnsafeSlow = ((size: number) => {
      allocated++;
      return realAlloc(size);
    }) as typeof Buffer.allocUnsafeSlow;
    const chunks = new RecordChunks();
    const buffer = new MemoryBuffer({ maxEvents: 10_000, maxSize: 10 << 20, whenFull: 'block' });
    (buffer as unknown as { chunks: RecordChunks }).chunks = chunks;
    const r = Buffer.alloc(200, 98);
    // Batches of ~1 MB (16 chunks) confirmed at once, as an http drain does.
    const cycle = () => {
      while (buffer.pending < 10_000) buffer.push(r);
      buffer.confirm(buffer.take(5000, 1 << 20).length);
    };
    for (let i = 0; i < 20; i++) cycle();
    const warm = allocated;
    for (let i = 0; i < 200; i++) cycle();
    expect(allocated).toBe(warm);
    // Emptied: only 16 spare chunks stay.
    buffer.confirm(buffer.take(100_000, Infinity).length);
    expect((chunks as unknown as { spare: Buffer[] }).spare.length).toBeLessThanOrEqual(16);
  });
});
