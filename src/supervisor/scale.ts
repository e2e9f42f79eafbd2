// `drover scale web=3 worker=0`: changes the running formation, as `heroku ps:scale` does. New instances get
// names and ports by the rule of drover start (planInstances); removed ones, the highest numbers first, are
// stopped gracefully and their last lines still go through the pipeline.
import { FormationError, parseFormation, planInstances } from './formation';
import type { Instance } from './instance';
import type { Supervisor } from './supervisor';
import { SEVERITY } from '../pipeline/message';

export type ScaleAnswer = { started: string[]; stopping: string[]; unchanged: string[] } | { error: string };

/** Applies `text` (`web=3,worker=0`; types not named keep their count) to the running supervisor. */
export function scale(supervisor: Supervisor, text: string): ScaleAnswer {
  const context = supervisor.formation;
  if (!context) return { error: 'this supervisor cannot be scaled (it runs a one-off command)' };
  if (supervisor.stopping) return { error: 'the supervisor is shutting down' };
  let requested: Map<string, number>;
  try {
    if (!text.trim()) throw new FormationError('expected TYPE=COUNT, e.g. drover scale web=2 worker=0');
    requested = parseFormation(text, context.types);
  } catch (error) {
    if (error instanceof FormationError) return { error: error.message };
    throw error;
  }
  const scheduled = [...requested.keys()].filter((name) => context.types.find((t) => t.name === name)?.schedule);
  if (scheduled.length)
    return { error: `${scheduled.join(', ')} ${scheduled.length === 1 ? 'is' : 'are'} scheduled (schedule = ...): each runs on its schedule, as one instance` };
  const live = supervisor.instances.filter((i) => !supervisor.removing.has(i));
  // The whole formation as it will be: what runs now, with the requested counts instead.
  const counts = new Map<string, number>();
  for (const i of live) counts.set(i.plan.type.name, (counts.get(i.plan.type.name) ?? 0) + 1);
  for (const [name, count] of requested) counts.set(name, count);
  const plans = planInstances(context.types, counts, context.env, context.basePort);
  const answer = { started: [] as string[], stopping: [] as string[], unchanged: [] as string[] };
  for (const name of requested.keys()) {
    const wanted = plans.filter((p) => p.type.name === name);
    const running = live.filter((i) => i.plan.type.name === name);
    for (const instance of running.filter((i) => !wanted.some((p) => p.name === i.name)).reverse()) {
      answer.stopping.push(instance.name);
      void remove(supervisor, instance);
    }
    for (const plan of wanted) {
      if (running.some((i) => i.name === plan.name)) {
        answer.unchanged.push(plan.name);
        continue;
      }
      const instance = supervisor.createInstance(plan);
      insertInOrder(
        supervisor.instances,
        instance,
        context.types.map((t) => t.name),
      );
      answer.started.push(plan.name);
      instance.start();
    }
  }
  keepAlive(supervisor);
  const said = [answer.started.length && `starting ${answer.started.join(', ')}`, answer.stopping.length && `stopping ${answer.stopping.join(', ')}`]
    .filter(Boolean)
    .join('; ');
  supervisor.options.pipeline.internal(
    `Scaling to ${[...requested].map(([n, c]) => `${n}=${c}`).join(', ')}: ${said || 'nothing to change'}`,
    'supervisor',
    SEVERITY.info,
  );
  return answer;
}

const kept = new WeakSet<Supervisor>();

/** With no process left (everything scaled to 0), nothing else keeps node running: a timer does, until the end. */
function keepAlive(supervisor: Supervisor): void {
  if (kept.has(supervisor)) return;
  kept.add(supervisor);
  const timer = setInterval(() => undefined, 2 ** 30);
  void supervisor.done.finally(() => clearInterval(timer));
}

/** Stops an instance for good and drops it from the formation once its pipes are drained. */
export async function remove(supervisor: Supervisor, instance: Instance): Promise<void> {
  supervisor.removing.add(instance);
  await instance.stop();
  // A shutdown meanwhile waits for this instance with the others; after it, the list no longer matters.
  const at = supervisor.instances.indexOf(instance);
  if (at >= 0 && !supervisor.stopping) supervisor.instances.splice(at, 1);
  supervisor.removing.delete(instance);
}

/** Keeps the formation in Procfile order, then by instance number, as drover start lists it. */
function insertInOrder(instances: Instance[], instance: Instance, typeOrder: string[]): void {
  const key = (i: Instance) => typeOrder.indexOf(i.plan.type.name) * 1e6 + i.plan.index;
  const at = instances.findIndex((i) => key(i) > key(instance));
  if (at < 0) instances.push(instance);
  else instances.splice(at, 0, instance);
}
