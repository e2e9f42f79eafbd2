// The dyno manager in miniature: runs a formation, watches it, and shuts it down as Heroku does.
import { constants } from 'node:os';
import { Instance, signalGroup, type InstanceStatus } from './instance';
import type { InstancePlan } from './formation';
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { SupervisorConfig } from '../config/load';
import { groupDigits } from '../config/units';
import type { LineCounts } from './metrics';
import type { LoadedApp, ProcessSpec } from '../config/app';
import { findAllMarked, signalEach } from './escapees';
import { Scheduler, schedulePlans, type ScheduleStatus } from './scheduler';
import { HISTORY_LINES, LogHistory } from './log-history';
import { directExplained, directOutput } from './direct-output';

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
  /** Lines read per instance and stream, when metrics are served. */
  lines?: LineCounts;
  /** The app's inputs: closed after the processes stop and before the pipeline is flushed. */
  inputs?: { close(): Promise<void>; stats(): Record<string, Record<string, number | string>>; readonly size: number };
}

/** A snapshot for `drover status`. */
export interface SupervisorStatus {
  pid: number;
  uptime: number;
  instances: InstanceStatus[];
  outputs: Record<string, Record<string, number | string>>;
  /** Scheduled types: next run and last result. */
  schedules: ScheduleStatus[];
  inputs?: Record<string, Record<string, number | string>>;
}

