// One supervised instance (web.1): spawn under `bash -c` in its own process group, restart, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { InstancePlan } from './formation';
import { decideAfterExit } from './restart-policy';
import { attachOutput } from './child-output';
import type { Pipeline } from '../pipeline/pipeline';
import type { LineCounts } from './metrics';
import { SEVERITY } from '../pipeline/message';
import { findEscapees, instanceMark, MARK_VARIABLE, signalEach } from './escapees';
import { writerFor } from '../pipeline/outputs/stdout';

/** supervisord's process states. */
export type State = 'STOPPED' | 'STARTING' | 'RUNNING' | 'BACKOFF' | 'STOPPING' | 'EXITED' | 'FATAL';

export interface InstanceOptions {
  appDir: string;
  env: NodeJS.ProcessEnv;
  pipeline: Pipeline;
  hostname: string;
  maxLine: number;
  partialTimeout: number;
  /** Lines read per instance and stream, when metrics are served. */
  lines?: LineCounts;
  backoff: { initial: number; max: number };
  /**
   * The descriptor the process may write to itself (direct output, see direct-output.ts), asked at each start; none
   * means its lines are read into the pipeline.
   */
  direct?(name: string): number | undefined;
  /** Called on every state change; the supervisor decides when it is all over. */
  onChange(instance: Instance): void;
  /** True once the supervisor is stopping everything: an exit then is never followed by a restart. */
  shuttingDown(): boolean;
}

/** A row of `drover status`. */
export interface InstanceStatus {
  name: string;
  state: State;
  pid: number | undefined;
  uptime: number;
  restarts: number;
  exitStatus: number | undefined;
  /** While in BACKOFF: when the next start is due (ISO 8601). */
  nextStart?: string;
  /** How its last (or current) run's output reaches drover's: read into the pipeline, or written straight to stdout. */
  output: 'pipeline' | 'direct';
}

export class Instance {
  state: State = 'STOPPED';
  /** Exit status of the last run: the code, or 128 + signal number. */
  exitStatus: number | undefined;
  /** Whether the last exit was final and its code in exitcodes (set once the instance is EXITED). */
  exitExpected = true;
  /** When a pending restart (BACKOFF) will start the process, as a Date.now() value. */
  nextStartAt: number | undefined;
  restarts = 0;
  /** The descriptor the current (or last) run writes to itself, when its output is direct. */
  directFd: number | undefined;
  /** True when it was SIGKILLed because it outlived stopwaitsecs. */
  killed = false;
  /** Set during `drover restart`: its STOPPED state is not the end. */
  restarting: Promise<void> | undefined;
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private failedStarts = 0;
  private crashes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** When a stop gives up waiting: past it, not even a stalled output keeps the pipes waited for. */
  private stopDeadline = Infinity;
  private exited: Promise<void> = Promise.resolve();
  /** Set while the process has exited but its pipes are still open: stops waiting for them. */
  private stopWaitingForPipes: (() => void) | undefined;

