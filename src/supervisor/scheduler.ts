// Scheduled process types (`schedule = "0 3 * * *"`): not started at boot; each due time starts a one-shot run of
// the type's instance, with Kubernetes' concurrencyPolicy for a run still going (`overlap`) and a `timeout`.
import type { Instance } from './instance';
import type { InstancePlan } from './formation';
import { nextRun, parseSchedule, type Schedule } from '../config/schedule';
import type { ProcessSpec } from '../config/app';
import { SEVERITY } from '../pipeline/message';

/** A row of `drover status` for a scheduled type. */
export interface ScheduleStatus {
  name: string;
  schedule: string;
  timezone: string;
  overlap: string;
  /** ISO 8601, or undefined when the schedule has no more runs (or drover is stopping). */
  nextRun?: string;
  running: boolean;
  queued: boolean;
  runs: number;
  skipped: number;
  failed: number;
  /** The last run that ended. */
  last?: { status: number | undefined; startedAt: string; durationMs: number; timedOut: boolean; replaced: boolean };
}

type Report = (text: string, logger: string, severity?: number) => void;

/** One instance per scheduled type (runs never overlap: `overlap` decides), run as a one-shot. */
export function schedulePlans(plans: InstancePlan[]): InstancePlan[] {
  return plans
    .filter((p) => !p.type.schedule || p.index === Math.min(...plans.filter((q) => q.type === p.type).map((q) => q.index)))
    .map((p) => (p.type.schedule ? { ...p, type: { ...p.type, oneshot: true } } : p));
}

class Job {
  schedule: Schedule;
  due: number | undefined;
  timer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
  runStartedAt: number | undefined;
  timedOut = false;
  replacing = false;
  queued = false;
  runs = 0;
  skipped = 0;
  failed = 0;
  last: ScheduleStatus['last'];
  readonly armedAt = Date.now();

  constructor(readonly instance: Instance) {
    this.schedule = parseSchedule(instance.plan.type.schedule!, instance.plan.type.timezone);
  }

  get busy(): boolean {
    return this.runStartedAt !== undefined || this.instance.pid !== undefined;
  }
}

export class Scheduler {
  private readonly jobs: Job[];
  private stopped = false;

  constructor(
    instances: Instance[],
    private readonly report: Report,
  ) {
    this.jobs = instances.filter((i) => i.plan.type.schedule).map((i) => new Job(i));
  }

  /** True when some type is scheduled: drover then runs on even with no other process running. */
  get active(): boolean {
    return this.jobs.length > 0 && !this.stopped;
  }

  owns(instance: Instance): boolean {
    return this.jobs.some((j) => j.instance === instance);
  }

  start(): void {
    for (const job of this.jobs) {
      this.arm(job, Date.now());
      const spec = job.instance.plan.type;
      this.report(`Scheduled \`${spec.schedule}\` (${spec.timezone}); next run at ${iso(job.due)}`, job.instance.name);
    }
  }

  /** Clears every timer: nothing starts any more. Running runs are stopped by the supervisor with the rest. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs) {
      clearTimeout(job.timer);
      job.queued = false;
      job.due = undefined;
    }
  }

  /** drover reload: a scheduled type's new definition applies from its next run, which is computed anew. */
  update(spec: ProcessSpec): boolean {
    const job = this.jobs.find((j) => j.instance.plan.type.name === spec.name);
    if (!job || this.stopped) return false;
    job.instance.plan.type = { ...spec, oneshot: true };
    job.schedule = parseSchedule(spec.schedule!, spec.timezone);
    this.arm(job, Date.now());
    this.report(`Rescheduled \`${spec.schedule}\` (${spec.timezone}); next run at ${iso(job.due)}`, job.instance.name);
    return true;
  }

  /** drover reload: schedules the instance of a new scheduled type. */
  add(instance: Instance): void {
    const job = new Job(instance);
    this.jobs.push(job);
    this.arm(job, Date.now());
    this.report(`Scheduled \`${instance.plan.type.schedule}\` (${instance.plan.type.timezone}); next run at ${iso(job.due)}`, instance.name);
  }

  /** drover reload: no more runs of a removed type; returns its instance, for the caller to stop a run under way. */
  drop(name: string): Instance | undefined {
    const at = this.jobs.findIndex((j) => j.instance.plan.type.name === name);
    if (at < 0) return undefined;
    const [job] = this.jobs.splice(at, 1);
    clearTimeout(job.timer);
    clearTimeout(job.timeoutTimer);
    return job.instance;
  }

  /** `drover run NAME`: a run now, under the same overlap rule. Returns the instance name, or an error. */
  runNow(name: string): { started: string } | { error: string } {
    const job = this.jobs.find((j) => j.instance.plan.type.name === name || j.instance.name === name);
    if (!job)
      return { error: `no scheduled process type named "${name}" (scheduled: ${this.jobs.map((j) => j.instance.plan.type.name).join(', ') || 'none'})` };
    if (this.stopped) return { error: 'the supervisor is shutting down' };
    this.trigger(job, 'requested by drover run');
    return { started: job.instance.name };
  }

