// `drover scale web=3 worker=0`: changes the formation of the running supervisor, as `heroku ps:scale`.
import { resolve } from 'node:path';
import { parse, UsageError, type Command } from '../command';
import { controlSocketPath, requestControl } from '../../supervisor/control';

const OPTIONS = { app: { type: 'string', short: 'a' }, socket: { type: 'string', short: 's' } } as const;

export const scale: Command = {
  summary: 'change how many instances of each type run (web=3 worker=0), as heroku ps:scale',
  usage: `Usage: drover scale TYPE=COUNT [TYPE=COUNT...] [options]

Starts or stops instances of the running supervisor: new ones get the next numbers and ports by the rule
of drover start (base port + 100 per type + 1 per instance); removed ones, the highest numbers first,
are stopped gracefully (stopsignal, SIGKILL after stopwaitsecs). Types not named keep their count.
Scaling everything to 0 leaves drover running, ready to scale up again.

  -a, --app DIR         the app whose supervisor to ask (default: the current directory)
  -s, --socket PATH     the control socket (default: the one \`drover start\` made for the app)`,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, true);
    if (positionals.length === 0) throw new UsageError('expected TYPE=COUNT, e.g. drover scale web=2 worker=0');
    for (const word of positionals.flatMap((p) => p.split(',')).filter(Boolean)) {
      if (!/^[A-Za-z0-9_-]+=\d+$/.test(word)) throw new UsageError(`expected TYPE=COUNT, e.g. web=2, got "${word}"`);
    }
    const path = values.socket ?? controlSocketPath(resolve(values.app ?? process.cwd()), '');
    let answer: { error?: string; started?: string[]; stopping?: string[] };
    try {
      answer = await requestControl(path, { command: 'scale', formation: positionals.join(',') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED')
        throw new UsageError(`no drover supervisor is running for this app (no socket at ${path}); start one with drover start`);
      throw error;
    }
    if (answer.error) {
      process.stderr.write(`drover scale: ${answer.error}\n`);
      return 1;
    }
    const parts = [
      answer.started?.length && `starting ${answer.started.join(', ')}`,
      answer.stopping?.length && `stopping ${answer.stopping.join(', ')}`,
    ].filter(Boolean);
    process.stdout.write(`Scaling: ${parts.join('; ') || 'nothing to change'}\n`);
    return 0;
  },
};
