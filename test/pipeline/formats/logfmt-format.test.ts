import { describe, expect, it } from 'vitest';
import { toLogfmt, writeLogfmtAscii } from '../../../src/pipeline/formats/logfmt-format';
import { Message } from '../../../src/pipeline/message';
import type { FieldValue } from '../../../src/pipeline/message';

function message(payload: string, fields?: Record<string, FieldValue>, logger = 'web.1') {
  const m = new Message(Buffer.from(payload), logger, 'stdout', 7, 'host', Date.UTC(2026, 10, 23, 17, 31, 7, 123));
  m.fields = fields;
  return m;
}

/** The line writeLogfmtAscii puts into a buffer of `size` bytes, or undefined when it declines. */
function inPlace(m: Message, size = 4096): string | undefined {
  const bytes = Buffer.alloc(size + 8, 0x21);
  const end = writeLogfmtAscii(m, bytes, 8, size + 8);
  if (end < 0) return undefined;
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('!!!!!!!!'); // nothing written before `at`
  return bytes.toString('utf8', 8, end);
}

describe('logfmt format', () => {
  it('writes logfmt with quoted values and keys made safe', () => {
    expect(toLogfmt(message('hello "you"', { user: 'ann', 'odd key=1': 'a b', n: 3, level: 'info' }))).toBe(
      'time=2026-11-23T17:31:07.123Z level=info logger=web.1 msg="hello \\"you\\"" user=ann odd_key_1="a b" n=3',
    );
  });

  // Every kind of value the fast path writes itself: it must give the very bytes of the string path.
  it.each([
    ['plain words', 'request handled', { path: '/api/items/1', ms: 12, ok: true, failed: false }],
    ['quotes and backslashes', 'say "hi" \\o/', { q: 'a"b', b: 'c\\d', eq: 'k=v', empty: '', space: 'two words' }],
    ['numbers', 'n', { zero: 0, negative: -5, minusZero: -0, float: 1.5, big: 12345678901234567890, max: 999999999999999, over: 1e15, tiny: 1e-7, huge: 1e21 }],
    ['odd keys and own keys', 'k', { 'odd key': 1, ünï: 2, time: 'x', level: 'y', msg: 'z', message: 'w' }],
    ['DEL, which JSON leaves as it is', 'a\x7fb', { v: 'c\x7fd' }],
    ['no fields', 'just a line', undefined],
  ])('writes %s in place exactly as toLogfmt does', (_, payload, fields) => {
    const m = message(payload, fields as Record<string, FieldValue> | undefined);
    expect(inPlace(m)).toBe(toLogfmt(m) + '\n');
  });

  it('writes integers around the 32-bit limit, and lines whose keys change from one to the next, as toLogfmt does', () => {
    const numbers = [0, -0, 9, 10, 99, 100, 65535, 2147483647, 2147483648, 4294967296, 999999999999999, -1, -2147483648];
    // The keys at each position are remembered from the line before: lines whose keys differ, at some positions only.
    const lines: Record<string, FieldValue>[] = [
      Object.fromEntries(numbers.map((n, i) => [`n${i}`, n])),
      { n0: 1, level: 'x', n2: 'a=b', path: '/p' },
      { n0: 2, n1: 'x', n2: 'ab', path: 'q"' },
      { msg: 'own', n1: 'x', 'odd key': 'v w', path: '' },
      { n0: 3, n1: 'y', n2: 'ab', path: 'r\\' },
    ];
    for (const fields of [...lines, ...lines.reverse()]) {
      const m = message('line', fields);
      expect(inPlace(m)).toBe(toLogfmt(m) + '\n');
    }
  });

  it.each([
    ['a non-ASCII payload', message('café')],
    ['a non-ASCII value', message('x', { city: 'Zürich' })],
    ['a control character', message('tab\there')],
    ['a non-ASCII logger', message('x', undefined, 'wéb.1')],
  ])('declines %s, which toLogfmt writes', (_, m) => {
    expect(inPlace(m)).toBeUndefined();
    expect(toLogfmt(m)).toMatch(/^time=/);
  });

  it('declines a line that does not fit before the limit, at every size short of it', () => {
    const m = message('a "quoted" payload\\', { path: '/x/y', n: 1234, ok: true });
    const line = toLogfmt(m) + '\n';
    for (let size = 0; size < line.length; size++) expect(inPlace(m, size)).toBeUndefined();
    expect(inPlace(m, line.length)).toBe(line);
  });
});
