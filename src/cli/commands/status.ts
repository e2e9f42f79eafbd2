// `drover status` and `drover restart NAME`: ask the running supervisor over its control socket.
import { resolve } from 'node:path';
import { CommandError, parse, UsageError, type Command } from '../command';
import { ControlError, controlSocketPath, otherUsersSupervisors, requestControl, type ControlRequest } from '../../supervisor/control';
import type { SupervisorStatus } from '../../supervisor/supervisor';

const OPTIONS = { app: { type: 'string', short: 'a' }, socket: { type: 'string', short: 's' }, json: { type: 'boolean' } } as const;
const OPTIONS_USAGE = `  -a, --app DIR         the app whose supervisor to ask (default: the current directory)
  -s, --socket PATH     the control socket (default: the one \`drover start\` made for the app)
      --json            print the answer as JSON`;

async function ask(values: { app?: string; socket?: string }, request: ControlRequest) {
  const path = values.socket ?? controlSocketPath(resolve(values.app ?? process.cwd()), '');
  try {
    return await requestControl(path, request);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof ControlError) throw new CommandError(error.message);
    if (code === 'EACCES')
      throw new CommandError(
        `permission denied: cannot connect to ${path}: only the user who ran drover start can ask its supervisor; run this command as that user`,
      );
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      const others = values.socket || process.env.DROVER_SOCKET ? '' : otherUsersSupervisors();
      throw new UsageError(`no drover supervisor is running for this app (no socket at ${path}); start one with drover start${others}`);
    }
    throw error;
  }
}

export const status: Command = {
  summary: 'show the state, pid, uptime and restarts of every running instance',
  usage: `Usage: drover status [options]\n\nAsks the running supervisor of the app for the state of every instance.\n\n${OPTIONS_USAGE}`,
  async run(args) {
    const { values } = parse(args, OPTIONS);
    const answer = (await ask(values, { command: 'status' })) as SupervisorStatus;
    if (values.json) {
      process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
      return 0;
    }
    const state = (i: SupervisorStatus['instances'][number]) =>
      i.nextStart ? `${i.state} (restart in ${Math.max(0, (Date.parse(i.nextStart) - Date.now()) / 1000).toFixed(1)}s)` : i.state;
    const rows = answer.instances.map((i) => [
      i.name,
      state(i),
      i.pid ? String(i.pid) : '-',
      i.pid ? formatUptime(i.uptime) : '-',
      String(i.restarts),
      i.exitStatus === undefined ? '-' : String(i.exitStatus),
    ]);
    process.stdout.write(table([['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT'], ...rows]));
    const direct = answer.instances.filter((i) => i.output === 'direct').map((i) => i.name);
    if (direct.length) process.stdout.write(`output: direct (${direct.join(', ')} writes straight to drover's stdout; drover logs does not have its lines)\n`);
    if (answer.schedules?.length) process.stdout.write('\n' + scheduleTable(answer.schedules) + '\n');
    for (const [id, stats] of Object.entries({ ...answer.inputs, ...answer.outputs })) {
      if (stats.state === 'disabled') {
        process.stdout.write(`${id}: DISABLED: ${stats.error}\n`);
        continue;
      }
      const text = Object.entries(stats)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      process.stdout.write(`${id}: ${text || '-'}\n`);
    }
    return 0;
  },
};

export const restart: Command = {
  summary: 'restart an instance (web.1) or every instance of a type (web)',
  usage: `Usage: drover restart NAME [options]\n\nStops NAME (stopsignal, then SIGKILL after stopwaitsecs) and starts it again.\n\n${OPTIONS_USAGE}`,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, true);
    if (positionals.length !== 1) throw new UsageError('expected one NAME, e.g. drover restart web.1');
    const answer = await ask(values, { command: 'restart', name: positionals[0] });
    if (answer.error) {
      process.stderr.write(`drover restart: ${answer.error}\n`);
      return 1;
    }
    process.stdout.write(`restarting ${answer.restarted.join(', ')}\n`);
    return 0;
  },
};

/** One line per instance (`web.1 RUNNING pid 123, up 5s, 0 restarts`), for SIGUSR1. */
export function statusLines(answer: SupervisorStatus): string[] {
  return answer.instances.map((i) => {
    const run = i.pid ? ` pid ${i.pid}, up ${formatUptime(i.uptime)},` : '';
    return `${i.name} ${i.state}${run} ${i.restarts} restart${i.restarts === 1 ? '' : 's'}${i.exitStatus === undefined ? '' : `, last exit ${i.exitStatus}`}`;
  });
}

/** Scheduled types: when each runs next and how its last run ended. */
function scheduleTable(schedules: NonNullable<SupervisorStatus['schedules']>): string {
  const last = (s: (typeof schedules)[number]) => {
    if (s.running) return 'running';
    if (!s.last) return '-';
    const how = s.last.timedOut
      ? `timed out (${s.last.status})`
      : s.last.replaced
        ? `replaced (${s.last.status})`
        : s.last.status === 0
          ? 'ok (0)'
          : `failed (${s.last.status})`;
    return `${how} at ${s.last.startedAt}, ${(s.last.durationMs / 1000).toFixed(1)}s`;
  };
  const rows = schedules.map((s) => [s.name, `${s.schedule} (${s.timezone})`, s.nextRun ?? '-', last(s), `${s.runs}/${s.failed}/${s.skipped}`]);
  return table([['SCHEDULED', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'RUNS/FAILED/SKIPPED'], ...rows]);
}

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
