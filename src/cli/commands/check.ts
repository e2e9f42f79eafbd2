// `drover check`: validate the Procfile and configuration, and say what would run.
import { relative } from 'node:path';
import { APP_OPTIONS, APP_USAGE, loadAppFromArgs, parse, type Command } from '../command';
import { formatProblem } from '../../config/errors';
import type { LoadedApp } from '../../config/app';
import { COMPONENT_KINDS } from '../../pipeline/component';

export const check: Command = {
  summary: 'validate the Procfile and the configuration, and print what would run',
  usage: `Usage: drover check [options]\n\nValidates the Procfile, .env and every config fragment, reports all errors at once\n(exit 1), else prints the process types and the log pipeline (exit 0).\n\n${APP_USAGE}`,
  async run(args) {
    const { values } = parse(args, APP_OPTIONS);
    const app = loadAppFromArgs(values, 'build');
    process.stdout.write(describeApp(app));
    if (app.problems.length) {
      process.stderr.write(`\n${app.problems.length} error${app.problems.length === 1 ? '' : 's'}:\n${app.problems.map((p) => formatProblem(p)).join('\n')}\n`);
      return 1;
    }
    process.stdout.write('\nconfiguration OK\n');
    return 0;
  },
};

/** A summary of fragments, process types and pipeline, shared by `drover check` and the build output. */
export function describeApp(app: LoadedApp): string {
  const rel = (p: string) => (p.startsWith(app.appDir + '/') ? relative(app.appDir, p) : `(default) ${p}`);
  const lines: string[] = ['fragments:'];
  for (const f of app.fragments) {
    const state = f.text.trim() === '' ? ' (empty: disables the default)' : f.replaces ? ' (replaces the default)' : '';
    lines.push(`  ${rel(f.path)}${state}`);
  }
  if (app.fragments.length === 0) lines.push('  (none)');
  lines.push('process types:');
  for (const p of app.processes) lines.push(`  ${p.name.padEnd(10)} ${p.command}${typeof p.numprocs === 'number' && p.numprocs !== 1 ? `  (numprocs ${p.numprocs})` : ''}${p.source === 'config' ? '  (from config)' : ''}`);
  if (app.processes.length === 0) lines.push('  (none)');
  lines.push('pipeline:');
  for (const kind of COMPONENT_KINDS) {
    for (const c of app.config[kind]) lines.push(`  ${kind.padEnd(8)} ${c.name} (${c.type})  ${kind === 'inputs' ? inputDetail(c.options) : `match: ${c.match}`}`);
  }
  if (COMPONENT_KINDS.every((k) => app.config[k].length === 0)) lines.push('  (no outputs: logs go nowhere)');
  for (const w of app.warnings) lines.push(`warning: ${formatProblem(w)}`);
  return lines.join('\n') + '\n';
}

/** What an input reads: its paths, its address or its interval (inputs have no match of their own). */
function inputDetail(options: Record<string, any>): string {
  if (Array.isArray(options.paths)) return `paths: ${options.paths.join(', ')}`;
  if (typeof options.address === 'string') return `address: ${options.address}`;
  if (typeof options.interval === 'number') return `every ${options.interval / 1000}s`;
  return '';
}
