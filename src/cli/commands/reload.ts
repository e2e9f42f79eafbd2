// `drover reload`: the running supervisor reads its configuration again and applies the difference (as SIGHUP).
import { resolve } from 'node:path';
import { parse, UsageError, type Command } from '../command';
import { controlSocketPath, requestControl } from '../../supervisor/control';
import type { ReloadAnswer } from '../../supervisor/reload';

const OPTIONS = { app: { type: 'string', short: 'a' }, socket: { type: 'string', short: 's' }, json: { type: 'boolean' } } as const;

export const reload: Command = {
  summary: 'apply changes to the Procfile, .env and drover/*.toml without a restart',
  usage: `Usage: drover reload [options]

The running supervisor reads the Procfile, .env and drover/*.toml again (as on SIGHUP). An invalid
configuration is refused with every error, and the running one stays. Otherwise outputs whose
configuration is unchanged keep their buffers and connections, removed ones deliver what they hold
and close, new ones start; process types whose definition changed are restarted one instance at a
time, new types started (when drover start ran every type), removed ones stopped, and the others
left alone; a scheduled type's new definition applies from its next run. [supervisor] applies at
the next start.

  -a, --app DIR         the app whose supervisor to ask (default: the current directory)
  -s, --socket PATH     the control socket (default: the one \`drover start\` made for the app)
      --json            print the answer as JSON`,
  async run(args) {
    const { values } = parse(args, OPTIONS);
    const path = values.socket ?? controlSocketPath(resolve(values.app ?? process.cwd()), '');
    let answer: ReloadAnswer;
    try {
      answer = await requestControl(path, { command: 'reload' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED')
        throw new UsageError(`no drover supervisor is running for this app (no socket at ${path}); start one with drover start`);
      throw error;
    }
    if (values.json) process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
    if ('errors' in answer) {
      process.stderr.write(
        `drover reload: refused, the configuration has ${answer.errors.length} error${answer.errors.length === 1 ? '' : 's'} (the running one stays):\n${answer.errors.map((e) => '  ' + e.replace(/\n/g, '\n  ')).join('\n')}\n`,
      );
      return 1;
    }
    if ('error' in answer) {
      process.stderr.write(`drover reload: ${answer.error}\n`);
      return 1;
    }
    if (values.json) return 0;
    const { outputs } = answer;
    const lines = [
      `outputs: kept ${outputs.kept.join(', ') || 'none'}${outputs.started.length ? `; started ${outputs.started.join(', ')}` : ''}${outputs.closed.length ? `; closed ${outputs.closed.join(', ')}` : ''}`,
      answer.restarting.length ? `restarting, one at a time: ${answer.restarting.join(', ')}` : '',
      answer.started.length ? `starting: ${answer.started.join(', ')}` : '',
      answer.stopping.length ? `stopping: ${answer.stopping.join(', ')}` : '',
      answer.unchanged.length ? `unchanged: ${answer.unchanged.join(', ')}` : '',
      answer.rescheduled.length ? `rescheduled (from the next run): ${answer.rescheduled.join(', ')}` : '',
      answer.notApplied.length ? `not applied until drover restarts: ${answer.notApplied.join(', ')}` : '',
    ].filter(Boolean);
    process.stdout.write(`Reloaded.\n${lines.map((l) => '  ' + l).join('\n')}\n`);
    return 0;
  },
};
