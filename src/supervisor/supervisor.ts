// The dyno manager in miniature: runs a formation, watches it, and shuts it down as Heroku does.
import { constants } from 'node:os';
import { Instance, signalGroup, type InstanceStatus } from './instance';
import type { InstancePlan } from './formation';
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { SupervisorConfig } from '../config/load';
import type { LoadedApp, ProcessSpec } from '../config/app';
import { findMarked, signalEach, SUPERVISOR_TOKEN } from './escapees';
import { Scheduler, schedulePlans, type ScheduleStatus } from './scheduler';
import { HISTORY_LINES, LogHistory } from './log-history';

/** What planInstances needs to plan more instances the same way. */
export interface FormationContext {
  types: ProcessSpec[];
  env: NodeJS.ProcessEnv;
  basePort: number | undefined;
  /** True when drover start was given no formation: a type that a reload adds is started then. */
  everyType?: boolean;
  /** Reads the app's configuration again, as drover start did (for `drover reload`). */
  load?: () => LoadedApp;
}

export interface SupervisorOptions {
  appDir: string;
  env: NodeJS.ProcessEnv;
  pipeline: Pipeline;
  config: SupervisorConfig;
  hostname: string;
}

/** A snapshot for `drover status`. */
export interface SupervisorStatus {
  pid: number;
  uptime: number;
  instances: InstanceStatus[];
  outputs: Record<string, Record<string, number | string>>;
  /** Scheduled types: next run and last result. */
  schedules: ScheduleStatus[];
}

const LOGGER = 'supervisor';

export class Supervisor {
  readonly instances: Instance[];
  private readonly startedAt = Date.now();
  private shuttingDown: Promise<number> | undefined;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit status once everything has stopped and the pipeline is flushed. */
  readonly done = new Promise<number>((resolve) => (this.resolveDone = resolve));
  /** The status of the first final exit that was not expected (not in exitcodes): drover's own exit status. */
  private firstUnexpected: number | undefined;
  private stopStarted = Date.now();
  /** Set once drover has failed and is only stopping the processes (see abandon). */
  private abandoned = false;
  /** Stop signals received: the second one does not wait. */
  private stopSignals = 0;
  /** Set by a second stop signal: the exit status of a stop that did not wait. */
  private forcedStatus: number | undefined;
  /** Runs the scheduled types (`schedule`); their instances are not started at boot. */
  readonly scheduler: Scheduler;
  /** The last lines routed, for `drover logs`. */
  readonly history: LogHistory;
  /** The types and port rule the formation was planned with (set by drover start), for `drover scale`. */
  formation: FormationContext | undefined;
  /** Instances `drover scale` is removing: their stop does not make drover exit. */
  readonly removing = new Set<Instance>();

  constructor(plans: InstancePlan[], readonly options: SupervisorOptions) {
    this.instances = schedulePlans(plans).map((plan) => this.createInstance(plan));
    this.history = new LogHistory(options.config.log_history ?? HISTORY_LINES);
    // Every block read is copied into it: none when drover logs is not wanted (log_history = 0).
    if (options.config.log_history !== 0) options.pipeline.addOutput('logs', this.history);
    this.scheduler = new Scheduler(this.instances, (text, logger, severity) => options.pipeline.internal(text, logger, severity ?? SEVERITY.info));
  }

  /** An instance of `plan` with the supervisor's options, not started: at boot, and for `drover scale`. */
  createInstance(plan: InstancePlan): Instance {
    const { options } = this;
    return new Instance(plan, {
      appDir: options.appDir,
      env: options.env,
      pipeline: options.pipeline,
      hostname: options.hostname,
      maxLine: options.config.max_line_length,
      partialTimeout: options.config.partial_line_timeout,
      backoff: { initial: options.config.backoff_initial, max: options.config.backoff_max },
      onChange: (instance) => this.onChange(instance),
      shuttingDown: () => this.shuttingDown !== undefined || this.abandoned,
    });
  }

  start(): void {
    if (this.instances.length === 0) {
      this.report('No process to run: the formation is empty');
      void this.shutdown('nothing to run', 0);
      return;
    }
    for (const instance of this.instances) if (!this.scheduler.owns(instance)) instance.start();
    this.scheduler.start();
  }

  private onChange(instance: Instance): void {
    if (this.scheduler?.owns(instance)) return this.scheduler.onChange(instance);
    if (this.removing.has(instance)) return;
    if (this.shuttingDown || this.abandoned) return;
    if (instance.state === 'FATAL') {
      void this.shutdown(`${instance.name} is FATAL`, instance.exitStatus || 1);
      return;
    }
    if ((instance.state === 'EXITED' || instance.state === 'STOPPED') && !instance.restarting) {
      if (instance.state === 'EXITED' && !instance.exitExpected) this.firstUnexpected ??= instance.exitStatus || 1;
      if (this.instances.every((i) => !i.alive) && !this.scheduler.active) void this.shutdown('no process is left running', this.firstUnexpected ?? 0);
    }
  }

