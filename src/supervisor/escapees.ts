// Processes that left their instance's process group (a daemon that double-forked and called setsid) are still
// found and stopped: every instance runs with a mark in its environment, which its descendants inherit, and
// /proc/<pid>/environ shows it to drover (same user, no privileges) whoever their parent is now.
import { readdirSync, readFileSync } from 'node:fs';

/** The variable that carries the mark: `<supervisor token>/<instance name>`. */
export const MARK_VARIABLE = 'DROVER_PROCESS_MARK';

/** A token for this supervisor's run: its pid and start time, so that another drover's processes never match. */
export const SUPERVISOR_TOKEN = `${process.pid}.${Date.now().toString(36)}`;

/** The mark of one instance (web.1). */
export function instanceMark(name: string): string {
  return `${SUPERVISOR_TOKEN}/${name}`;
}

/**
 * Pids of every live process this supervisor started or whose ancestors it started (not zombies, not drover), in
 * their process groups or not: a fresh scan of /proc (elsewhere, no /proc: none), for the last SIGKILL of a stop.
 */
export function findAllMarked(): number[] {
  return [...scanMarked().values()].flat().map((p) => p.pid);
}

/** Marked processes by instance mark, from one /proc scan, and when it was made. */
let snapshot: { at: number; byMark: Map<string, { pid: number; group: number }[]> } | undefined;

/** How long one scan serves: a stop of hundreds of instances asks once per instance, at about the same time. */
const SNAPSHOT_MS = 200;

/**
 * Pids of this supervisor's live processes marked for instance `name` that are not in process group
 * `exceptGroup`, from a scan shared by every instance that asks within SNAPSHOT_MS
 * (scanning /proc once per instance made the stop of 700 instances take seconds).
 */
export function findEscapees(name: string, exceptGroup?: number): number[] {
  const now = Date.now();
  if (!snapshot || now - snapshot.at > SNAPSHOT_MS) snapshot = { at: now, byMark: scanMarked() };
  return (snapshot.byMark.get(instanceMark(name)) ?? []).filter((p) => p.group !== exceptGroup && p.pid !== exceptGroup).map((p) => p.pid);
}

/** Every live process carrying this supervisor's mark, by its mark. */
function scanMarked(): Map<string, { pid: number; group: number }[]> {
  const byMark = new Map<string, { pid: number; group: number }[]>();
  const wanted = Buffer.from(`${MARK_VARIABLE}=${SUPERVISOR_TOKEN}/`);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return byMark;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57 || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      let at = environ.indexOf(wanted);
      while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(wanted, at + 1);
      if (at < 0) continue;
      const end = environ.indexOf(0, at);
      const mark = environ.toString('utf8', at + MARK_VARIABLE.length + 1, end < 0 ? environ.length : end);
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 4);
      if (fields[0] === 'Z') continue; // a zombie: its parent will reap it
      const list = byMark.get(mark) ?? [];
      list.push({ pid: Number(entry), group: Number(fields[2]) });
      byMark.set(mark, list);
    } catch {
      // gone meanwhile, or another user's (EACCES): not ours
    }
  }
  return byMark;
}

/** Sends `signal` to each pid; returns how many were still there to get it. */
export function signalEach(pids: number[], signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // already gone
    }
  }
  return sent;
}
