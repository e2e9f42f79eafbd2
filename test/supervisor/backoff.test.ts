import { describe, expect, it } from 'vitest';
import { backoffDelay, decideAfterExit } from '../../src/supervisor/backoff';

const spec = { startsecs: 1000, startretries: 3, autorestart: true as boolean | 'unexpected', exitcodes: [0] };
const backoff = { initial: 1000, max: 30000 };

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30000))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe('decideAfterExit', () => {
  it('retries a failed start with backoff, then gives up', () => {
    expect(decideAfterExit(spec, { uptime: 10, code: 1, failedStarts: 0 }, backoff)).toEqual({ action: 'restart', delay: 1000, failedStarts: 1 });
    expect(decideAfterExit(spec, { uptime: 10, code: 1, failedStarts: 2 }, backoff)).toEqual({ action: 'restart', delay: 4000, failedStarts: 3 });
    expect(decideAfterExit(spec, { uptime: 10, code: 1, failedStarts: 3 }, backoff)).toEqual({ action: 'fatal', failedStarts: 4 });
  });

  it('judges an exit after a good start by autorestart and exitcodes', () => {
    const ran = { uptime: 5000, failedStarts: 0 };
    expect(decideAfterExit(spec, { ...ran, code: 0 }, backoff).action).toBe('restart');
    expect(decideAfterExit({ ...spec, autorestart: false }, { ...ran, code: 1 }, backoff).action).toBe('stay-exited');
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: 0 }, backoff).action).toBe('stay-exited');
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: 2 }, backoff).action).toBe('restart');
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: undefined }, backoff).action).toBe('restart');
  });
});
