// `drover start [FORMATION]`: run the app's process types under the supervisor, as a dyno manager would.
import { hostname as osHostname } from 'node:os';
import { isatty } from 'node:tty';
import { APP_OPTIONS, APP_USAGE, loadAppFromArgs, parse, UsageError, type Command } from '../command';
import { ConfigInvalidError, formatProblem } from '../../config/errors';
import { mergeDotenv } from '../../config/dotenv';
import { FormationError, parseFormation, planInstances, type InstancePlan } from '../../supervisor/formation';
import type { LoadedApp } from '../../config/app';
import { Supervisor } from '../../supervisor/supervisor';
import { fdLimitProblem } from '../../supervisor/fd-limit';
import { controlSocketPath, serveControl } from '../../supervisor/control';
import { LineCounts, serveMetrics } from '../../supervisor/metrics';
import { reload } from '../../supervisor/reload';
import { watchConfig } from '../../supervisor/watch';
import { startThreadPool } from '../../supervisor/thread-pool';
import { Pipeline } from '../../pipeline/pipeline';
import { BufferInUseError } from '../../pipeline/buffers/segment-files';
import { Inputs } from '../../pipeline/inputs/inputs';
import { isOnPlatform } from '../../pipeline/formats/formats';
import { writeInSmallPieces, writeProgress } from '../../pipeline/io/sinks';
import { SEVERITY } from '../../pipeline/message';
import type { InstanceName } from '../../pipeline/component';
import { handleSignals, ignoredLine } from '../signals';
import { mayBeDirect } from '../../supervisor/direct-output';
import { statusLines } from './status';

