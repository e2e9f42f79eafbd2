// Whether a formation fits in the open-file limit: every instance holds two pipes (stdout, stderr) in drover.
import { readFileSync } from 'node:fs';

/** Descriptors drover holds per running instance: the read ends of its stdout and stderr pipes. */
export const FDS_PER_INSTANCE = 2;
/** Descriptors kept for drover itself: Node.js's own, outputs and drains, control connections, a spawn's pipes. */
export const FD_RESERVE = 64;

/**
 * RLIMIT_NOFILE of this process, from /proc/self/limits (Infinity for "unlimited"); undefined without /proc.
 * Node.js raises its soft limit to the hard one at start-up, so the soft limit read here is what drover has.
 */
export function fdLimit(): { soft: number; hard: number } | undefined {
  try {
    const row = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (row ?? '').slice('Max open files'.length).trim().split(/\s+/);
    const value = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
    if (!soft || !hard || Number.isNaN(value(soft)) || Number.isNaN(value(hard))) return undefined;
    return { soft: value(soft), hard: value(hard) };
  } catch {
    return undefined;
  }
}

/** The descriptors `instances` need, drover's own included. */
export function fdsNeeded(instances: number): number {
  return instances * FDS_PER_INSTANCE + FD_RESERVE;
}

/** Why `instances` cannot run within the open-file limit, and what to do; undefined when they fit. */
export function fdLimitProblem(instances: number, limit = fdLimit()): string | undefined {
  if (!limit) return undefined;
  const needed = fdsNeeded(instances);
  if (needed <= limit.soft) return undefined;
  const fit = Math.max(0, Math.floor((limit.soft - FD_RESERVE) / FDS_PER_INSTANCE));
  return (
    `the formation has ${instances} instances, which need about ${needed} open files (${FDS_PER_INSTANCE} per instance for its output, ${FD_RESERVE} for drover itself), ` +
    `but the limit of open files (RLIMIT_NOFILE) is ${limit.soft}: at most ${fit} instances fit. Raise the limit to ${needed} or more ` +
    `(\`ulimit -n ${needed}\` as root before drover starts; docker run --ulimit nofile=${needed}; systemd LimitNOFILE=${needed}), ` +
    `or run fewer instances (numprocs, or a formation such as web=2)`
  );
}