  /**
   * Stops every instance (stopsignal, then SIGKILL after stopwaitsecs), flushes the pipeline and resolves
   * `done`. `status` is the exit status when nothing worse happens; a requested clean stop gives 0.
   */
  shutdown(reason: string, status: number, requested = false): Promise<number> {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      // Yield once, so that `shuttingDown` is set before stop() changes any state (onChange reads it).
      await Promise.resolve();
      if (!requested) this.stopStarted = Date.now();
      this.scheduler.stop();
      const running = this.instances.filter((i) => i.pid !== undefined);
      this.report(running.length ? `Stopping all processes (${reason})` : `Exiting (${reason})`, requested ? SEVERITY.info : SEVERITY.warning);
      const longest = Math.max(0, ...this.instances.map((i) => i.plan.type.stopwaitsecs));
      await Promise.all(this.instances.map((i) => i.stop()));
      // Nothing drover started outlives it: a daemon of an instance no longer in the formation is found too.
      signalEach(findMarked(`${SUPERVISOR_TOKEN}/`, true), 'SIGKILL');
      const killed = this.instances.find((i) => i.killed);
      let code = status;
      if (requested) code = this.forcedStatus ?? (killed ? 128 + 9 : 0);
      this.report(`Stopped; exit status ${code}`);
      // Drains get what is left of the stop budget (at least a second) to deliver buffered lines.
      await this.options.pipeline.close(Date.now() + Math.max(1000, longest - (Date.now() - this.stopStarted)));
      this.resolveDone(code);
      return code;
    })();
    return this.shuttingDown;
  }

  /**
   * For when drover itself has failed: every running process group gets its stopsignal at once, and SIGKILL
   * after `graceMs`. Resolves when the groups are gone. Nothing is flushed: the pipeline may be what failed.
   */
  async abandon(graceMs: number): Promise<void> {
    this.abandoned = true; // no restarts from here on
    this.scheduler.stop();
    for (const i of this.instances) if (i.pid === undefined) void i.stop(); // cancels a pending start (BACKOFF)
    const groups = this.instances.flatMap((i) => (i.pid === undefined ? [] : [{ pid: i.pid, signal: `SIG${i.plan.type.stopsignal}` as NodeJS.Signals }]));
    for (const { pid, signal } of groups) signalGroup(pid, signal);
    for (const until = Date.now() + graceMs; groups.some((g) => groupExists(g.pid)) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    for (const { pid } of groups) signalGroup(pid, 'SIGKILL');
    signalEach(findMarked(`${SUPERVISOR_TOKEN}/`, true), 'SIGKILL');
  }

  /** SIGTERM/SIGINT: a clean stop; a second signal kills everything at once. */
  onSignal(signal: NodeJS.Signals): void {
    this.stopSignals++;
    if (this.shuttingDown && this.stopSignals === 1) {
      // drover was already stopping on its own (FATAL, nothing left to run): this is the platform's first word.
      this.report(`Received ${signal}: already stopping`);
      return;
    }
    if (this.shuttingDown) {
      // The user (or the platform) does not want to wait: no grace for processes, none for drains.
      this.report(`Received ${signal} again: killing all processes now; lines not yet sent to drains are lost`, SEVERITY.warning);
      this.forcedStatus = 128 + (constants.signals[signal] ?? 15);
      for (const i of this.instances) i.kill();
      setTimeout(() => this.resolveDone(this.forcedStatus!), 200).unref();
      return;
    }
    this.stopStarted = Date.now();
    void this.shutdown(`received ${signal}`, 0, true);
  }

  /** Restarts the instances named (`web.1`) or of a type (`web`); returns the names restarted (none while stopping). */
  restart(name: string): string[] {
    if (this.shuttingDown) return [];
    const chosen = this.instances.filter((i) => i.name === name || i.plan.type.name === name);
    for (const i of chosen) void i.restart();
    return chosen.map((i) => i.name);
  }

  /** True once everything is being stopped. */
  get stopping(): boolean {
    return this.shuttingDown !== undefined;
  }

  status(): SupervisorStatus {
    return { pid: process.pid, uptime: Date.now() - this.startedAt, instances: this.instances.map((i) => i.status()), outputs: this.options.pipeline.stats(), schedules: this.scheduler.status() };
  }

  private report(text: string, severity: number = SEVERITY.info): void {
    this.options.pipeline.internal(text, LOGGER, severity);
  }
}

/** True while a process group has a member (a zombie counts until node reaps it). */
function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
