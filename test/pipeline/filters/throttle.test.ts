import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttleFilter, type ThrottleFilter } from '../../../src/pipeline/filters/throttle';
import { SEVERITY } from '../../../src/pipeline/message';
import { make, message, problemsOf, recorder } from './context';

afterEach(() => vi.useRealTimers());

describe('throttle filter', () => {
  it('passes `limit` per window per logger, then reports the number suppressed at the window end', () => {
    vi.useFakeTimers();
    const ctx = recorder();
    const f = make(throttleFilter, { limit: 3, window: '1s' }, ctx) as ThrottleFilter;
    const passed = (logger: string, n: number) => Array.from({ length: n }, (_, i) => f.process(message(`${i}`, logger))).filter(Boolean).length;
    expect(passed('worker.1', 10)).toBe(3);
    expect(passed('web.1', 2)).toBe(2);
    expect(ctx.sent).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(ctx.texts()).toEqual(['suppressed 7 messages from worker.1 in the last 1s']);
    expect(ctx.sent[0]).toMatchObject({ type: 'drover', logger: 'drover', severity: SEVERITY.warning });
    expect(passed('worker.1', 4)).toBe(3); // a new window
    vi.advanceTimersByTime(1000);
    expect(ctx.texts()[1]).toBe('suppressed 1 message from worker.1 in the last 1s');
    f.close!();
  });

  it('limits per distinct line with key = "Payload" and per field value', () => {
    const ctx = recorder();
    const f = make(throttleFilter, { limit: 1, key: 'Payload' }, ctx);
    expect(['a', 'a', 'b', 'a'].map((p) => f.process(message(p)) !== undefined)).toEqual([true, false, true, false]);
    f.flush!();
    expect(ctx.texts()).toEqual(['suppressed 2 messages from a in the last 1s']);
    const g = make(throttleFilter, { limit: 1, key: 'Fields[user]' }, ctx);
    expect([1, 1, 2].map((u) => g.process(message('x', 'web.1', { user: u })) !== undefined)).toEqual([true, false, true]);
    f.close!();
    g.close!();
  });

  it('reports what it suppressed on flush (shutdown), and nothing when nothing was', () => {
    const ctx = recorder();
    const f = make(throttleFilter, { limit: 1, window: '1h' }, ctx);
    f.process(message('1'));
    f.flush!();
    expect(ctx.sent).toEqual([]);
    f.process(message('1'));
    f.process(message('2'));
    f.flush!();
    expect(ctx.texts()).toEqual(['suppressed 1 message from web.1 in the last 1h']);
    f.close!();
  });

  it('validates the issue example and rejects bad options', () => {
    expect(problemsOf(throttleFilter, { limit: 100, window: '1s' })).toEqual([]);
    expect(problemsOf(throttleFilter, { window: '1s' })).toEqual(['option "limit" is required']);
    expect(problemsOf(throttleFilter, { limit: 1, window: 'soon' })[0]).toMatch(/^option "window" must be a duration/);
    expect(problemsOf(throttleFilter, { limit: 1, window: 0 })).toEqual(['option "window" must be longer than 0, got 0ms']);
  });
});

describe('throttle and drover lines', () => {
  it("never suppresses drover's own lines (process started, exited) nor counts them", () => {
    const ctx = recorder();
    const f = make(throttleFilter, { limit: 1 }, ctx);
    const own = message('Process exited with status 1', 'worker.1');
    own.type = 'drover';
    expect(f.process(message('a', 'worker.1'))).toBeDefined();
    expect(f.process(own)).toBe(own);
    expect(f.process(message('b', 'worker.1'))).toBeUndefined();
    f.close!();
  });
});
