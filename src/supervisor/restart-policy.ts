// When to restart: exit-code aware (as systemd's and Kubernetes' restart policies), with supervisord's
// startsecs/startretries for failed starts and exponential backoff for every restart, crash loops included.
import type { ProcessSpec } from '../config/app';

export type ExitDecision =
  | { action: 'restart'; delay: number; failedStarts: number; crashes: number }
  | { action: 'fatal'; failedStarts: number }
  | { action: 'stay-exited'; expected: boolean; why: string };

export interface ExitFacts {
  /** How long the process ran, in ms. */
  uptime: number;
  /** The exit code, or undefined when a signal ended it. */
  code: number | undefined;
  /** Failed starts in a row before this exit. */
  failedStarts: number;
  /** Restarts in a row after runs longer than startsecs that did not last long enough to reset the backoff. */
  crashes: number;
}

/** The delay before retry number `n` (1-based): initial, 2×, 4×, ... capped at max. */
export function backoffDelay(n: number, initial: number, max: number): number {
  return Math.min(initial * 2 ** Math.max(0, n - 1), max);
}

/**
 * How long a run must last for the next crash to be treated as the first again: twice the longest delay, as
 * Kubernetes resets CrashLoopBackOff after twice its 5-minute cap.
 */
export function backoffResetAfter(backoff: { max: number }): number {
  return 2 * backoff.max;
}

type Policy = Pick<ProcessSpec, 'startsecs' | 'startretries' | 'autorestart' | 'exitcodes' | 'oneshot'>;

/**
 * Decides what happens after an exit. First whether the exit is final: always for a one-shot and for
 * autorestart = false, and for an expected exit code (exitcodes) with autorestart = "unexpected", however soon it
 * comes. Otherwise it is restarted: an exit sooner than startsecs is a failed start (retried with growing delays,
 * FATAL after startretries); a later one is a crash, restarted with growing delays that reset once a run has
 * lasted backoffResetAfter.
 */
export function decideAfterExit(spec: Policy, facts: ExitFacts, backoff: { initial: number; max: number }): ExitDecision {
  const expected = facts.code !== undefined && spec.exitcodes.includes(facts.code);
  if (spec.oneshot) return { action: 'stay-exited', expected, why: 'oneshot = true' };
  if (spec.autorestart === false) return { action: 'stay-exited', expected, why: 'autorestart = false' };
  if (spec.autorestart === 'unexpected' && expected)
    return { action: 'stay-exited', expected, why: `exit status ${facts.code} is in exitcodes and autorestart = "unexpected"` };
  if (facts.uptime < spec.startsecs) {
    const failedStarts = facts.failedStarts + 1;
    if (failedStarts > spec.startretries) return { action: 'fatal', failedStarts };
    return { action: 'restart', delay: backoffDelay(failedStarts, backoff.initial, backoff.max), failedStarts, crashes: facts.crashes };
  }
  const crashes = facts.uptime >= backoffResetAfter(backoff) ? 1 : facts.crashes + 1;
  return { action: 'restart', delay: backoffDelay(crashes, backoff.initial, backoff.max), failedStarts: 0, crashes };
}