  /** Called on every state change of a scheduled instance: records the end of a run, starts a queued one. */
  onChange(instance: Instance): void {
    const job = this.jobs.find((j) => j.instance === instance);
    if (!job || job.runStartedAt === undefined || (instance.state !== 'EXITED' && instance.state !== 'STOPPED')) return;
    clearTimeout(job.timeoutTimer);
    const durationMs = Date.now() - job.runStartedAt;
    job.last = {
      status: instance.exitStatus,
      startedAt: new Date(job.runStartedAt).toISOString(),
      durationMs,
      timedOut: job.timedOut,
      replaced: job.replacing,
    };
    job.runStartedAt = undefined;
    const ok = instance.exitStatus === 0 && !job.timedOut;
    if (!ok) job.failed++;
    const how = job.timedOut
      ? `timed out (status ${instance.exitStatus})`
      : job.replacing
        ? `was replaced (status ${instance.exitStatus})`
        : ok
          ? 'finished (status 0)'
          : `failed with status ${instance.exitStatus}`;
    this.report(`Scheduled run ${how} after ${seconds(durationMs)}; next run at ${iso(job.due)}`, instance.name, ok ? SEVERITY.info : SEVERITY.err);
    if (job.queued && !job.replacing && !this.stopped) {
      job.queued = false;
      this.report('Starting the queued run', instance.name);
      this.startRun(job);
    }
  }

  status(): ScheduleStatus[] {
    return this.jobs.map((j) => {
      const spec = j.instance.plan.type;
      return {
        name: j.instance.name,
        schedule: spec.schedule!,
        timezone: spec.timezone,
        overlap: spec.overlap,
        nextRun: j.due === undefined ? undefined : iso(j.due),
        running: j.busy,
        queued: j.queued,
        runs: j.runs,
        skipped: j.skipped,
        failed: j.failed,
        last: j.last,
      };
    });
  }

  /** Sets the timer for the next run after `after`. setTimeout waits at most 24.8 days: a longer wait re-arms. */
  private arm(job: Job, after: number): void {
    clearTimeout(job.timer);
    job.due = nextRun(job.schedule, after, job.armedAt);
    if (job.due === undefined || this.stopped) return;
    const due = job.due;
    job.timer = setTimeout(
      () => {
        if (Date.now() < due - 2) return this.arm(job, after);
        // The next time is counted from this one, not from now: a late timer does not shift the schedule.
        this.arm(job, Math.max(due, Date.now()));
        this.trigger(job, `due at ${iso(due)}`);
      },
      Math.min(due - Date.now(), 2 ** 31 - 1),
    );
  }

  private trigger(job: Job, why: string): void {
    const name = job.instance.name;
    if (!job.busy) return this.startRun(job);
    const previous = `the previous run (pid ${job.instance.pid ?? '-'}) is still running`;
    switch (job.instance.plan.type.overlap) {
      case 'skip':
        job.skipped++;
        this.report(`Skipped the run ${why}: ${previous} (overlap = "skip")`, name, SEVERITY.warning);
        return;
      case 'queue':
        if (job.queued) {
          job.skipped++;
          this.report(`Skipped the run ${why}: ${previous} and a run is already queued (overlap = "queue" keeps one)`, name, SEVERITY.warning);
          return;
        }
        job.queued = true;
        this.report(`Queued the run ${why}: ${previous} (overlap = "queue")`, name);
        return;
      case 'replace':
        if (job.replacing) return;
        job.replacing = true;
        this.report(`Replacing the previous run (pid ${job.instance.pid ?? '-'}) with the run ${why} (overlap = "replace")`, name, SEVERITY.warning);
        void job.instance.stop().then(() => {
          job.replacing = false;
          if (!this.stopped) this.startRun(job);
        });
    }
  }

  private startRun(job: Job): void {
    const spec = job.instance.plan.type;
    job.runs++;
    job.timedOut = false;
    job.runStartedAt = Date.now();
    job.instance.start();
    if (spec.timeout > 0) {
      const instance = job.instance;
      job.timeoutTimer = setTimeout(
        () => {
          if (job.runStartedAt === undefined) return;
          job.timedOut = true;
          this.report(
            `Scheduled run still running after timeout = ${seconds(spec.timeout)}: stopping it with SIG${spec.stopsignal}`,
            instance.name,
            SEVERITY.err,
          );
          void instance.stop();
        },
        Math.min(spec.timeout, 2 ** 31 - 1),
      );
    }
  }
}

function iso(ms: number | undefined): string {
  return ms === undefined ? 'none' : new Date(ms).toISOString();
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
