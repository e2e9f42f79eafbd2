// `drover run COMMAND...`: a one-off process with the app's environment, as `heroku run`; `drover run NAME`
// runs the Procfile's NAME command, as `foreman run NAME`.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { APP_USAGE, loadAppFromArgs, parse, UsageError, type Command } from '../command';
import { oneOffSpec, type LoadedApp } from '../../config/app';
import { mergeDotenv } from '../../config/dotenv';
import { formatProblem } from '../../config/errors';
import { controlDir } from '../../supervisor/control';
import { startThreadPool } from '../../supervisor/thread-pool';
import { hasSignal, IGNORED_SIGNALS, STATUS_SIGNAL, STOP_SIGNALS } from '../signals';
import { start } from './start';
import { controlSocketPath, requestControl } from '../../supervisor/control';

const OPTIONS = {
  app: { type: 'string', short: 'a' },
  root: { type: 'string', short: 'd' },
  procfile: { type: 'string', short: 'f' },
  env: { type: 'string', short: 'e' },
  logs: { type: 'boolean' },
} as const;

export const run: Command = {
  summary: 'run a one-off command with the app environment (heroku run style)',
  usage: `Usage: drover run [options] [--] COMMAND [ARGS...]
       drover run [options] [--] NAME [ARGS...]

Runs COMMAND with the environment drover start gives its processes (.env locally, DYNO=run.1),
with stdin, stdout and stderr attached, and exits with its status. \`drover run bash\` is interactive.
When NAME is a process type of the Procfile or [processes], its command runs, with ARGS appended
(as \`foreman run NAME\`). A type with a \`schedule\` runs now in the app's running supervisor, if one
runs (its output goes to the app's logs and its result to drover status).

      --logs            send the output through the app's log pipeline (its outputs and drains), as
                        \`drover start\` does, instead of the terminal; stdin is not attached then
${APP_USAGE}`,
  async run(args) {
    // Our options come first; the first other word, or a `--` before it, starts the command (whose own
    // arguments may contain `--`, as in `drover run npm test -- --watch`).
    const valued = ['-a', '--app', '-d', '--root', '-f', '--procfile', '-e', '--env'];
    let first = 0;
    while (first < args.length && args[first] !== '--' && args[first].startsWith('-')) first += valued.includes(args[first]) ? 2 : 1;
    const ours = args.slice(0, first);
    const command = args[first] === '--' ? args.slice(first + 1) : args.slice(first);
    const { values } = parse(ours, OPTIONS);
    if (command.length === 0) throw new UsageError('expected a COMMAND to run, e.g. drover run bash');
    const app = loadAppFromArgs(values, 'build');
    // The same reading of .env and the Procfile as drover start: skipped lines are said, the rest applies.
    for (const w of app.warnings.filter((p) => !p.file.endsWith('.toml'))) process.stderr.write(`drover run: warning: ${formatProblem(w)}\n`);
    const type = app.processes.find((p) => p.name === command[0]);
    const dyno = process.env.DYNO?.startsWith('run.') ? process.env.DYNO : 'run.1';
    // A type's command is run as written, its ARGS quoted; one word is run by bash as written (so
    // `drover run "echo $HOME"` works); several are quoted.
    const script = type ? [type.command, ...command.slice(1).map(shellQuote)].join(' ') : command.length === 1 ? command[0] : command.map(shellQuote).join(' ');
    // A scheduled type runs now in the app's running supervisor (its logs, its overlap rule, drover status).
    if (type?.schedule && !values.logs && command.length === 1) {
      const started = await runScheduledNow(app, type.name);
      if (started !== undefined) return started;
    }
    if (values.logs) return runWithLogs(app, script, dyno, type);
    const env = { ...mergeDotenv(process.env, app.dotenv), ...type?.environment, DYNO: dyno };
    const child = spawn('bash', ['-c', script], { cwd: type?.directory ? resolve(app.appDir, type.directory) : app.appDir, env, stdio: 'inherit' });
    // On a terminal, Ctrl-C already reaches the whole foreground group, the command included: forwarding it
    // again would make it a second Ctrl-C. Signals sent to drover alone (kill, a platform) are passed on.
    const fromTerminal = new Set<NodeJS.Signals>(isatty(0) ? ['SIGINT', 'SIGQUIT'] : []);
    // Every signal that would end drover run is passed on instead: the command decides what it means.
    for (const signal of [...STOP_SIGNALS, ...IGNORED_SIGNALS, STATUS_SIGNAL].filter(hasSignal)) {
      process.on(signal, () => {
        if (!fromTerminal.has(signal)) child.kill(signal);
      });
    }
    return new Promise((resolve) => {
      child.on('error', (error) => {
        process.stderr.write(`drover run: cannot start bash: ${error.message}\n`);
        resolve(127);
      });
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  },
};

/** `drover run --logs`: the command as a one-shot instance under the supervisor, its lines through the pipeline. */
function runWithLogs(app: LoadedApp, script: string, dyno: string, type: LoadedApp['processes'][number] | undefined): Promise<number> {
  if (app.problems.length)
    throw new UsageError(`the configuration has errors, so its pipeline cannot run:\n${app.problems.map((p) => '  ' + formatProblem(p)).join('\n')}`);
  startThreadPool();
  const spec = oneOffSpec(script, type);
  const port = /^\d+$/.test(process.env.PORT ?? '') ? Number(process.env.PORT) : 5000;
  // A control socket of its own (drover status -s PATH): the app's belongs to its drover start, if one runs.
  // It lives in the private per-user directory, like the default ones, so that nobody else can take its path.
  app.config.supervisor.control_socket = join(controlDir(), `run-${process.pid}.sock`);
  return start.supervise(app, [{ name: dyno, type: spec, index: Number(dyno.split('.')[1]) || 1, port }]);
}

/** Asks the running supervisor to run a scheduled type now; undefined when none runs (then it runs here). */
async function runScheduledNow(app: LoadedApp, name: string): Promise<number | undefined> {
  const path = controlSocketPath(app.appDir, app.config.supervisor.control_socket);
  let answer: { started?: string; error?: string };
  try {
    answer = await requestControl(path, { command: 'run', name });
  } catch {
    return undefined;
  }
  if (answer.error) {
    process.stderr.write(`drover run: ${answer.error}\n`);
    return 1;
  }
  process.stdout.write(`drover run: ${answer.started} runs now in the running supervisor; its output goes to the app's logs, its result to drover status\n`);
  return 0;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
