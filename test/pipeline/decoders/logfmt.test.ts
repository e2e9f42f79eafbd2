import { describe, expect, it } from 'vitest';
import { logfmtDecoder, parseLogfmt } from '../../../src/pipeline/decoders/logfmt';
import { SEVERITY } from '../../../src/pipeline/message';
import { childLines, make, message } from '../filters/context';

describe('logfmt decoder', () => {
  it('decodes pairs, quoted values with escapes and empty values', () => {
    const m = message('time=2024-05-01T10:00:00Z level=error msg="payment \\"failed\\"" user=42 path="/a b" empty= note="line\\nbreak"');
    make(logfmtDecoder, {}).decode(m);
    expect(m.fields).toEqual({ time: '2024-05-01T10:00:00Z', level: 'error', user: '42', path: '/a b', empty: '', note: 'line\nbreak' });
    expect(m.payload).toBe('payment "failed"');
    expect(m.severity).toBe(SEVERITY.err);
    expect(m.timestamp).toBe(Date.parse('2024-05-01T10:00:00Z'));
  });

  it('keeps a __proto__ key as a field of that name, also when fields were decoded before', () => {
    const m = message('__proto__=v b=2');
    make(logfmtDecoder, {}).decode(m);
    expect(Object.entries(m.fields!)).toEqual([
      ['__proto__', 'v'],
      ['b', '2'],
    ]);
    expect(Object.getPrototypeOf(m.fields)).toBe(Object.prototype);
    const merged = message('__proto__=w c=3');
    merged.fields = { a: 1 };
    make(logfmtDecoder, {}).decode(merged);
    expect(Object.entries(merged.fields!)).toEqual([
      ['a', 1],
      ['__proto__', 'w'],
      ['c', '3'],
    ]);
    expect(Object.getPrototypeOf(merged.fields)).toBe(Object.prototype);
  });

  it('reads Heroku router lines (at=error sets Severity)', () => {
    const m = message('at=error code=H12 desc="Request timeout" method=GET path="/" host=app.herokuapp.com status=503');
    make(logfmtDecoder, {}).decode(m);
    expect(m.severity).toBe(SEVERITY.err);
    expect(m.fields).toMatchObject({ code: 'H12', status: '503', desc: 'Request timeout' });
    expect(m.rewritten).toBe(false);
  });

  it('leaves prose alone, unless partial picks the pairs out of it', () => {
    const line = 'Started GET "/users" for 127.0.0.1 user=42 took=12ms';
    const strict = message(line);
    make(logfmtDecoder, {}).decode(strict);
    expect([strict.fields, strict.payload]).toEqual([undefined, line]);
    const partial = message(line);
    make(logfmtDecoder, { partial: true }).decode(partial);
    expect(partial.fields).toEqual({ user: '42', took: '12ms' });
    expect(partial.payload).toBe(line);
  });

  it('passes on lines that are not logfmt: empty, bare words, "=" alone, unterminated quotes kept as far as they go', () => {
    for (const line of ['', 'hello world', '=', '= x', 'a"b=1']) {
      const m = message(line);
      make(logfmtDecoder, {}).decode(m);
      expect(m.fields, line).toBeUndefined();
    }
    const fields = {};
    expect(parseLogfmt('a="never closed', fields, false)).toBe(1);
    expect(fields).toEqual({ a: 'never closed' });
  });

  it('handles a 1 MB line, binary and invalid UTF-8 from a real process', () => {
    const lines = childLines(`
      process.stdout.write('k=' + 'v'.repeat(1024 * 1024) + ' level=warn\\n');
      process.stdout.write(Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x20, 0x62, 0x3d, 0x00, 0x0a]));
      process.stdout.write(Buffer.from([0x00, 0x01, 0x02, 0x0a]));
    `);
    const ms = lines.map((raw) => {
      const m = message(raw);
      make(logfmtDecoder, {}).decode(m);
      return m;
    });
    expect((ms[0].fields!.k as string).length).toBe(1024 * 1024);
    expect(ms[0].severity).toBe(SEVERITY.warning);
    expect(ms[1].fields).toEqual({ a: '\ufffd\ufffd', b: '\u0000' });
    expect(ms[2].fields).toBeUndefined();
  });
});