  constructor(
    readonly plan: InstancePlan,
    private readonly options: InstanceOptions,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process (again). */
  start(): void {
    const { plan, options } = this;
    const spec = plan.type;
    this.clearTimer();
    this.stopping = false;
    this.stopDeadline = Infinity;
    this.nextStartAt = undefined;
    // PS as foreman sets it: the instance name.
    const env = { ...options.env, ...spec.environment, DYNO: plan.name, PS: plan.name, PORT: String(plan.port), [MARK_VARIABLE]: instanceMark(plan.name) };
    this.report(`Starting process with command \`${spec.command}\``);
    // Direct output: both streams are drover's own descriptor, as the pipeline would have merged them there.
    const direct = (this.directFd = options.direct?.(plan.name));
    if (direct === undefined) return this.spawn(env, undefined);
    // Its lines will not pass drover: drover's own so far (this start, the last exit) go out first, within 250 ms.
    const generation = ++this.generation;
    this.setState('STARTING');
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([writerFor(direct).allWritten(), new Promise((resolve) => (timer = setTimeout(resolve, 250)))]).then(() => {
      clearTimeout(timer);
      if (generation === this.generation && this.state === 'STARTING' && !this.child) this.spawn(env, direct);
    });
  }

  /** Starts pending (direct output waits for drover's own lines): a stop or kill cancels it. */
  private generation = 0;

  private spawn(env: NodeJS.ProcessEnv, direct: number | undefined): void {
    const { plan, options } = this;
    const spec = plan.type;
    const child = spawn('bash', ['-c', spec.command], {
      cwd: spec.directory ? resolve(options.appDir, spec.directory) : options.appDir,
      env,
      stdio: direct === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', direct, direct],
      detached: true, // its own process group (setsid), so a stop reaches its children too
    });
    this.child = child;
    this.startedAt = Date.now();
    this.killed = false;
    this.setState('STARTING');
    // Out of file descriptors (EMFILE), spawn gives a child without pipes, and its 'error' event follows.
    const output =
      direct !== undefined || !child.stdout || !child.stderr
        ? NOT_SPAWNED
        : attachOutput(child, {
            logger: plan.name,
            hostname: options.hostname,
            pipeline: options.pipeline,
            maxLine: options.maxLine,
            partialTimeout: options.partialTimeout,
            lines: options.lines,
          });
    this.exited = new Promise((done) => {
      let finished = false;
      let exitInfo: [number | null, NodeJS.Signals | null] | undefined;
      const finish = () => {
        if (finished || !exitInfo) return;
        finished = true;
        this.stopWaitingForPipes = undefined;
        // The group lives and dies with its leader: what it left behind (a daemonized grandchild) goes too.
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
        this.stopEscapees('SIGKILL');
        this.onExit(exitInfo[0], exitInfo[1]);
        done();
      };
      // Normally the pipes close right after the exit; a grandchild holding them open gets 250 ms, not forever.
      // Time while drover is not reading (an output is full) does not count: the pipes may hold lines still.
      // A stop's stopwaitsecs end the wait all the same: a reader that stopped reading for good must not keep
      // drover from exiting.
      const waitForPipes = (exitedAt: number, pausedBefore: number) => {
        const reading = Date.now() - exitedAt - (output.pausedMs - pausedBefore);
        if (reading >= 250 || Date.now() >= this.stopDeadline) finish();
        else setTimeout(() => waitForPipes(exitedAt, pausedBefore), 250 - reading).unref();
      };
      let pipesClosed = false;
      child.on('exit', (code, signal) => {
        exitInfo = [code, signal];
        this.stopWaitingForPipes = finish;
        if (pipesClosed) finish();
        else waitForPipes(Date.now(), output.pausedMs);
      });
      void output.closed.then(() => {
        pipesClosed = true;
        finish();
      });
      child.on('error', (error) => {
        this.report(`Failed to start: ${error.message}`, SEVERITY.err);
        if (child.pid !== undefined) return;
        // Not spawned at all (bash missing, directory gone): no exit event will come.
        exitInfo = [127, null];
        finish();
      });
    });
    if (child.pid === undefined) return;
    this.report(`Process started with pid ${child.pid}${direct === undefined ? '' : ' (output: direct)'}`);
    this.timer = setTimeout(() => {
      if (this.state === 'STARTING' && this.child === child) {
        this.failedStarts = 0;
        this.setState('RUNNING');
        this.report('State changed from starting to up');
      }
    }, spec.startsecs);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.clearTimer();
    const uptime = Date.now() - this.startedAt;
    this.exitStatus = code ?? 128 + (signal ? constants.signals[signal] : 0);
    this.child = undefined;
    const how = signal ? `was killed by SIG${signal.replace(/^SIG/, '')} (status ${this.exitStatus})` : `exited with status ${code}`;
    // On a dyno the platform signals every process at once: a child may exit before our own handler runs.
    if (this.stopping || this.options.shuttingDown()) {
      this.report(`Process ${how}`);
      this.setState('STOPPED');
      return;
    }
    this.report(`Process ${how}`, this.exitStatus === 0 ? SEVERITY.info : SEVERITY.err);
    const spec = this.plan.type;
    const decision = decideAfterExit(spec, { uptime, code: code ?? undefined, failedStarts: this.failedStarts, crashes: this.crashes }, this.options.backoff);
    switch (decision.action) {
      case 'fatal':
        this.failedStarts = decision.failedStarts;
        this.report(
          `FATAL: exited too quickly (within startsecs = ${spec.startsecs / 1000}s) ${decision.failedStarts} times in a row; giving up after startretries = ${spec.startretries}`,
          SEVERITY.crit,
        );
        this.setState('FATAL');
        return;
      case 'stay-exited':
        this.exitExpected = decision.expected;
        this.report(`Not restarting (${decision.why})`);
        this.setState('EXITED');
        return;
      case 'restart': {
        this.failedStarts = decision.failedStarts;
        this.crashes = decision.crashes;
        // Killed by a stop signal that we did not send: most likely the platform is stopping the whole dyno and
        // our own signal is on its way. Wait a moment rather than start a process that would be stopped at once.
        const delay = decision.delay === 0 && signal && EXTERNAL_STOP.has(signal) ? 1000 : decision.delay;
        if (delay === 0) {
          this.report('Restarting');
          this.restarts++;
          this.start();
          return;
        }
        const why = decision.failedStarts ? ` (failed start ${decision.failedStarts} of ${spec.startretries})` : ` (restart ${decision.crashes} in a row)`;
        this.report(`Restarting in ${formatSeconds(delay)}${why}`);
        this.nextStartAt = Date.now() + delay;
        this.setState('BACKOFF');
        // Counted when it happens: in BACKOFF, `drover status` shows the restarts so far, as the line above does.
        this.timer = setTimeout(() => {
          this.restarts++;
          this.start();
        }, delay);
      }
    }
  }

  /**
   * Sends stopsignal to the process group, then SIGKILL after stopwaitsecs (or at `killAt`, if sooner).
   * Resolves when the process has exited and its pipes are drained.
   */
  async stop(killAt = Infinity): Promise<void> {
    this.clearTimer();
    this.generation++;
    const child = this.child;
    if (!child || child.pid === undefined) {
      if (this.state === 'BACKOFF' || this.state === 'STARTING') this.setState('STOPPED');
      return;
    }
    this.stopping = true;
    const spec = this.plan.type;
    this.setState('STOPPING');
    this.report(`Stopping process with SIG${spec.stopsignal}`);
    signalGroup(child.pid, `SIG${spec.stopsignal}` as NodeJS.Signals);
    this.stopEscapees(`SIG${spec.stopsignal}` as NodeJS.Signals);
    // setTimeout takes at most 2^31-1 ms (24.8 days); a longer stopwaitsecs means "wait that long", not "kill now".
    const wait = Math.max(0, Math.min(spec.stopwaitsecs, killAt - Date.now(), 2 ** 31 - 1));
    this.stopDeadline = Date.now() + wait;
    const timer = setTimeout(() => {
      // It did exit in time; only its pipes are still open (an output with when_full = "block" is not taking
      // lines, or a grandchild holds them): that is no exit timeout, and there is nothing to kill.
      if (this.stopWaitingForPipes) {
        this.report(
          `Process exited; its output not yet read when stopwaitsecs ran out is left unread (an output is full, or a child of it holds the pipe)`,
          SEVERITY.warning,
        );
        return this.stopWaitingForPipes();
      }
      this.killed = true;
      this.report(`Error R12 (Exit timeout): did not exit within ${formatSeconds(wait)} of SIG${spec.stopsignal}; stopping process with SIGKILL`, SEVERITY.err);
      signalGroup(child.pid!, 'SIGKILL');
    }, wait);
    await this.exited;
    clearTimeout(timer);
    // Whatever is left in the group (a grandchild that ignored the signal) goes too.
    signalGroup(child.pid, 'SIGKILL');
  }

  /** Kills the group at once: for a second Ctrl-C. */
  kill(): void {
    this.generation++;
    if (this.child?.pid) signalGroup(this.child.pid, 'SIGKILL');
    this.stopEscapees('SIGKILL');
  }

  /** Signals the processes it started that left its process group (daemons), found by their mark (escapees.ts). */
  stopEscapees(signal: NodeJS.Signals): void {
    const pids = findEscapees(this.name, this.child?.pid);
    if (pids.length && signalEach(pids, signal))
      this.report(
        `Sent ${signal} to ${pids.length === 1 ? 'a process' : `${pids.length} processes`} it started that left its process group (a daemon?): pid ${pids.join(', ')}`,
        SEVERITY.warning,
      );
  }

  /** Stops and starts again: `drover restart`. */
  restart(): Promise<void> {
    // One restart at a time: a second request joins the first instead of spawning a second child.
    if (this.restarting) return this.restarting;
    this.restarting = (async () => {
      await this.stop();
      if (this.options.shuttingDown()) return;
      this.restarts++;
      this.failedStarts = 0;
      this.crashes = 0;
      this.start();
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  /** True while it runs or will run again on its own. */
  get alive(): boolean {
    return this.restarting !== undefined || this.state === 'STARTING' || this.state === 'RUNNING' || this.state === 'BACKOFF' || this.state === 'STOPPING';
  }

  status(): InstanceStatus {
    const nextStart = this.state === 'BACKOFF' && this.nextStartAt !== undefined ? new Date(this.nextStartAt).toISOString() : undefined;
    return {
      name: this.name,
      state: this.state,
      pid: this.pid,
      uptime: this.child ? Date.now() - this.startedAt : 0,
      restarts: this.restarts,
      exitStatus: this.exitStatus,
      nextStart,
      output: this.directFd === undefined ? 'pipeline' : 'direct',
    };
  }

  private setState(state: State): void {
    this.state = state;
    this.options.onChange(this);
  }

  private report(text: string, severity: number = SEVERITY.info): void {
    this.options.pipeline.internal(text, this.name, severity);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The output of a child that was never spawned, or writes to drover's descriptor itself: nothing to read. */
const NOT_SPAWNED = { closed: Promise.resolve(), pausedMs: 0 };

const EXTERNAL_STOP = new Set<NodeJS.Signals>(['SIGTERM', 'SIGINT', 'SIGHUP']);

/** Sends a signal to a process group, which may be gone already. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
