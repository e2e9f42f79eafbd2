// `drover check`: validate the Procfile and configuration, and say what would run.
import { relative } from 'node:path';
import { APP_OPTIONS, APP_USAGE, loadAppFromArgs, parse, type Command } from '../command';
import { formatProblem } from '../../config/errors';
import type { LoadedApp } from '../../config/app';
import { COMPONENT_KINDS } from '../../pipeline/component';
import { fdLimitProblem } from '../../supervisor/fd-limit';
import { compileMatcher } from '../../pipeline/matcher/matcher';
import { lintPipeline } from '../../config/lint';

export const check: Command = {
  summary: 'validate the Procfile and the configuration, and print what would run',
  usage: `Usage: drover check [options]\n\nValidates the Procfile, .env and every config fragment, reports all errors at once\n(exit 1), else prints the process types and the log pipeline (exit 0). Lines of the Procfile\nand .env that drover skips (as foreman and dotenv do) are warnings.\n\n      --strict          treat warnings as errors (exit 1)\n${APP_USAGE}`,
  async run(args) {
    const { values } = parse(args, { ...APP_OPTIONS, strict: { type: 'boolean' } });
    const app = loadAppFromArgs(values, 'build');
    // --strict: every warning is an error too (listed with them, in reading order of their files).
    if (values.strict) app.problems.push(...app.warnings.splice(0));
    process.stdout.write(describeApp(app));
    const errors = app.problems.map((p) => formatProblem(p));
    // The formation `drover start` runs by default must fit in this machine's open-file limit (once the
    // processes are valid: numprocs may be anything until then).
    const tooMany = errors.length ? undefined : fdLimitProblem(app.processes.reduce((n, p) => n + (p.autostart ? p.numprocs : 0), 0));
    if (tooMany) errors.push(`formation: ${tooMany}`);
    if (errors.length) {
      process.stderr.write(
        `\n${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.join('\n')}\ndrover start refuses to run until the errors are fixed; warnings do not stop it.\n`,
      );
      return 1;
    }
    process.stdout.write('\nconfiguration OK\n');
    return 0;
  },
};

/** What may surprise in a valid match expression (none for an invalid one: it is reported as an error). */
function matcherNotes(match: string | undefined): string[] {
  try {
    return match === undefined ? [] : compileMatcher(match).notes;
  } catch {
    return [];
  }
}

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
  for (const p of app.processes) {
    const notes = [
      typeof p.numprocs === 'number' && p.numprocs !== 1 ? `numprocs ${p.numprocs}` : '',
      p.source === 'config' ? 'from config' : '',
      p.oneshot ? 'oneshot' : '',
      p.autostart ? '' : 'runs only when named',
      p.schedule ? `schedule "${p.schedule}" (${p.timezone}, overlap ${p.overlap})` : '',
    ];
    lines.push(
      `  ${p.name.padEnd(10)} ${p.command}${notes
        .filter(Boolean)
        .map((n) => `  (${n})`)
        .join('')}`,
    );
  }
  if (app.processes.length === 0) lines.push('  (none)');
  lines.push('pipeline:');
  for (const kind of COMPONENT_KINDS) {
    for (const c of app.config[kind]) {
      lines.push(`  ${kind.padEnd(8)} ${c.name} (${c.type})  ${kind === 'inputs' ? inputDetail(c.options) : `match: ${c.match}`}`);
      if (kind !== 'inputs') for (const note of matcherNotes(c.match)) lines.push(`      note: ${note}`);
    }
  }
  if (COMPONENT_KINDS.every((k) => app.config[k].length === 0)) lines.push('  (no outputs: logs go nowhere)');
  const lint = lintPipeline(app.config, app.processes).map((w) => ({
    ...w,
    file: w.file.startsWith(app.appDir + '/') ? relative(app.appDir, w.file) : w.file,
  }));
  for (const w of [...app.warnings, ...lint]) lines.push(`warning: ${formatProblem(w)}`);
  return lines.join('\n') + '\n';
}

/** What an input reads: its paths, its address or its interval (inputs have no match of their own). */
function inputDetail(options: Record<string, any>): string {
  if (Array.isArray(options.paths)) return `paths: ${options.paths.join(', ')}`;
  if (typeof options.address === 'string') return `address: ${options.address}`;
  if (typeof options.interval === 'number') return `every ${options.interval / 1000}s`;
  return '';
}
