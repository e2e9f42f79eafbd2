// Which instances to run: `web`, `web=2,worker=1`, or every autostart type once (numprocs each).
import { RELEASE_TYPE, type ProcessSpec } from '../config/app';

/** One instance to run, e.g. web.2, with its port. */
export interface InstancePlan {
  name: string;
  type: ProcessSpec;
  index: number;
  port: number;
}

/** A formation the user got wrong: the message says what was expected. */
export class FormationError extends Error {
  override name = 'FormationError';
}

/** Parses `web=2,worker=1` (or `web,worker`, `all=1`) into counts per known type; unknown types are errors. */
export function parseFormation(text: string, types: ProcessSpec[]): Map<string, number> {
  const counts = new Map<string, number>();
  const known = types.map((t) => t.name);
  if (text.trim() === '') {
    for (const t of types) if (t.autostart) counts.set(t.name, t.numprocs);
    return counts;
  }
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9_-]+)(?:=(.*))?$/.exec(part);
    if (!match) throw new FormationError(`invalid formation entry "${part}": expected TYPE or TYPE=COUNT, e.g. web=2,worker=1`);
    const [, name, countText] = match;
    let count = 1;
    if (countText !== undefined) {
      if (!/^\d+$/.test(countText))
        throw new FormationError(`invalid count "${countText}" for "${name}" in the formation: expected a whole number, e.g. ${name}=2`);
      count = Number(countText);
    } else if (name !== 'all') {
      count = types.find((t) => t.name === name)?.numprocs ?? 1;
    }
    if (name === 'all') {
      // Every type but Heroku's release task, which runs only when named (as `heroku local` leaves it out).
      for (const t of types) if (!counts.has(t.name) && t.name !== RELEASE_TYPE) counts.set(t.name, count);
      continue;
    }
    if (!known.includes(name))
      throw new FormationError(`unknown process type "${name}" in the formation: the Procfile and config define ${known.join(', ') || 'none'}`);
    counts.set(name, count);
  }
  return counts;
}

/**
 * Names and ports of the instances, foreman style: base port (default 5000) + 100 per type in Procfile order
 * + 1 per instance. On a dyno (`PORT` set) the web instances get PORT (web.2 PORT+1, ...), so the platform's
 * router finds them, and a single instance takes the number of `DYNO` (web.3 on dyno web.3).
 */
export function planInstances(types: ProcessSpec[], counts: Map<string, number>, env: NodeJS.ProcessEnv, basePort?: number): InstancePlan[] {
  const dynoPort = basePort === undefined && env.PORT && /^\d+$/.test(env.PORT) ? Number(env.PORT) : undefined;
  const base = basePort ?? dynoPort ?? 5000;
  const dyno = /^([A-Za-z0-9_-]+)\.(\d+)$/.exec(env.DYNO ?? '');
  const plans: InstancePlan[] = [];
  let offset = 0;
  types.forEach((type, typeIndex) => {
    const count = counts.get(type.name) ?? 0;
    const typeBase = dynoPort !== undefined ? (type.name === 'web' ? dynoPort : dynoPort + 100 * ++offset) : base + 100 * typeIndex;
    for (let i = 1; i <= count; i++) {
      const index = count === 1 && dyno && dyno[1] === type.name ? Number(dyno[2]) : i;
      plans.push({ name: `${type.name}.${index}`, type, index, port: typeBase + i - 1 });
    }
  });
  return plans;
}
