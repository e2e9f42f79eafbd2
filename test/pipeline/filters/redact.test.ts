import { describe, expect, it } from 'vitest';
import { redactFilter, secretValues } from '../../../src/pipeline/filters/redact';
import { childLines, make, message, problemsOf, recorder } from './context';

const ENV = {
  STRIPE_API_KEY: 'sk_live_abcdef123',
  GITHUB_TOKEN: 'ghp_0123456789',
  DB_PASSWORD: 'hunter22',
  SHORT_KEY: 'abc',
  FLAG_KEY: 'true',
  PORT: '5000',
  MY_VAR: 'plainvalue',
};

function redact(line: string, options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = ENV) {
  const m = message(line);
  make(redactFilter, options, recorder(env)).process(m);
  return m;
}

describe('redact filter', () => {
  it('replaces values of variables ending in _KEY, _TOKEN, _SECRET, _PASSWORD, not short or boolean ones', () => {
    expect(redact('charging with sk_live_abcdef123 as ghp_0123456789, pw hunter22, abc true 5000').payload).toBe(
      'charging with [REDACTED] as [REDACTED], pw [REDACTED], abc true 5000',
    );
    expect(secretValues(ENV, [], ['_KEY'], 4)).toEqual(['sk_live_abcdef123']);
  });

  it('replaces passwords in URLs and leaves the rest of the URL', () => {
    expect(redact('connecting to postgres://user:s3cr3t@db.example.com:5432/app and redis://:pw@h:6379 and https://example.com/a:b@c').payload).toBe(
      'connecting to postgres://user:[REDACTED]@db.example.com:5432/app and redis://:[REDACTED]@h:6379 and https://example.com/a:b@c',
    );
    expect(redact('postgres://user:s3cr3t@db', { url_passwords: false }).payload).toBe('postgres://user:s3cr3t@db');
  });

  it('redacts named variables and patterns of the app, with its own replacement', () => {
    const m = redact('card=4111111111111111 value plainvalue', { env: ['MY_VAR'], patterns: ['card=(?P<secret>\\d{12,19})'], replacement: '***' });
    expect(m.payload).toBe('card=*** value ***');
    // Without a secret group the whole match goes; the replacement is taken literally ($& stays $&).
    expect(redact('pin 1234 and pin 5678', { patterns: ['pin \\d+'], replacement: '$&' }).payload).toBe('$& and $&');
    expect(redact('a=1; b=22;', { patterns: ['(?P<k>[a-z])=(?P<secret>\\d+);'] }).payload).toBe('a=[REDACTED]; b=[REDACTED];');
  });

  it('matches patterns in linear time: ^(a+)+$ on a run of a and a "!" returns at once', () => {
    const started = performance.now();
    expect(redact('a'.repeat(40) + '!', { patterns: ['^(a+)+$'] }).payload).toBe('a'.repeat(40) + '!');
    expect(redact('a'.repeat(10000) + '!', { patterns: ['(a|aa)+b'] }).payload).toBe('a'.repeat(10000) + '!');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('leaves a clean line untouched, without decoding it or marking it rewritten', () => {
    const m = redact('GET /health 200');
    expect(m.rewritten).toBe(false);
    expect(m.raw.toString()).toBe('GET /health 200');
  });

  it('redacts decoded fields too', () => {
    const m = message('login', 'web.1', { url: 'mysql://root:toor@localhost/x', key: 'sk_live_abcdef123', n: 5 });
    make(redactFilter, {}, recorder(ENV)).process(m);
    expect(m.fields).toEqual({ url: 'mysql://root:[REDACTED]@localhost/x', key: '[REDACTED]', n: 5 });
  });

  it('handles invalid UTF-8, binary and 1 MB lines from a real process', () => {
    const lines = childLines(`
      process.stdout.write(Buffer.concat([Buffer.from([0xff, 0xfe, 0x20]), Buffer.from('token ghp_0123456789\\n')]));
      process.stdout.write(Buffer.from([0, 1, 2, 3, 0x0a]));
      process.stdout.write('z'.repeat(1024 * 1024) + ' hunter22\\n');
    `);
    const f = make(redactFilter, {}, recorder(ENV));
    const out = lines.map((raw) => f.process(message(raw))!);
    expect(out[0].payload).toBe('\ufffd\ufffd token [REDACTED]');
    expect(out[1].raw).toEqual(Buffer.from([0, 1, 2, 3]));
    expect(out[1].rewritten).toBe(false);
    expect(out[2].payload.endsWith(' [REDACTED]')).toBe(true);
  });

  it('names the pattern that does not compile', () => {
    expect(problemsOf(redactFilter, { patterns: ['ok', '(unclosed'] })).toEqual([
      'option "patterns[1]" must be a valid RE2 regular expression, got "(unclosed": missing closing ) at column 1',
    ]);
    expect(problemsOf(redactFilter, { patterns: ['(?<=card=)\\d+'] })[0]).toContain('RE2 has no lookaround at column 1');
    expect(problemsOf(redactFilter, { patterns: ['(?:x(?P<secret>\\d+))+'] })[0]).toContain('must stand at the top level');
  });
});

describe('redact after a decoder', () => {
  it('redacts a payload a decoder replaced', () => {
    const m = message('{"msg":"x"}');
    m.payload = 'token ghp_0123456789 used';
    make(redactFilter, {}, recorder(ENV)).process(m);
    expect(m.payload).toBe('token [REDACTED] used');
    expect(m.raw.toString()).toBe('token [REDACTED] used');
  });
});
