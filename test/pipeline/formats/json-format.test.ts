import { describe, expect, it } from 'vitest';
import { toJson, writeJsonAscii } from '../../../src/pipeline/formats/json-format';
import { Message } from '../../../src/pipeline/message';
import type { FieldValue } from '../../../src/pipeline/message';

function message(payload: string, fields?: Record<string, FieldValue>, logger = 'web.1', type = 'log') {
  const m = new Message(Buffer.from(payload), logger, 'stderr', 7, 'host', Date.UTC(2026, 10, 23, 17, 31, 7, 123), type);
  m.fields = fields;
  return m;
}

/** The line writeJsonAscii puts into a buffer of `size` bytes, or undefined when it declines. */
function inPlace(m: Message, size = 4096): string | undefined {
  const bytes = Buffer.alloc(size + 8, 0x21);
  const end = writeJsonAscii(m, bytes, 8, size + 8);
  if (end < 0) return undefined;
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('!!!!!!!!'); // nothing written before `at`
  return bytes.toString('utf8', 8, end);
}

describe('json format', () => {
  // Every kind of value the fast path writes itself: it must give the very bytes of the string path.
  it.each([
    ['plain words', message('request handled', { path: '/api/items/1', ms: 12, ok: true, failed: false })],
    ['quotes and backslashes', message('say "hi" \\o/', { q: 'a"b', b: 'c\\d', empty: '', 'key "quoted"': 1 })],
    [
      'numbers',
      message('n', {
        zero: 0,
        negative: -5,
        minusZero: -0,
        float: 1.5,
        big: 12345678901234567890,
        max: 999999999999999,
        over: 1e15,
        tiny: 1e-7,
        huge: 1e21,
        nan: NaN,
        inf: -Infinity,
      }),
    ],
    ['own keys, left to the fixed ones', message('k', { time: 'x', level: 'y', msg: 'z', message: 'w', stream: 's', logger: 'l', type: 't', timestamp: 1 })],
    ['DEL, which JSON leaves as it is', message('a\x7fb', { v: 'c\x7fd' })],
    ["drover's own line, with its type", message('Stopped', undefined, 'supervisor', 'drover')],
    ['a logger that needs escaping', message('x', undefined, 'we"b.1')],
  ])('writes %s in place exactly as toJson does', (_, m) => {
    const line = inPlace(m);
    expect(line).toBe(toJson(m) + '\n');
    JSON.parse(line!);
  });

  // A line as read from a process keeps its bytes, which are copied without decoding them to text first.
  it.each([
    ['plain', 'GET /api/items status=200'],
    ['quotes and backslashes', 'say "hi" \\o/'],
    ['DEL', 'a\x7fb'],
    ['a carriage return', 'crlf\r'],
    ['a tab', 'tab\there'],
    ['non-ASCII', 'café'],
    ['invalid UTF-8', 'bad \xff byte'],
  ])('writes a line as read (%s) exactly as toJson does, or declines it', (_, line) => {
    const chunk = Buffer.from(`first\n${line}\nlast\n`, 'latin1');
    const start = chunk.indexOf(10) + 1;
    const end = chunk.indexOf(10, start);
    for (const m of [
      Message.fromChunk(chunk, start, end, 'web.1', 'stdout', 7, 'host', 0, 'log'),
      Message.fromChunk(chunk, start, end, 'web.1', 'stdout', 7, 'host', 0, 'log', /^[\x00-\x7f]*$/.test(line) ? line : undefined),
    ]) {
      expect(m.chunkAsRead).toBe(chunk);
      const written = inPlace(m);
      if (written === undefined) expect(/[\x00-\x1f\x80-\xff]/.test(line)).toBe(true);
      else expect(written).toBe(toJson(m) + '\n');
    }
  });

  it.each([
    ['a non-ASCII payload', message('café')],
    ['a non-ASCII key', message('x', { ünï: 1 })],
    ['a control character', message('tab\there')],
  ])('declines %s, which toJson writes', (_, m) => {
    expect(inPlace(m)).toBeUndefined();
    expect(JSON.parse(toJson(m)).message).toBe(m.payload);
  });

  it('declines a line that does not fit before the limit, at every size short of it', () => {
    const m = message('a "quoted" payload\\', { path: '/x/y', n: 1234, ok: true }, 'web.1', 'drover');
    const line = toJson(m) + '\n';
    for (let size = 0; size < line.length; size++) expect(inPlace(m, size)).toBeUndefined();
    expect(inPlace(m, line.length)).toBe(line);
  });
});
