import { afterEach, describe, expect, it, vi } from 'vitest';
import { counterFilter } from '../../../src/pipeline/filters/counter';
import { SEVERITY } from '../../../src/pipeline/message';
import { make, message, problemsOf, recorder } from './context';

afterEach(() => vi.useRealTimers());

describe('counter filter', () => {
  it('reports counts per process and severity and the rate every interval, passing messages on', () => {
    vi.useFakeTimers();
    const ctx = recorder();
    const f = make(counterFilter, { interval: '10s' }, ctx);
    for (let i = 0; i < 30; i++) {
      const m = message('x', i % 3 === 0 ? 'worker.1' : 'web.1');
      if (i % 10 === 0) m.severity = SEVERITY.err;
      expect(f.process(m)).toBe(m);
    }
    vi.advanceTimersByTime(10_000);
    expect(ctx.texts()).toEqual(['counted 30 messages in 10s (3/s): web.1 err=2 info=18, worker.1 err=1 info=9']);
    expect(ctx.sent[0]).toMatchObject({
      type: 'drover',
      logger: 'filters.test',
      fields: { lines: 30, rate: 3, 'web.1.info': 18, 'web.1.err': 2, 'worker.1.err': 1, 'worker.1.info': 9 },
    });
    vi.advanceTimersByTime(10_000);
    expect(ctx.sent).toHaveLength(1); // idle intervals are skipped
    f.close!();
  });

  it('reports idle intervals when asked, and what it counted on flush', () => {
    vi.useFakeTimers();
    const ctx = recorder();
    const f = make(counterFilter, { interval: '1s', idle: true }, ctx);
    vi.advanceTimersByTime(1000);
    f.process(message('x'));
    vi.advanceTimersByTime(500);
    f.flush!();
    expect(ctx.texts()).toEqual(['counted 0 messages in 1s (0/s)', 'counted 1 message in 500ms (2/s): web.1 info=1']);
    f.close!();
  });

  it('rejects intervals too short to be useful', () => {
    expect(problemsOf(counterFilter, { interval: '10ms' })).toEqual(['option "interval" must be at least 100ms, got 10ms']);
  });
});
