import { describe, expect, it } from 'vitest';
import { regexDecoder } from '../../../src/pipeline/decoders/regex';
import { SEVERITY } from '../../../src/pipeline/message';
import { make, message, problemsOf } from '../filters/context';

const NGINX = '^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+)[^"]*" (?<status>\\d{3}) (?<bytes>\\d+)';

describe('regex decoder', () => {
  it('turns named groups into fields, numbers where asked, and reads a common-log-format time', () => {
    const m = message('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326');
    make(regexDecoder, { pattern: NGINX, numbers: ['status', 'bytes'] }).decode(m);
    expect(m.fields).toEqual({ ip: '127.0.0.1', time: '10/Oct/2000:13:55:36 -0700', method: 'GET', path: '/apache_pb.gif', status: 200, bytes: 2326 });
    expect(m.timestamp).toBe(Date.parse('2000-10-10T20:55:36Z'));
  });

  it('uses the level and message groups for Severity and Payload', () => {
    const m = message('2024-05-01 10:00:00,123 WARNING [app.db] pool exhausted');
    make(regexDecoder, { pattern: '^(?<time>\\S+ \\S+) (?<level>\\w+) \\[(?<module>[^\\]]+)\\] (?<message>.*)$' }).decode(m);
    expect(m.severity).toBe(SEVERITY.warning);
    expect(m.payload).toBe('pool exhausted');
    expect(m.fields).toEqual({ time: '2024-05-01 10:00:00,123', level: 'WARNING', module: 'app.db' });
  });

  it('passes on lines the pattern does not match, and binary', () => {
    const d = make(regexDecoder, { pattern: NGINX });
    for (const raw of [Buffer.from('not an access log'), Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(1024 * 1024, 0x61)]) {
      const m = message(raw);
      d.decode(m);
      expect(m.fields).toBeUndefined();
      expect(m.raw).toBe(raw);
    }
  });

  it('reads RE2 syntax: (?P<name>...), \\A and \\z, POSIX classes, (?i), and names that are not JavaScript identifiers', () => {
    const m = message('GET /x 200');
    make(regexDecoder, { pattern: '\\A(?P<method>[[:upper:]]+) (?<1path>\\S+) (?i:(?P<status>\\d+))\\z', numbers: ['status'] }).decode(m);
    expect(m.fields).toEqual({ method: 'GET', '1path': '/x', status: 200 });
    const i = message('ERROR disk full');
    make(regexDecoder, { pattern: '^(?<level>error) (?<message>.*)', flags: 'i' }).decode(i);
    expect(i.severity).toBe(SEVERITY.err);
    expect(i.payload).toBe('disk full');
  });

  it('matches in linear time: ^(?<x>a+)+$ against a long run of a and a "!" returns at once', () => {
    const d = make(regexDecoder, { pattern: '^(?<x>a+)+$' });
    const started = performance.now();
    for (const n of [40, 1000, 100000]) {
      const m = message('a'.repeat(n) + '!');
      d.decode(m);
      expect(m.fields).toBeUndefined();
    }
    expect(performance.now() - started).toBeLessThan(2000);
    const ok = message('aaaa');
    d.decode(ok);
    expect(ok.fields).toEqual({ x: 'aaaa' });
  });

  it('names the option and the value in its errors', () => {
    expect(problemsOf(regexDecoder, {})).toEqual(['option "pattern" is required']);
    expect(problemsOf(regexDecoder, { pattern: '(?<a>x' })[0]).toBe(
      'option "pattern" must be a valid RE2 regular expression, got "(?<a>x": missing closing ) at column 1',
    );
    // What RE2 does not have is refused, with the column in the pattern as written (flags or not).
    expect(problemsOf(regexDecoder, { pattern: '(?<a>x)(?=y)' })[0]).toContain('RE2 has no lookaround at column 8');
    expect(problemsOf(regexDecoder, { pattern: '(?<a>x)\\1', flags: 'i' })[0]).toContain('RE2 has no backreferences at column 8');
    expect(problemsOf(regexDecoder, { pattern: '\\d+' })).toEqual([
      'option "pattern" must have at least one named group such as (?<status>\\d+), got "\\\\d+"',
    ]);
    expect(problemsOf(regexDecoder, { pattern: '(?<a>x)', flags: 'g' })).toEqual([
      'option "flags" must be a string of the regular-expression flags i, m, s and u, got string "g"',
    ]);
  });
});
