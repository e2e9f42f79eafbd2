import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffResetAfter, decideAfterExit } from '../../src/supervisor/restart-policy';

const spec = { startsecs: 1000, startretries: 3, autorestart: true as boolean | 'unexpected', exitcodes: [0], oneshot: false };
const backoff = { initial: 1000, max: 30000 };
const quick = { uptime: 10, failedStarts: 0, crashes: 0 };
const ran = { uptime: 5000, failedStarts: 0, crashes: 0 };

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30000))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe('decideAfterExit', () => {
  it('retries a failed start with backoff, then gives up', () => {
    expect(decideAfterExit(spec, { ...quick, code: 1 }, backoff)).toEqual({ action: 'restart', delay: 1000, failedStarts: 1, crashes: 0 });
    expect(decideAfterExit(spec, { ...quick, code: 1, failedStarts: 2 }, backoff)).toEqual({ action: 'restart', delay: 4000, failedStarts: 3, crashes: 0 });
    expect(decideAfterExit(spec, { ...quick, code: 1, failedStarts: 3 }, backoff)).toEqual({ action: 'fatal', failedStarts: 4 });
  });

  it('treats a quick exit 0 with autorestart = true as a failed start too', () => {
    expect(decideAfterExit(spec, { ...quick, code: 0, failedStarts: 3 }, backoff)).toEqual({ action: 'fatal', failedStarts: 4 });
  });

  it('judges an exit by autorestart and exitcodes', () => {
    expect(decideAfterExit(spec, { ...ran, code: 0 }, backoff).action).toBe('restart');
    expect(decideAfterExit({ ...spec, autorestart: false }, { ...ran, code: 1 }, backoff)).toMatchObject({ action: 'stay-exited', expected: false });
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: 0 }, backoff)).toMatchObject({ action: 'stay-exited', expected: true });
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: 2 }, backoff).action).toBe('restart');
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...ran, code: undefined }, backoff).action).toBe('restart');
  });

  it('takes an expected exit as final however soon it comes (the old code counted it as a failed start)', () => {
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...quick, code: 0 }, backoff)).toMatchObject({ action: 'stay-exited', expected: true });
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected', exitcodes: [0, 3] }, { ...quick, code: 3 }, backoff)).toMatchObject({
      action: 'stay-exited',
      expected: true,
    });
    expect(decideAfterExit({ ...spec, autorestart: 'unexpected' }, { ...quick, code: 3 }, backoff)).toMatchObject({ action: 'restart', failedStarts: 1 });
  });

  it('never restarts with autorestart = false or a one-shot, whatever the status or uptime', () => {
    for (const code of [0, 1, undefined]) {
      expect(decideAfterExit({ ...spec, autorestart: false }, { ...quick, code }, backoff).action).toBe('stay-exited');
      expect(decideAfterExit({ ...spec, oneshot: true }, { ...quick, code }, backoff).action).toBe('stay-exited');
      expect(decideAfterExit({ ...spec, oneshot: true }, { ...ran, code }, backoff).action).toBe('stay-exited');
    }
    expect(decideAfterExit({ ...spec, oneshot: true }, { ...quick, code: 3 }, backoff)).toMatchObject({ expected: false });
  });

  it('backs off restarts after runs longer than startsecs, and resets once a run lasted long enough', () => {
    const delays: number[] = [];
    let crashes = 0;
    for (let i = 0; i < 7; i++) {
      const d = decideAfterExit(spec, { ...ran, code: 3, crashes }, backoff);
      if (d.action !== 'restart') throw new Error(d.action);
      delays.push(d.delay);
      crashes = d.crashes;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const long = decideAfterExit(spec, { ...ran, uptime: backoffResetAfter(backoff), code: 3, crashes }, backoff);
    expect(long).toEqual({ action: 'restart', delay: 1000, failedStarts: 0, crashes: 1 });
  });
});
