// The dyno manager in miniature: runs a formation, watches it, and shuts it down as Heroku does.
import { constants } from 'node:os';
import { Instance, signalGroup, type InstanceStatus } from './instance';
import type { InstancePlan } from './formation';
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { SupervisorConfig } from '../config/load';

export interface SupervisorOptions {
  appDir: string;
  env: NodeJS.ProcessEnv;
  pipeline: Pipeline;
  config: SupervisorConfig;
  hostname: string;
  /** The app's inputs: closed after the processes stop and before the pipeline is flushed. */
  inputs?: { close(): Promise<void>; stats(): Record<string, Record<string, number | string>> };
}

/** A snapshot for `drover status`. */
export interface SupervisorStatus {
  pid: number;
  uptime: number;
  instances: InstanceStatus[];
  outputs: Record<string, Record<string, number | string>>;
  inputs?: Record<string, Record<string, number | string>>;
}

const LOGGER = 'supervisor';

export class Supervisor {
  readonly instances: Instance[];
  private readonly startedAt = Date.now();
  private shuttingDown: Promise<number> | undefined;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit status once everything has stopped and the pipeline is flushed. */
  readonly done = new Promise<number>((resolve) => (this.resolveDone = resolve));
  private lastExit = 0;
  private stopStarted = Date.now();
  /** Set once drover has failed and is only stopping the processes (see abandon). */
  private abandoned = false;
  /** Stop signals received: the second one does not wait. */
  private stopSignals = 0;
  /** Set by a second stop signal: the exit status of a stop that did not wait. */
  private forcedStatus: number | undefined;

  constructor(plans: InstancePlan[], private readonly options: SupervisorOptions) {
    this.instances = plans.map(
      (plan) =>
        new Instance(plan, {
          appDir: options.appDir,
          env: options.env,
          pipeline: options.pipeline,
          hostname: options.hostname,
          maxLine: options.config.max_line_length,
          partialTimeout: options.config.partial_line_timeout,
          backoff: { initial: options.config.backoff_initial, max: options.config.backoff_max },
          onChange: (instance) => this.onChange(instance),
          shuttingDown: () => this.shuttingDown !== undefined || this.abandoned,
        }),
    );
  }

  start(): void {
    if (this.instances.length === 0) {
      this.report('No process to run: the formation is empty');
      void this.shutdown('nothing to run', 0);
      return;
    }
    for (const instance of this.instances) instance.start();
  }

  private onChange(instance: Instance): void {
    if (this.shuttingDown || this.abandoned) return;
    if (instance.state === 'FATAL') {
      void this.shutdown(`${instance.name} is FATAL`, instance.exitStatus || 1);
      return;
    }
    if ((instance.state === 'EXITED' || instance.state === 'STOPPED') && !instance.restarting) {
      this.lastExit = instance.exitStatus ?? 0;
      if (this.instances.every((i) => !i.alive)) void this.shutdown('no process is left running', this.lastExit);
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
      const running = this.instances.filter((i) => i.pid !== undefined);
      this.report(running.length ? `Stopping all processes (${reason})` : `Exiting (${reason})`, requested ? SEVERITY.info : SEVERITY.warning);
      const longest = Math.max(0, ...this.instances.map((i) => i.plan.type.stopwaitsecs));
      await Promise.all(this.instances.map((i) => i.stop()));
      const killed = this.instances.find((i) => i.killed);
      let code = status;
      if (requested) code = this.forcedStatus ?? (killed ? 128 + 9 : 0);
      this.report(`Stopped; exit status ${code}`);
      await this.options.inputs?.close();
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
    for (const i of this.instances) if (i.pid === undefined) void i.stop(); // cancels a pending start (BACKOFF)
    const groups = this.instances.flatMap((i) => (i.pid === undefined ? [] : [{ pid: i.pid, signal: `SIG${i.plan.type.stopsignal}` as NodeJS.Signals }]));
    for (const { pid, signal } of groups) signalGroup(pid, signal);
    for (const until = Date.now() + graceMs; groups.some((g) => groupExists(g.pid)) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    for (const { pid } of groups) signalGroup(pid, 'SIGKILL');
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
    return { pid: process.pid, uptime: Date.now() - this.startedAt, instances: this.instances.map((i) => i.status()), outputs: this.options.pipeline.stats(), inputs: this.options.inputs?.stats() };
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
