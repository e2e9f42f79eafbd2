import { afterEach, describe, expect, it, vi } from 'vitest';
import { multilineFilter } from '../../../src/pipeline/filters/multiline';
import { SEVERITY } from '../../../src/pipeline/message';
import { childLines, make, message, problemsOf, recorder, run } from './context';

afterEach(() => vi.useRealTimers());

const JAVA = [
  'ERROR request failed',
  'java.lang.IllegalStateException: boom',
  '\tat com.example.App.run(App.java:10)',
  '\tat com.example.App.main(App.java:3)',
  'Caused by: java.io.IOException: disk',
  '\t... 2 more',
  'INFO next request',
];

describe('multiline filter', () => {
  it("joins a stack trace to the line it continues, keeping the first line's severity and fields", () => {
    const ctx = recorder();
    const f = make(multilineFilter, {}, ctx);
    const input = JAVA.map((l) => message(l));
    input[1].severity = SEVERITY.err;
    input[1].fields = { level: 'error' };
    const out = run([f], input, ctx.sent);
    f.flush!();
    const all = [...out, ...ctx.sent];
    expect(all.map((m) => m.payload)).toEqual(['ERROR request failed', JAVA.slice(1, 6).join('\n'), 'INFO next request']);
    expect(all[1]).toMatchObject({ severity: SEVERITY.err, fields: { level: 'error' }, logger: 'web.1', rewritten: true });
    expect(all[0]).toBe(input[0]); // a line alone passes as it was
    f.close!();
  });

  it('keeps processes apart', () => {
    const ctx = recorder();
    const f = make(multilineFilter, {}, ctx);
    const out = run([f], [message('a', 'web.1'), message('b', 'web.2'), message('  a2', 'web.1'), message('  b2', 'web.2'), message('c', 'web.1')], ctx.sent);
    f.flush!();
    expect([...out, ...ctx.sent].map((m) => `${m.logger}:${m.payload}`)).toEqual(['web.1:a\n  a2', 'web.1:c', 'web.2:b\n  b2']);
    f.close!();
  });

  it('with `start`, every other line continues; separator joins', () => {
    const ctx = recorder();
    const f = make(multilineFilter, { start: '^\\d{4}-', separator: ' | ' }, ctx);
    const out = run(
      [f],
      ['2024-01-01 one', 'more', 'and more', '2024-01-02 two'].map((l) => message(l)),
      ctx.sent,
    );
    f.flush!();
    expect([...out, ...ctx.sent].map((m) => m.payload)).toEqual(['2024-01-01 one | more | and more', '2024-01-02 two']);
    f.close!();
  });

  it('matches `start` in linear time: ^(a+)+$ on a run of a and a "!" returns at once', () => {
    const ctx = recorder();
    const f = make(multilineFilter, { start: '^(a+)+$' }, ctx);
    const started = performance.now();
    const out = run(
      [f],
      ['aaaa', 'a'.repeat(40) + '!', 'a'.repeat(10000) + '!'].map((l) => message(l)),
      ctx.sent,
    );
    f.flush!();
    expect(performance.now() - started).toBeLessThan(2000);
    expect([...out, ...ctx.sent].map((m) => m.payload.length)).toEqual([4 + 1 + 41 + 1 + 10001]);
    f.close!();
  });

  it('releases a held group after the timeout, with no further line', () => {
    vi.useFakeTimers();
    const ctx = recorder();
    const f = make(multilineFilter, { timeout: '100ms' }, ctx);
    expect(f.process(message('Traceback (most recent call last):'))).toBeUndefined();
    expect(f.process(message('  File "app.py", line 1'))).toBeUndefined();
    vi.advanceTimersByTime(40);
    expect(ctx.sent).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(ctx.texts()).toEqual(['Traceback (most recent call last):\n  File "app.py", line 1']);
    f.close!();
  });

  it('bounds a group by max_lines and max_bytes', () => {
    const ctx = recorder();
    const f = make(multilineFilter, { max_lines: 3 }, ctx);
    const out = run(
      [f],
      ['start', ' 1', ' 2', ' 3', ' 4'].map((l) => message(l)),
      ctx.sent,
    );
    f.flush!();
    expect([...out, ...ctx.sent].map((m) => m.payload)).toEqual(['start\n 1\n 2', ' 3\n 4']);
    const g = make(multilineFilter, { max_bytes: 11 }, ctx);
    ctx.sent.length = 0;
    const out2 = run(
      [g],
      ['abcdef', ' ghi', ' jkl'].map((l) => message(l)),
      ctx.sent,
    );
    g.flush!();
    expect([...out2, ...ctx.sent].map((m) => m.payload)).toEqual(['abcdef\n ghi', ' jkl']);
    f.close!();
    g.close!();
  });

  it('keeps the bytes of invalid UTF-8 and binary lines it joins, from a real process', () => {
    const lines = childLines(`
      process.stdout.write(Buffer.from([0x45, 0xff, 0x0a, 0x20, 0xfe, 0x00, 0x0a]));
      process.stdout.write('x'.repeat(1024 * 1024) + '\\n' + ' tail\\n');
    `);
    const ctx = recorder();
    const f = make(multilineFilter, { max_bytes: '2MB' }, ctx);
    const out = run(
      [f],
      lines.map((l) => message(l)),
      ctx.sent,
    );
    f.flush!();
    const all = [...out, ...ctx.sent];
    expect(all[0].raw).toEqual(Buffer.from([0x45, 0xff, 0x0a, 0x20, 0xfe, 0x00]));
    expect(all[1].raw.length).toBe(1024 * 1024 + 6);
    f.close!();
  });

  it('names a bad regular expression', () => {
    expect(problemsOf(multilineFilter, { start: '[' })[0]).toBe(
      'option "start" must be a valid RE2 regular expression, got "[": missing closing ] of character class at column 1',
    );
    expect(problemsOf(multilineFilter, { start: '^(?=\\d)' })[0]).toContain('RE2 has no lookaround at column 2');
    expect(problemsOf(multilineFilter, { timeout: 0 })).toEqual(['option "timeout" must be longer than 0, got 0ms']);
  });
});
