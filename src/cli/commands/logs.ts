// `drover logs [-n N] [--tail] [--ps web|web.1] [--source app|drover]`: the running supervisor's log history, as
// `heroku logs` shows Logplex's.
import { createConnection } from 'node:net';
import { setPriority } from 'node:os';
import { resolve } from 'node:path';
import { parse, UsageError, type Command } from '../command';
import { controlSocketPath } from '../../supervisor/control';
import { HISTORY_LINES } from '../../supervisor/log-history';
import { LogsReader, type LogsRequest } from '../../supervisor/log-frames';

const OPTIONS = {
  num: { type: 'string', short: 'n' },
  tail: { type: 'boolean', short: 't' },
  ps: { type: 'string', short: 'p' },
  source: { type: 'string', short: 's' },
  app: { type: 'string', short: 'a' },
  socket: { type: 'string' },
} as const;

export const logs: Command = {
  summary: 'show the last lines the app printed (and, with --tail, new ones as they come)',
  usage: `Usage: drover logs [options]

Prints the last lines of the running supervisor's log history (drover keeps the last 1,500
in memory, at most 1 MiB), in Heroku's format: \`TIME app[web.1]: line\`, drover's own lines as \`drover[...]\`.

  -n, --num N           how many lines (default 100, at most ${HISTORY_LINES})
  -t, --tail            then print new lines as they come, until Ctrl-C or the supervisor stops
  -p, --ps NAME         only a process type (web) or an instance (web.1)
  -s, --source SOURCE   only \`app\` (the processes' lines) or \`drover\` (drover's own)
  -a, --app DIR         the app whose supervisor to ask (default: the current directory)
      --socket PATH     the control socket (default: the one \`drover start\` made for the app)`,
  async run(args) {
    const { values } = parse(args, OPTIONS);
    const num = values.num ?? '100';
    if (!/^\d+$/.test(num)) throw new UsageError(`option --num must be a whole number of lines, e.g. -n 200, got "${num}"`);
    if (values.source !== undefined && values.source !== 'app' && values.source !== 'drover')
      throw new UsageError(`option --source must be "app" or "drover", got "${values.source}"`);
    if (values.ps !== undefined && !/^[A-Za-z0-9_-]+(\.\d+)?$/.test(values.ps))
      throw new UsageError(`option --ps must be a process type (web) or an instance (web.1), got "${values.ps}"`);
    const request: LogsRequest = {
      command: 'logs',
      lines: Number(num),
      tail: Boolean(values.tail),
      ps: values.ps,
      source: values.source as LogsRequest['source'],
    };
    const path = values.socket ?? controlSocketPath(resolve(values.app ?? process.cwd()), '');
    // A log viewer must not take CPU from the app it watches (on the same machine, as locally): lowest priority.
    try {
      setPriority(19);
    } catch {
      // not allowed here: then at the usual priority
    }
    return new Promise((done, fail) => {
      const socket = createConnection(path);
      socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
      // Backpressure from our stdout reaches the supervisor, which then drops lines for this client only.
      const reader = new LogsReader();
      socket.on('data', (data: Buffer) => {
        const text = reader.push(data);
        if (text && !process.stdout.write(text)) {
          socket.pause();
          process.stdout.once('drain', () => socket.resume());
        }
      });
      socket.on('end', () => done(0));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
          fail(new UsageError(`no drover supervisor is running for this app (no socket at ${path}); start one with drover start`));
        else fail(error);
      });
      const quit = () => {
        socket.destroy();
        done(0);
      };
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, quit);
      process.stdout.on('error', quit); // `drover logs --tail | head`: the reader is gone
    });
  },
};