export const start: Command & {
  supervise(app: LoadedApp, plans: InstancePlan[], scaling?: { basePort: number | undefined; load: () => LoadedApp; everyType: boolean }): Promise<number>;
} = {
  summary: 'run the process types of the Procfile (all, or a formation such as web=2,worker=1)',
  usage: `Usage: drover start [FORMATION] [options]

Runs process types from the Procfile and [processes.NAME] under the supervisor, each instance
(web.1, web.2, ...) as \`bash -c COMMAND\` in its own process group, and routes their output
through the log pipeline. FORMATION is empty (every autostart type, numprocs each), a type
(\`web\`), or counts (\`web=2,worker=1\`). SIGTERM, SIGINT or SIGQUIT stops every process gracefully
(a second one kills them at once); SIGHUP reloads the configuration (as drover reload); SIGUSR1
prints the state of every instance.
The type \`release\` runs only when named. foreman's flags work the same.

  -m, --formation FORMATION  the same as the FORMATION argument, as in foreman
  -p, --port PORT       base port: +100 per process type, +1 per instance (default: $PORT, else PORT
                        from .env as in foreman, else 5000)
  -t, --timeout SECONDS stopwaitsecs for every type: how long a stop waits before SIGKILL
${APP_USAGE}`,
  async run(args) {
    startThreadPool();
    const { values, positionals } = parse(
      args,
      { ...APP_OPTIONS, port: { type: 'string', short: 'p' }, formation: { type: 'string', short: 'm' }, timeout: { type: 'string', short: 't' } },
      true,
    );
    if (positionals.length > 1)
      throw new UsageError(`expected one FORMATION, got ${positionals.length}: ${positionals.join(' ')} (write web=2,worker=1 without spaces)`);
    if (positionals.length && values.formation !== undefined)
      throw new UsageError(`give the formation once: as an argument (${positionals[0]}) or with --formation (${values.formation}), not both`);
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`option --port must be a port number, got "${values.port}"`);
    if (values.timeout !== undefined && !/^\d+(\.\d+)?$/.test(values.timeout))
      throw new UsageError(`option --timeout must be a number of seconds, e.g. 10, got "${values.timeout}"`);
    const app = loadAppFromArgs(values, 'run');
    // Skipped Procfile and .env lines: said once at start, as at build time and by drover check.
    for (const w of app.warnings) process.stderr.write(`drover: warning: ${formatProblem(w)}\n`);
    if (app.problems.length) {
      process.stderr.write(`drover: cannot start: ${new ConfigInvalidError(app.problems).message}\nRun \`drover check\` after fixing them.\n`);
      return 1;
    }
    if (values.timeout !== undefined) for (const p of app.processes) p.stopwaitsecs = Number(values.timeout) * 1000;
    // foreman's base port: -p, else PORT from .env. A real PORT (a dyno's) keeps its own rule in planInstances.
    const dotenvPort = !process.env.PORT && /^\d+$/.test(app.dotenv.PORT ?? '') ? Number(app.dotenv.PORT) : undefined;
    let plans;
    try {
      plans = planInstances(
        app.processes,
        parseFormation(positionals[0] ?? values.formation ?? '', app.processes),
        process.env,
        values.port === undefined ? dotenvPort : Number(values.port),
      );
    } catch (error) {
      if (error instanceof FormationError) throw new UsageError(error.message);
      throw error;
    }
    const tooMany = fdLimitProblem(plans.length);
    if (tooMany) {
      process.stderr.write(`drover: cannot start: ${tooMany}\n`);
      return 1;
    }
    const timeout = values.timeout;
    // `drover reload` reads the app again the same way, -t included.
    const load = () => {
      const again = loadAppFromArgs(values, 'run');
      if (timeout !== undefined) for (const p of again.processes) p.stopwaitsecs = Number(timeout) * 1000;
      return again;
    };
    const everyType = (positionals[0] ?? values.formation ?? '').trim() === '';
    return start.supervise(app, plans, { basePort: values.port === undefined ? dotenvPort : Number(values.port), load, everyType });
  },

  /**
   * Runs `plans` under the supervisor with the app's pipeline until they are done (or drover is stopped), and
   * resolves to drover's exit status: for `drover start`, and for `drover run --logs`.
   */
  async supervise(app, plans, scaling) {
    const env = mergeDotenv(process.env, app.dotenv);
    const hostname = app.config.supervisor.hostname || osHostname();
    const { metrics_address: metricsAddress } = app.config.supervisor;
    if (!mayBeDirect(app.config, plans.length, Boolean(metricsAddress), isOnPlatform(process.env))) {
      // Node.js's streams, made now, set O_NONBLOCK on a pipe: the outputs then write through libuv (see mayBeDirect).
      void process.stdout;
      void process.stderr;
    }
    // Valid (`drover check` lists it), but almost never meant: an empty drover/009-stdout.toml and no output of the
    // app's own, or a copy of drover without its conf/ directory. Every line would go nowhere without a word. (A
    // disabled output says so itself, again and again, on stderr.)
    if (app.config.outputs.length === 0 && app.config.disabled.length === 0)
      process.stderr.write(
        "drover: warning: no output is configured, so the processes' lines go nowhere (`drover logs` still shows the last ones). Add an [outputs.NAME] section, or keep the default stdout output (conf/009-stdout.toml beside drover's lib/; an empty drover/009-stdout.toml turns it off).\n",
      );
    let pipeline: Pipeline;
    // The formation as it runs (a scale changes it), once the supervisor exists: `auto` formats follow it.
    let formation: readonly InstanceName[] | undefined;
    const formationNow = () => formation ?? plans;
    try {
      pipeline = new Pipeline(app.config, { env, hostname, onPlatform: isOnPlatform(process.env), isTTY: isatty(1), instances: formationNow });
    } catch (error) {
      // Nothing runs yet: a disk buffer that another output or drover holds, or an output with required = true
      // that cannot be made (others are disabled), is the user's to sort out.
      process.stderr.write(`drover: cannot start: ${(error as Error).message}\n`);
      // The outputs made before this one may be connecting already: nothing of theirs is worth waiting for.
      if (error instanceof BufferInUseError) process.exit(1);
      return 1;
    }
    const lines = metricsAddress ? new LineCounts() : undefined;
    const { max_line_length: maxLine, partial_line_timeout: partialTimeout } = app.config.supervisor;
    // Called only once the inputs run, after the supervisor below exists.
    const instances = (): { name: string; pid: number | undefined }[] => supervisor.instances.map((i) => ({ name: i.name, pid: i.pid }));
    const inputs = new Inputs(app.config.inputs, pipeline, {
      appDir: app.appDir,
      env,
      hostname,
      onPlatform: isOnPlatform(process.env),
      maxLine,
      partialTimeout,
      instances,
    });
    const supervisor: Supervisor = new Supervisor(plans, { appDir: app.appDir, env, pipeline, config: app.config.supervisor, hostname, lines, inputs });
    formation = supervisor.instances;

    // drover run --logs passes no port rule: its one instance is not a formation to scale.
    if (scaling) supervisor.formation = { types: app.processes, env: process.env, ...scaling };

    handleSignals({
      stop: (signal) => supervisor.onSignal(signal),
      // SIGHUP reloads the configuration, as for nginx and supervisord (drover run --logs has nothing to reload).
      reload: scaling ? () => void reload(supervisor, 'SIGHUP') : undefined,
      status: () => {
        for (const line of statusLines(supervisor.status())) pipeline.internal(`Status (SIGUSR1): ${line}`, 'supervisor');
      },
      ignored: (signal) => pipeline.internal(ignoredLine(signal), 'supervisor', SEVERITY.warning),
    });
    if (scaling && app.config.supervisor.watch) {
      const stopWatching = watchConfig(app.appDir, app.procfile, () => void reload(supervisor, 'a configuration file changed'));
      void supervisor.done.finally(stopWatching);
    }
    const crash = stopAllOnCrash(supervisor);
    try {
      // The processes first: the control socket is for later `drover status` calls and need not delay them.
      supervisor.start();
      await inputs.start();
      // A turn of the event loop first, so that the processes' first lines are read as soon as they come, not
      // after the control socket is set up (2 ms, the first net.Server): 1 ms less to an app's first line.
      await new Promise((resolve) => setImmediate(resolve));
      const socketPath = controlSocketPath(app.appDir, app.config.supervisor.control_socket);
      const control = await serveControl(socketPath, supervisor).catch((error: Error) => {
        pipeline.internal(`control socket unavailable (${error.message}): drover status and restart will not work`, 'supervisor', 4);
        return undefined;
      });
      if (metricsAddress) {
        await serveMetrics(metricsAddress, supervisor, lines!).then(
          () => pipeline.internal(`Serving Prometheus metrics at http://${metricsAddress}/metrics`, 'supervisor', 6),
          (error: Error) => pipeline.internal(`metrics unavailable (${error.message}): nothing is served at metrics_address`, 'supervisor', 3),
        );
      }
      const code = await supervisor.done;
      control?.close();
      // Normally nothing is left and node exits at once; after a forced stop a drain may still be retrying.
      // A stop asked for by a signal ends within its budget: the platform's SIGKILL follows soon after.
      const budgetEnd = supervisor.stopBudgetEnd;
      // At least a moment, so that the outputs hand their last lines (the report of the stop) to their descriptors.
      setTimeout(() => exitOnceWritten(code, budgetEnd), Math.max(50, Math.min(500, budgetEnd - Date.now()))).unref();
      return code;
    } catch (error) {
      // Some processes may be running already: the same as any other failure of drover's own.
      crash(error);
      return new Promise<number>(() => undefined); // crash() exits
    }
  },
};

