// When to restart: supervisord's startsecs/startretries/autorestart, with exponential backoff between retries.
import type { ProcessSpec } from '../config/app';

export type ExitDecision =
  | { action: 'restart'; delay: number; failedStarts: number }
  | { action: 'fatal'; failedStarts: number }
  | { action: 'stay-exited' };

export interface ExitFacts {
  /** How long the process ran, in ms. */
  uptime: number;
  /** The exit code, or undefined when a signal ended it. */
  code: number | undefined;
  /** Failed starts in a row before this exit. */
  failedStarts: number;
}

/** The delay before retry number `n` (1-based): initial, 2×, 4×, ... capped at max. */
export function backoffDelay(n: number, initial: number, max: number): number {
  return Math.min(initial * 2 ** Math.max(0, n - 1), max);
}

/**
 * Decides what happens after an exit. An exit sooner than startsecs is a failed start: retried with growing
 * delays, FATAL after startretries. An exit after a good start is judged by autorestart and exitcodes.
 */
export function decideAfterExit(spec: Pick<ProcessSpec, 'startsecs' | 'startretries' | 'autorestart' | 'exitcodes'>, facts: ExitFacts, backoff: { initial: number; max: number }): ExitDecision {
  if (facts.uptime < spec.startsecs) {
    const failedStarts = facts.failedStarts + 1;
    if (failedStarts > spec.startretries) return { action: 'fatal', failedStarts };
    return { action: 'restart', delay: backoffDelay(failedStarts, backoff.initial, backoff.max), failedStarts };
  }
  const expected = facts.code !== undefined && spec.exitcodes.includes(facts.code);
  const restart = spec.autorestart === true || (spec.autorestart === 'unexpected' && !expected);
  return restart ? { action: 'restart', delay: 0, failedStarts: 0 } : { action: 'stay-exited' };
}
