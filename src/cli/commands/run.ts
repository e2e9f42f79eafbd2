// `drover run COMMAND...`: a one-off process with the app's environment, as `heroku run`.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { APP_USAGE, loadAppFromArgs, parse, UsageError, type Command } from '../command';
import { mergeDotenv } from '../../config/dotenv';
import { formatProblem } from '../../config/errors';

export const run: Command = {
  summary: 'run a one-off command with the app environment (heroku run style)',
  usage: `Usage: drover run [options] [--] COMMAND [ARGS...]

Runs COMMAND with the environment drover start gives its processes (.env locally, DYNO=run.1),
with stdin, stdout and stderr attached, and exits with its status. \`drover run bash\` is interactive.

${APP_USAGE}`,
  async run(args) {
    // Options stop at the first word that is not one of ours: the rest belongs to the command.
    const split = args.indexOf('--');
    let ours = split >= 0 ? args.slice(0, split) : [];
    let command = split >= 0 ? args.slice(split + 1) : args;
    if (split < 0) {
      const first = args.findIndex((a, i) => !a.startsWith('-') && !['-a', '--app', '-f', '--procfile', '-e', '--env'].includes(args[i - 1]));
      ours = first < 0 ? args : args.slice(0, first);
      command = first < 0 ? [] : args.slice(first);
    }
    const { values } = parse(ours, { app: { type: 'string', short: 'a' }, procfile: { type: 'string', short: 'f' }, env: { type: 'string', short: 'e' } });
    if (command.length === 0) throw new UsageError('expected a COMMAND to run, e.g. drover run bash');
    const app = loadAppFromArgs(values, 'build');
    for (const p of app.problems.filter((p) => p.file.endsWith('.env'))) process.stderr.write(`drover run: warning: ${formatProblem(p)}\n`);
    const env = { ...mergeDotenv(process.env, app.dotenv), DYNO: process.env.DYNO?.startsWith('run.') ? process.env.DYNO : 'run.1' };
    // One word is run by bash as written (so `drover run "echo $HOME"` works); several are quoted.
    const script = command.length === 1 ? command[0] : command.map(shellQuote).join(' ');
    const child = spawn('bash', ['-c', script], { cwd: app.appDir, env, stdio: 'inherit' });
    // The terminal sends Ctrl-C to the whole foreground group; we only forward what is sent to us alone.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(signal, forward(signal));
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
