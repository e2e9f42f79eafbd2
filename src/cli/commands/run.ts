// `drover run COMMAND...`: a one-off process with the app's environment, as `heroku run`.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { APP_USAGE, loadAppFromArgs, parse, UsageError, type Command } from '../command';
import { mergeDotenv } from '../../config/dotenv';
import { formatProblem } from '../../config/errors';
import { hasSignal, IGNORED_SIGNALS, STATUS_SIGNAL, STOP_SIGNALS } from '../signals';

export const run: Command = {
  summary: 'run a one-off command with the app environment (heroku run style)',
  usage: `Usage: drover run [options] [--] COMMAND [ARGS...]

Runs COMMAND with the environment drover start gives its processes (.env locally, DYNO=run.1),
with stdin, stdout and stderr attached, and exits with its status. \`drover run bash\` is interactive.

${APP_USAGE}`,
  async run(args) {
    // Our options come first; the first other word, or a `--` before it, starts the command (whose own
    // arguments may contain `--`, as in `drover run npm test -- --watch`).
    const valued = ['-a', '--app', '-f', '--procfile', '-e', '--env'];
    let first = 0;
    while (first < args.length && args[first] !== '--' && args[first].startsWith('-')) first += valued.includes(args[first]) ? 2 : 1;
    const ours = args.slice(0, first);
    const command = args[first] === '--' ? args.slice(first + 1) : args.slice(first);
    const { values } = parse(ours, { app: { type: 'string', short: 'a' }, procfile: { type: 'string', short: 'f' }, env: { type: 'string', short: 'e' } });
    if (command.length === 0) throw new UsageError('expected a COMMAND to run, e.g. drover run bash');
    const app = loadAppFromArgs(values, 'build');
    for (const p of app.problems.filter((p) => p.file.endsWith('.env'))) process.stderr.write(`drover run: warning: ${formatProblem(p)}\n`);
    const env = { ...mergeDotenv(process.env, app.dotenv), DYNO: process.env.DYNO?.startsWith('run.') ? process.env.DYNO : 'run.1' };
    // One word is run by bash as written (so `drover run "echo $HOME"` works); several are quoted.
    const script = command.length === 1 ? command[0] : command.map(shellQuote).join(' ');
    const child = spawn('bash', ['-c', script], { cwd: app.appDir, env, stdio: 'inherit' });
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

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
