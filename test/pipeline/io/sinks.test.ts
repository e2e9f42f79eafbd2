// wholeLines: what a write to a descriptor that processes also write to (direct output) may hold.
import { describe, expect, it } from 'vitest';
import { wholeLines } from '../../../src/pipeline/io/sinks';

const joined = (part: Buffer[]) => Buffer.concat(part).toString();

describe('wholeLines', () => {
  it('keeps a part of at most PIPE_BUF bytes as it is', () => {
    const part = [Buffer.from('a\nb\n'), Buffer.from('c')];
    expect(wholeLines(part)).toBe(part);
  });

  it('cuts a longer part after its last newline within 4,096 bytes, across chunks', () => {
    const line = 'x'.repeat(99) + '\n';
    const part = [Buffer.from(line.repeat(30)), Buffer.from(line.repeat(30))];
    const cut = joined(wholeLines(part));
    expect(cut).toBe(line.repeat(40));
  });

  it('gives a first line longer than 4,096 bytes alone and whole, and a part without a newline as it is', () => {
    const long = 'y'.repeat(5000) + '\n';
    expect(joined(wholeLines([Buffer.from(long.slice(0, 3000)), Buffer.from(long.slice(3000) + 'next\n')]))).toBe(long);
    const none = [Buffer.from('z'.repeat(6000))];
    expect(wholeLines(none)).toBe(none);
  });
});
