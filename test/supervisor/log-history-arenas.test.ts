// The log history's memory: arenas a quarter of its byte bound each, blocks larger than one in buffers of their
// own, and no more entries than lines it shows (issue 22). Lines must come back as written whatever the mix.
import { describe, expect, it } from 'vitest';
import { LogHistory } from '../../src/supervisor/log-history';
import type { BlockSource } from '../../src/pipeline/formats/formats';

const source: BlockSource = { logger: 'web.1', stream: 'stdout', pid: 1, hostname: 'h', severity: 6, type: 'log' };

/** A deterministic random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('log history arenas', () => {
  it('keeps the newest lines intact through arena reuse, with blocks larger than an arena among them', () => {
    const maxBytes = 4000;
    const history = new LogHistory(1_000_000, maxBytes);
    const next = random(3);
    const written: string[] = [];
    for (let i = 0; i < 5000; i++) {
      // Mostly short lines, some longer than an arena (1,000 bytes), a few blocks of several lines.
      const lines = next() < 0.1 ? 3 : 1;
      let block = '';
      for (let k = 0; k < lines; k++) {
        const line = `${i}.${k} ${'x'.repeat(next() < 0.05 ? 1200 + Math.floor(next() * 1500) : Math.floor(next() * 80))}\n`;
        block += line;
        written.push(line);
      }
      const chunk = Buffer.from(`junk${block}junk`);
      history.lines(chunk, 4, chunk.length - 4, source, i);
      chunk.fill(0); // the read buffer is reused: the history keeps copies
      if (i % 50 === 0) {
        const kept = history.recent(1_000_000).map((e) => e.bytes.toString());
        const text = kept.join('');
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes + 3 * 2700);
        // Exactly the newest lines, as written: nothing overwritten by a reused arena.
        expect(written.join('').endsWith(text)).toBe(true);
        expect(text.length).toBeGreaterThan(0);
      }
    }
  });

  it('evicts the entries of a reused arena even behind an older block kept in a buffer of its own', () => {
    // Arenas of 1,000 bytes: a block of 1,100 bytes gets its own buffer; lines of 550 bytes take an arena each.
    const history = new LogHistory(1_000_000, 4000);
    const lines = [`big ${'b'.repeat(1095)}\n`, ...Array.from({ length: 6 }, (_, i) => `${i} ${'x'.repeat(547)}\n`)];
    for (const [i, line] of lines.entries()) {
      const chunk = Buffer.from(line);
      history.lines(chunk, 0, chunk.length, source, i);
    }
    // The sixth line reused the first line's arena: what is kept is the newest lines, whole.
    const kept = history.recent(1_000_000).map((e) => e.bytes.toString());
    expect(lines.join('').endsWith(kept.join(''))).toBe(true);
    expect(kept.at(-1)).toBe(lines.at(-1));
  });

  it('keeps no more entries than the lines it shows', () => {
    const history = new LogHistory(100, 1 << 20);
    for (let i = 0; i < 10_000; i++) {
      const chunk = Buffer.from(`line ${i}\n`);
      history.lines(chunk, 0, chunk.length, source, i);
    }
    expect(history.stats().lines).toBe(100);
    expect(history.recent(1000).map((e) => e.bytes.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `line ${9900 + i}\n`));
    expect((history as unknown as { entries: unknown[]; head: number }).entries.length - (history as unknown as { head: number }).head).toBe(100);
  });
});