/**
 * Ends drover with `code` once the outputs have written what they hold: a slow reader of stdout still gets every
 * line. When nothing is written for 5 s (for 0.1 s past `budgetEnd`, the end of a stop asked for by a signal),
 * the reader has stopped, and a second past `budgetEnd` time is up: drover exits anyway, and if a blocking write is
 * under way it ends by its own SIGTERM (status 143), as `cat` would on that pipe, since process.exit() joins
 * libuv's thread pool and would wait for that write for ever.
 */
function exitOnceWritten(code: number, budgetEnd: number, writtenBefore = -1): void {
  writeInSmallPieces();
  const { unwritten, written } = writeProgress();
  if (unwritten === 0) process.exit(code);
  const now = Date.now();
  if (written === writtenBefore || now >= budgetEnd + LAST_LINES_MS) exitNow(code);
  // Past the budget, a reader that still takes data gets a moment for the last lines (the report of the stop).
  const wait = now >= budgetEnd ? 100 : Math.min(5000, budgetEnd - now);
  setTimeout(() => exitOnceWritten(code, budgetEnd, written), wait).unref();
}

/** How long past its budget a stop may take to write its last lines to a reader that is still reading. */
const LAST_LINES_MS = 1000;

/** Exits with `code`, or by its own SIGTERM while a blocking write is under way (process.exit would wait for it). */
function exitNow(code: number): void {
  if (!writeProgress().blocking) process.exit(code);
  process.removeAllListeners('SIGTERM');
  process.kill(process.pid, 'SIGTERM');
}

/**
 * A bug in drover must not leave the app running unsupervised, with nobody reading its output: on an uncaught
 * error drover says so, stops every process (stopsignal, SIGKILL after 3 s) and exits with status 70. Returns
 * that handler, for errors caught elsewhere. An unhandled rejection comes here too in Node's default mode
 * (--unhandled-rejections=throw); set to warn, it stays a warning.
 */
function stopAllOnCrash(supervisor: Supervisor): (error: unknown) => void {
  let crashed = false;
  const crash = (error: unknown) => {
    if (crashed) return;
    crashed = true;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(
      `drover: unexpected error: ${detail}\ndrover: stopping every process, since nothing supervises them or reads their output now. Please report this with the command you ran.\n`,
    );
    void supervisor.abandon(3000).finally(() => exitNow(70));
  };
  process.on('uncaughtException', crash);
  return crash;
}
