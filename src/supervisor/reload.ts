// `drover reload` and SIGHUP: read the Procfile, .env and drover/*.toml again and apply the difference without a
// restart, as `supervisorctl update` does. An invalid configuration is refused, every error reported, and the
// running one stays. Outputs whose configuration is the same keep their buffers and connections (Pipeline
// .reconfigure); process types whose definition changed are restarted one instance at a time, new types
// started, removed ones stopped, unchanged ones left alone (their pids stay).
import { formatProblem } from '../config/errors';
import { mergeDotenv } from '../config/dotenv';
import type { ProcessSpec } from '../config/app';
import type { Instance } from './instance';
import type { Supervisor } from './supervisor';
import { remove, scale } from './scale';
import { planInstances } from './formation';
import { schedulePlans } from './scheduler';
import { SEVERITY } from '../pipeline/message';

export type ReloadAnswer =
  | { errors: string[] }
  | { error: string }
  | {
      outputs: { kept: string[]; started: string[]; closed: string[] };
      restarting: string[];
      started: string[];
      stopping: string[];
      unchanged: string[];
      rescheduled: string[];
      notApplied: string[];
    };

const busy = new WeakSet<Supervisor>();

/** Reloads the configuration of a running supervisor; restarts run on in the background, one at a time. */
export function reload(supervisor: Supervisor, why: string): ReloadAnswer {
  const report = (text: string, severity: number = SEVERITY.info) => supervisor.options.pipeline.internal(text, 'supervisor', severity);
  const context = supervisor.formation;
  if (!context?.load) return { error: 'this supervisor cannot reload (it runs a one-off command)' };
  if (supervisor.stopping) return { error: 'the supervisor is shutting down' };
  if (busy.has(supervisor)) return { error: 'a reload is still restarting processes; try again when it is done' };
  let app;
  try {
    app = context.load();
  } catch (error) {
    report(`Reload (${why}) refused: ${(error as Error).message}; the running configuration stays`, SEVERITY.err);
    return { error: (error as Error).message };
  }
  if (app.problems.length) {
    const errors = app.problems.map(formatProblem);
    report(
      `Reload (${why}) refused: the configuration has ${errors.length} error${errors.length === 1 ? '' : 's'}; the running configuration stays`,
      SEVERITY.err,
    );
    for (const e of errors) report(e, SEVERITY.err);
    return { errors };
  }
  let outputs;
  try {
    outputs = supervisor.options.pipeline.reconfigure(app.config, Date.now() + 10_000);
  } catch (error) {
    // A component that cannot start (a file output's directory is gone): nothing was changed.
    report(`Reload (${why}) refused: ${(error as Error).message}; the running configuration stays`, SEVERITY.err);
    return { errors: [(error as Error).message] };
  }
  const env = mergeDotenv(process.env, app.dotenv);
  const envChanged = JSON.stringify(env) !== JSON.stringify(supervisor.options.env);
  supervisor.options.env = env;
  const notApplied: string[] = [];
  if (JSON.stringify(app.config.supervisor) !== JSON.stringify(supervisor.options.config)) notApplied.push('[supervisor]');

  const before = new Map(context.types.map((t) => [t.name, t]));
  const after = new Map(app.processes.map((t) => [t.name, t]));
  // Scheduled types: a new definition applies from the next run; a type that becomes (or stops being)
  // scheduled is a change of kind that waits for drover's restart.
  const rescheduled: ProcessSpec[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const [b, a] = [before.get(name), after.get(name)];
    if (!(b?.schedule || a?.schedule) || sameSpec(b, a)) continue;
    if (b && a && Boolean(b.schedule) !== Boolean(a.schedule)) {
      notApplied.push(`processes.${name}`);
      after.set(name, b);
    } else if (b && a) rescheduled.push(a);
  }
  const changed = [...after.values()].filter((t) => before.has(t.name) && !t.schedule && (envChanged || !sameSpec(before.get(t.name), t)));
  const added = [...after.values()].filter((t) => !before.has(t.name) && !t.schedule);
  const removed = [...before.values()].filter((t) => !after.has(t.name) && !t.schedule);
  const addedScheduled = [...after.values()].filter((t) => !before.has(t.name) && t.schedule);
  const removedScheduled = [...before.values()].filter((t) => !after.has(t.name) && t.schedule);
  context.types = [...after.values()];

  const live = () => supervisor.instances.filter((i) => !supervisor.removing.has(i));
  const answer = {
    outputs,
    restarting: [] as string[],
    started: [] as string[],
    stopping: [] as string[],
    unchanged: [] as string[],
    rescheduled: [] as string[],
    notApplied,
  };
  for (const type of rescheduled) if (supervisor.scheduler.update(type)) answer.rescheduled.push(type.name);
  for (const type of addedScheduled) {
    if (!context.everyType) continue;
    const [plan] = schedulePlans(planInstances(context.types, new Map([[type.name, 1]]), context.env, context.basePort));
    const instance = supervisor.createInstance(plan);
    supervisor.instances.push(instance);
    supervisor.scheduler.add(instance);
    answer.rescheduled.push(type.name);
  }
  for (const type of removedScheduled) {
    const instance = supervisor.scheduler.drop(type.name);
    if (!instance) continue;
    answer.stopping.push(instance.name);
    void remove(supervisor, instance);
  }
  for (const type of removed) {
    for (const instance of live().filter((i) => i.plan.type.name === type.name)) {
      answer.stopping.push(instance.name);
      void remove(supervisor, instance);
    }
  }
  // A new numprocs alone is a scale, not a restart (and only where drover start ran every type).
  const rescaled = [...after.values()].filter((t) => before.has(t.name) && !t.schedule && before.get(t.name)!.numprocs !== t.numprocs);
  for (const type of rescaled) {
    if (!context.everyType) continue;
    const scaled = scale(supervisor, `${type.name}=${type.numprocs}`);
    if ('started' in scaled) {
      answer.started.push(...scaled.started);
      answer.stopping.push(...scaled.stopping);
    }
  }
  for (const type of added) {
    if (!context.everyType || !type.autostart || type.numprocs === 0) continue;
    const scaled = scale(supervisor, `${type.name}=${type.numprocs}`);
    if ('started' in scaled) answer.started.push(...scaled.started);
  }
  // Instances just started by a new numprocs already run the new definition.
  const toRestart = live().filter((i) => changed.some((t) => t.name === i.plan.type.name) && !answer.started.includes(i.name));
  // An instance that writes straight to stdout while the new pipeline needs its lines (a drain, a filter): restarted
  // too, so that they reach it. One that could now write directly keeps the pipeline until it restarts.
  const leavingDirect = live().filter(
    (i) =>
      i.directFd !== undefined &&
      i.pid !== undefined &&
      !toRestart.includes(i) &&
      !answer.started.includes(i.name) &&
      !('fd' in supervisor.directDecision(i.name)),
  );
  toRestart.push(...leavingDirect);
  answer.restarting = toRestart.map((i) => i.name);
  answer.unchanged = live()
    .filter((i) => !toRestart.includes(i) && !answer.started.includes(i.name))
    .map((i) => i.name);
  const said = [
    `outputs kept: ${outputs.kept.join(', ') || 'none'}`,
    outputs.started.length && `started: ${outputs.started.join(', ')}`,
    outputs.closed.length && `closed: ${outputs.closed.join(', ')}`,
    answer.restarting.length &&
      `restarting ${answer.restarting.join(', ')} one at a time${leavingDirect.length ? ` (${leavingDirect.map((i) => i.name).join(', ')}: its output was direct, and the pipeline now needs its lines)` : ''}`,
    answer.started.length && `starting ${answer.started.join(', ')}`,
    answer.stopping.length && `stopping ${answer.stopping.join(', ')}`,
    answer.rescheduled.length && `rescheduled ${answer.rescheduled.join(', ')}`,
  ].filter(Boolean);
  report(`Reloaded the configuration (${why}): ${said.join('; ')}`);
  if (notApplied.length)
    report(
      `Not applied until drover restarts: ${notApplied.join(', ')} ([supervisor], and a type that becomes or stops being scheduled, are set up at start)`,
      SEVERITY.warning,
    );
  if (toRestart.length) {
    busy.add(supervisor);
    void (async () => {
      for (const instance of toRestart) await replace(supervisor, instance, after.get(instance.plan.type.name) ?? instance.plan.type);
    })().finally(() => busy.delete(supervisor));
  }
  return answer;
}

/** True when two definitions of a type run each instance the same way (where they were written and numprocs do not count). */
function sameSpec(a: ProcessSpec | undefined, b: ProcessSpec | undefined): boolean {
  const strip = (t: ProcessSpec | undefined) => t && JSON.stringify({ ...t, origin: undefined, source: undefined, numprocs: undefined });
  return strip(a) === strip(b);
}

/** Stops `old` and starts its successor with the new definition in its place, then waits until it is up. */
async function replace(supervisor: Supervisor, old: Instance, spec: ProcessSpec): Promise<void> {
  supervisor.removing.add(old);
  await old.stop();
  supervisor.removing.delete(old);
  if (supervisor.stopping) return;
  const fresh = supervisor.createInstance({ ...old.plan, type: spec });
  const at = supervisor.instances.indexOf(old);
  if (at >= 0) supervisor.instances[at] = fresh;
  else supervisor.instances.push(fresh);
  fresh.start();
  // One at a time: the next instance stops once this one is up (startsecs), or has ended.
  while (fresh.state === 'STARTING' && !supervisor.stopping) await new Promise((r) => setTimeout(r, 50));
}
