// `drover start [FORMATION]`: run the app's process types under the supervisor, as a dyno manager would.
import { hostname as osHostname } from 'node:os';
import { isatty } from 'node:tty';
import { APP_OPTIONS, APP_USAGE, loadAppFromArgs, parse, UsageError, type Command } from '../command';
import { ConfigInvalidError } from '../../config/errors';
import { mergeDotenv } from '../../config/dotenv';
import { FormationError, parseFormation, planInstances } from '../../supervisor/formation';
import { Supervisor } from '../../supervisor/supervisor';
import { controlSocketPath, serveControl } from '../../supervisor/control';
import { startThreadPool } from '../../supervisor/thread-pool';
import { Pipeline } from '../../pipeline/pipeline';
import { Inputs } from '../../pipeline/inputs/inputs';
import { isOnPlatform } from '../../pipeline/formats';
import { writeInSmallPieces, writeProgress } from '../../pipeline/sinks';

export const start: Command = {
  summary: 'run the process types of the Procfile (all, or a formation such as web=2,worker=1)',
  usage: `Usage: drover start [FORMATION] [options]

Runs process types from the Procfile and [processes.NAME] under the supervisor, each instance
(web.1, web.2, ...) as \`bash -c COMMAND\` in its own process group, and routes their output
through the log pipeline. FORMATION is empty (every autostart type, numprocs each), a type
(\`web\`), or counts (\`web=2,worker=1\`). SIGTERM or SIGINT stops every process gracefully.

  -p, --port PORT       base port: +100 per process type, +1 per instance (default: $PORT or 5000)
${APP_USAGE}`,
  async run(args) {
    startThreadPool();
    const { values, positionals } = parse(args, { ...APP_OPTIONS, port: { type: 'string', short: 'p' } }, true);
    if (positionals.length > 1) throw new UsageError(`expected one FORMATION, got ${positionals.length}: ${positionals.join(' ')} (write web=2,worker=1 without spaces)`);
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`option --port must be a port number, got "${values.port}"`);
    const app = loadAppFromArgs(values, 'run');
    if (app.problems.length) {
      process.stderr.write(`drover: cannot start: ${new ConfigInvalidError(app.problems).message}\nRun \`drover check\` after fixing them.\n`);
      return 1;
    }
    let plans;
    try {
      plans = planInstances(app.processes, parseFormation(positionals[0] ?? '', app.processes), process.env, values.port === undefined ? undefined : Number(values.port));
    } catch (error) {
      if (error instanceof FormationError) throw new UsageError(error.message);
      throw error;
    }
    const env = mergeDotenv(process.env, app.dotenv);
    const hostname = app.config.supervisor.hostname || osHostname();
    const pipeline = new Pipeline(app.config, { env, hostname, onPlatform: isOnPlatform(process.env), isTTY: isatty(1) });
    const { max_line_length: maxLine, partial_line_timeout: partialTimeout } = app.config.supervisor;
    // Called only once the inputs run, after the supervisor below exists.
    const instances = (): { name: string; pid: number | undefined }[] => supervisor.instances.map((i) => ({ name: i.name, pid: i.pid }));
    const inputs = new Inputs(app.config.inputs, pipeline, { appDir: app.appDir, env, hostname, onPlatform: isOnPlatform(process.env), maxLine, partialTimeout, instances });
    const supervisor: Supervisor = new Supervisor(plans, { appDir: app.appDir, env, pipeline, config: app.config.supervisor, hostname, inputs });

    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => supervisor.onSignal(signal));
    const crash = stopAllOnCrash(supervisor);
    try {
      // The processes first: the control socket is for later `drover status` calls and need not delay them.
      supervisor.start();
      await inputs.start();
      const socketPath = controlSocketPath(app.appDir, app.config.supervisor.control_socket);
      const control = await serveControl(socketPath, supervisor).catch((error: Error) => {
        pipeline.internal(`control socket unavailable (${error.message}): drover status and restart will not work`, 'supervisor', 4);
        return undefined;
      });
      const code = await supervisor.done;
      control?.close();
      // Normally nothing is left and node exits at once; after a forced stop a drain may still be retrying.
      setTimeout(() => exitOnceWritten(code), 500).unref();
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
 * line. When nothing is written for 5 s, the reader has stopped: drover exits anyway, and if a blocking write is
 * under way it ends by its own SIGTERM (status 143), as `cat` would on that pipe, since process.exit() joins
 * libuv's thread pool and would wait for that write for ever.
 */
function exitOnceWritten(code: number, writtenBefore = -1): void {
  writeInSmallPieces();
  const { unwritten, written } = writeProgress();
  if (unwritten === 0) process.exit(code);
  if (written === writtenBefore) exitNow(code);
  else setTimeout(() => exitOnceWritten(code, written), 5000).unref();
}

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
    process.stderr.write(`drover: unexpected error: ${detail}\ndrover: stopping every process, since nothing supervises them or reads their output now. Please report this with the command you ran.\n`);
    void supervisor.abandon(3000).finally(() => exitNow(70));
  };
  process.on('uncaughtException', crash);
  return crash;
}
