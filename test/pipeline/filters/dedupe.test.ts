import { afterEach, describe, expect, it, vi } from 'vitest';
import { dedupeFilter } from '../../../src/pipeline/filters/dedupe';
import { SEVERITY } from '../../../src/pipeline/message';
import { childLines, make, message, recorder, run } from './context';

afterEach(() => vi.useRealTimers());

describe('dedupe filter', () => {
  it('collapses identical consecutive lines per logger, the summary before the next different line', () => {
    const ctx = recorder();
    const f = make(dedupeFilter, {}, ctx);
    const input = [
      ['web.1', 'retry'],
      ['web.1', 'retry'],
      ['worker.1', 'job'],
      ['web.1', 'retry'],
      ['web.1', 'retry'],
      ['web.1', 'ok'],
      ['web.1', 'retry'],
    ].map(([l, p]) => message(p, l));
    input[1].severity = SEVERITY.err;
    const out = run([f], input, ctx.sent);
    expect(out.map((m) => `${m.logger}: ${m.payload}`)).toEqual([
      'web.1: retry',
      'worker.1: job',
      'web.1: last message repeated 3 times',
      'web.1: ok',
      'web.1: retry',
    ]);
    expect(out[2]).toMatchObject({ type: 'log', stream: 'stdout', pid: 42 });
    f.close!();
  });

  it('reports a run of repeats after flush_interval when the process falls quiet, and on flush', () => {
    vi.useFakeTimers();
    const ctx = recorder();
    const f = make(dedupeFilter, { flush_interval: '5s' }, ctx);
    for (let i = 0; i < 4; i++) f.process(message('same'));
    vi.advanceTimersByTime(5000);
    expect(ctx.texts()).toEqual(['last message repeated 3 times']);
    f.process(message('same'));
    f.flush!();
    expect(ctx.texts()).toEqual(['last message repeated 3 times', 'last message repeated 1 time']);
    f.close!();
  });

  it('compares bytes: invalid UTF-8 that decodes alike stays distinct, 1 MB repeats collapse', () => {
    const ctx = recorder();
    const f = make(dedupeFilter, {}, ctx);
    const lines = childLines(`
      process.stdout.write(Buffer.from([0xff, 0x0a, 0xfe, 0x0a]));
      const big = 'y'.repeat(1024 * 1024) + '\\n';
      process.stdout.write(big + big + big);
    `);
    const out = run(
      [f],
      lines.map((l) => message(l)),
      ctx.sent,
    );
    f.flush!();
    expect(out.length).toBe(3);
    expect(ctx.texts()).toEqual(['last message repeated 2 times']);
    f.close!();
  });
});
