import { describe, expect, it } from 'vitest';
import { prefixLinesInJs, prefixLinesInto, usesWebAssembly } from '../../../src/pipeline/formats/prefix-lines';

/** A small seeded generator, so that a failure can be replayed. */
function random(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

/** `count` lines of random bytes other than `\n` (any of the other 255, as binary output has), lengths 0 to `max`. */
function lines(next: (n: number) => number, count: number, max: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const line = Buffer.alloc(next(max + 1) + 1, 0);
    for (let j = 0; j < line.length - 1; j++) line[j] = 11 + next(245);
    line[line.length - 1] = 10;
    parts.push(line);
  }
  return Buffer.concat(parts);
}

/** What prefixing whole lines gives, built the obvious way. */
function expected(prefix: Buffer, source: Buffer, read: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < read; ) {
    const end = source.indexOf(10, at) + 1;
    parts.push(prefix, source.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

describe('prefixLinesInto', () => {
  it('runs in WebAssembly here', () => {
    expect(usesWebAssembly()).toBe(true);
  });

  it('copies as many whole lines as fit, each after the prefix, as the JavaScript version does', () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const prefix = Buffer.from('p'.repeat(next(80)) + '|');
      const source = lines(next, 1 + next(200), [5, 40, 300, 3000][round % 4]);
      // Sometimes cut inside a line: a last line without its newline is left unread.
      const cut = round % 3 === 0 ? source.subarray(0, source.length - 1 - next(Math.min(20, source.length - 1))) : source;
      const target = Buffer.alloc([64, 1000, 70_000, 600_000][next(4)], 0xee);
      const got = prefixLinesInto(prefix, cut, target);
      const reference = prefixLinesInJs(prefix, cut, Buffer.alloc(target.length));
      expect(got).toEqual(reference);
      expect(target.subarray(0, got.written).equals(expected(prefix, cut, got.read))).toBe(true);
      // Nothing past what it reports written is touched.
      expect(target.subarray(got.written).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('does not take a newline left in its memory by an earlier, longer input for the end of a line', () => {
    const prefix = Buffer.from('> ');
    prefixLinesInto(prefix, Buffer.from('\n'.repeat(1000)), Buffer.alloc(10_000));
    const partial = Buffer.from('a whole line\nand the start of another');
    const target = Buffer.alloc(10_000);
    expect(prefixLinesInto(prefix, partial, target)).toEqual({ read: 13, written: 15 });
    expect(target.subarray(0, 15).toString()).toBe('> a whole line\n');
  });

  it('reads nothing when the first line does not fit or is longer than 256 KiB, so the caller copies it', () => {
    const prefix = Buffer.from('2026-11-23T17:31:07.123000+00:00 app[web.1]: ');
    expect(prefixLinesInto(prefix, Buffer.from('a line of 27 bytes or so..\n'), Buffer.alloc(60)).read).toBe(0);
    const long = Buffer.concat([Buffer.alloc(300_000, 0x61), Buffer.from('\nshort\n')]);
    expect(prefixLinesInto(prefix, long, Buffer.alloc(1 << 20))).toEqual({ read: 0, written: 0 });
  });

  it('takes prefixes longer than its WebAssembly memory holds, in JavaScript', () => {
    const prefix = Buffer.from('x'.repeat(2000) + ': ');
    const source = Buffer.from('one\ntwo\n');
    const target = Buffer.alloc(10_000);
    const got = prefixLinesInto(prefix, source, target);
    expect(got).toEqual({ read: 8, written: 2 * 2002 + 8 });
    expect(target.subarray(0, got.written).equals(expected(prefix, source, 8))).toBe(true);
  });
});