const LOGGER = 'supervisor';
/** Instances started between two turns of the event loop (each spawn takes about a millisecond). */
const START_BATCH = 20;

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
  /** True while startAll() is starting the instances: some have not been started yet. */
  private startingAll = false;
  /** Set by a second stop signal: the exit status of a stop that did not wait. */
  private forcedStatus: number | undefined;
  /** When a stop asked for by a signal must be over (its budget: the longest stopwaitsecs, at least 1 s for the outputs). */
  stopBudgetEnd = Infinity;
  /** Runs the scheduled types (`schedule`); their instances are not started at boot. */
  readonly scheduler: Scheduler;
  /** The last lines routed, for `drover logs`. */
  readonly history: LogHistory;
  /** The types and port rule the formation was planned with (set by drover start), for `drover scale`. */
  formation: FormationContext | undefined;
  /** Instances `drover scale` is removing: their stop does not make drover exit. */
  readonly removing = new Set<Instance>();

  constructor(
    plans: InstancePlan[],
    readonly options: SupervisorOptions,
  ) {
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
      lines: options.lines,
      backoff: { initial: options.config.backoff_initial, max: options.config.backoff_max },
      direct: (name) => this.direct(name),
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
    void this.startAll();
    this.scheduler.start();
  }

  /**
   * Starts the instances START_BATCH at a time, yielding to the event loop between batches: each spawn blocks
   * it for a moment, and with thousands of instances a stop signal or `drover status` must not wait for all of
   * them. A stop ends the starting; instances not started yet stay STOPPED. Scheduled types start on schedule.
   */
  private async startAll(): Promise<void> {
    this.startingAll = true;
    const boot = this.instances.filter((i) => !this.scheduler.owns(i));
    for (let at = 0; at < boot.length; at += START_BATCH) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.shuttingDown || this.abandoned) break;
      for (const instance of boot.slice(at, at + START_BATCH)) instance.start();
    }
    this.startingAll = false;
    // Those started first may all have exited while the others were starting.
    if (!this.shuttingDown && !this.abandoned && this.instances.every((i) => !i.alive) && !this.scheduler.active)
      void this.shutdown('no process is left running', this.firstUnexpected ?? 0);
  }

  /** The descriptor instance `name` may write to itself (direct-output.ts), decided as it starts. */
  private direct(name: string): number | undefined {
    const decision = this.directDecision(name);
    if (!('fd' in decision)) {
      // An instance that wrote directly and no longer may (a reload, a scale, or a killed Node.js process that left
      // O_NONBLOCK on the shared pipe) says so once, instead of changing how its lines travel without a word.
      if (this.wroteDirectly.delete(name)) this.report(`${name}'s output goes through the pipeline from this start: ${decision.why}`);
      // Asked for and not possible: said once, so that whoever set it knows why it is not in effect.
      else if (this.options.config.direct_output === true && !this.directSaid) {
        this.directSaid = true;
        this.report(`[supervisor] direct_output = true does not apply to ${name}: ${decision.why}; its lines go through the pipeline`);
      }
      return undefined;
    }
    this.wroteDirectly.add(name);
    if (!this.directSaid) this.report(directExplained(name, decision.fd));
    this.directSaid = true;
    return decision.fd;
  }

  /** Whether instance `name` would write straight to drover's descriptor if it started now, or why not. */
  directDecision(name: string): { fd: number } | { why: string } {
    return directOutput(name, {
      pipeline: this.options.pipeline,
      enabled: this.options.config.direct_output === true,
      counting: this.options.lines !== undefined,
      inputs: this.options.inputs?.size ?? 0,
      instances: this.instances.length,
      hostname: this.options.hostname,
    });
  }

  private directSaid = false;
  /** Instances whose last start wrote straight to drover's descriptor. */
  private readonly wroteDirectly = new Set<string>();

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
      if (!this.startingAll && this.instances.every((i) => !i.alive) && !this.scheduler.active)
        void this.shutdown('no process is left running', this.firstUnexpected ?? 0);
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
      signalEach(findAllMarked(), 'SIGKILL');
      const killed = this.instances.find((i) => i.killed);
      let code = status;
      if (requested) code = this.forcedStatus ?? (killed ? 128 + 9 : 0);
      // Drains get what is left of the stop budget (at least a second) to deliver buffered lines; say so, since
      // a stop that waits for an unreachable drain looks hung otherwise.
      const budget = Math.max(1000, longest - (Date.now() - this.stopStarted));
      const deadline = Date.now() + budget;
      if (requested) this.stopBudgetEnd = deadline;
      for (const { id, lines } of this.options.pipeline.backlog()) {
        this.report(`Waiting up to ${Math.ceil(budget / 1000)} s for ${id}: ${groupDigits(lines)} lines buffered; ${this.stopKey()} again to drop them`);
      }
      await this.options.inputs?.close();
      await this.options.pipeline.close(deadline, () => this.finish(code));
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
    signalEach(findAllMarked(), 'SIGKILL');
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
      const dropped = this.options.pipeline.backlog().map(({ id, lines }) => `${groupDigits(lines)} lines buffered for ${id}`);
      this.report(
        `Received ${signal} again: killing all processes now; lines not yet sent to drains are lost${dropped.length ? ` (${dropped.join(', ')})` : ''}`,
        SEVERITY.warning,
      );
      this.forcedStatus = 128 + (constants.signals[signal] ?? 15);
      for (const i of this.instances) i.kill();
      setTimeout(() => {
        this.finish(this.forcedStatus!);
        this.resolveDone(this.forcedStatus!);
      }, 200).unref();
      return;
    }
    this.stopStarted = Date.now();
    void this.shutdown(`received ${signal}`, 0, true);
  }

  /** Says `Stopped`, drover's last line (once), and routes nothing after it. */
  private finish(code: number): void {
    if (this.stoppedSaid) return;
    this.stoppedSaid = true;
    this.report(`Stopped; exit status ${code}`);
    this.options.pipeline.mute();
  }

  private stoppedSaid = false;

  /** What a user presses or sends to stop again: Ctrl-C in a terminal, SIGTERM elsewhere. */
  private stopKey(): string {
    return process.stdin.isTTY ? 'Ctrl-C' : 'SIGTERM or Ctrl-C';
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
    return {
      pid: process.pid,
      uptime: Date.now() - this.startedAt,
      instances: this.instances.map((i) => i.status()),
      outputs: this.options.pipeline.stats(),
      schedules: this.scheduler.status(),
      inputs: this.options.inputs?.stats(),
    };
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
