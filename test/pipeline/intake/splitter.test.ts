import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineSink } from '../../../src/pipeline/intake/splitter';
import type { BlockSource } from '../../../src/pipeline/formats/formats';

const source: BlockSource = { logger: 'web.1', stream: 'stdout', pid: 1, hostname: 'h', severity: 6, type: 'log' };

/** A sink that records every line, noting which came through the block fast path. */
function collector() {
  const lines: { text: Buffer; via: 'block' | 'line' }[] = [];
  const sink: LineSink = {
    block(_s, chunk, start, end) {
      expect(chunk[end - 1]).toBe(10);
      let at = start;
      while (at < end) {
        const nl = chunk.indexOf(10, at);
        lines.push({ text: Buffer.from(chunk.subarray(at, nl)), via: 'block' });
        at = nl + 1;
      }
    },
    line(_s, bytes, _t, cut) {
      lines.push({ text: Buffer.from(bytes), via: 'line' });
      if (cut) cuts.push(lines.length - 1);
    },
  };
  const cuts: number[] = [];
  return { sink, lines, cuts, texts: () => lines.map((l) => l.text.toString('utf8')) };
}

describe('LineSplitter', () => {
  it('passes a line longer than the block limit whole, one by one, and cuts only past maxLine, marking the cut', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 1000, 1000, 10);
    splitter.push(Buffer.from('short\n' + 'b'.repeat(50) + '\nend\n'));
    expect(c.texts()).toEqual(['short', 'b'.repeat(50), 'end']);
    expect(c.lines.map((l) => l.via)).toEqual(['block', 'line', 'block']);
    // A line arriving in many reads, past maxLine: cut pieces of 1000 bytes, the rest held until its newline.
    for (let i = 0; i < 25; i++) splitter.push(Buffer.from('x'.repeat(100)));
    splitter.push(Buffer.from('\n'));
    expect(c.texts().slice(3)).toEqual(['x'.repeat(1000), 'x'.repeat(1000), 'x'.repeat(500)]);
    expect(c.cuts).toEqual([3, 4]);
  });

  it('passes whole lines as blocks and joins lines split across chunks', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 100, 1000);
    splitter.push(Buffer.from('one\ntwo\nthr'));
    splitter.push(Buffer.from('ee\nfo'));
    splitter.push(Buffer.from('ur'));
    splitter.end();
    expect(c.texts()).toEqual(['one', 'two', 'three', 'four']);
    expect(c.lines.map((l) => l.via)).toEqual(['block', 'block', 'line', 'line']);
  });

  it('splits long lines into pieces of at most max bytes, losing nothing', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 10, 1000);
    splitter.push(Buffer.from('short\n' + 'x'.repeat(25) + '\nafter\n'));
    splitter.end();
    expect(c.texts()).toEqual(['short', 'x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5), 'after']);
  });

  it('never cuts inside a UTF-8 character', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 10, 1000);
    splitter.push(Buffer.from('aaaaaaaaa€€\n')); // 9 ASCII bytes, then 3-byte characters
    splitter.end();
    expect(c.texts()).toEqual(['aaaaaaaaa', '€€']);
  });

  it('splits a partial line that grows past max before its newline arrives', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 8, 1000);
    for (let i = 0; i < 5; i++) splitter.push(Buffer.from('abcde'));
    splitter.push(Buffer.from('\n'));
    splitter.end();
    expect(c.texts().join('')).toBe('abcde'.repeat(5));
    expect(c.texts().every((t) => Buffer.byteLength(t) <= 8)).toBe(true);
  });

  it('makes no empty line when a held line is an exact multiple of max', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 5, 1000);
    splitter.push(Buffer.from('abcde'));
    splitter.push(Buffer.from('fghij'));
    splitter.push(Buffer.from('\nnext\n'));
    splitter.end();
    expect(c.texts()).toEqual(['abcde', 'fghij', 'next']);
  });

  it('drops CR from CRLF line endings', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 100, 1000);
    splitter.push(Buffer.from('dos\r\nunix\nmid\rdle\n'));
    splitter.end();
    expect(c.texts()).toEqual(['dos', 'unix', 'mid\rdle']);
  });

  it('keeps invalid UTF-8 and binary bytes exactly as printed', () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 100, 1000);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x41]);
    splitter.push(Buffer.concat([binary, Buffer.from('\n')]));
    splitter.end();
    expect(c.lines[0].text.equals(binary)).toBe(true);
  });

  it('passes on a partial line after the timeout', async () => {
    const c = collector();
    const splitter = new LineSplitter(source, c.sink, 100, 30);
    splitter.push(Buffer.from('prompt> '));
    expect(c.texts()).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(c.texts()).toEqual(['prompt> ']);
    splitter.push(Buffer.from('next\n'));
    splitter.end();
    expect(c.texts()).toEqual(['prompt> ', 'next']);
  });
});
