// An app as drover sees it: Procfile types refined by [processes.NAME], the pipeline config, and `.env`.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ConfigProblem } from './errors';
import { loadConfig, type LoadedConfig, type ProcessConfig } from './load';
import { parseProcfile } from './procfile';
import { applySchema } from './schema';
import { processSchema } from './sections';
import { parseDotenv } from './dotenv';

/** A process type ready to run: its command and every supervisord-style option, defaults resolved. */
export type ProcessSpec = Omit<ProcessConfig, 'autostart' | 'oneshot'> & {
  command: string;
  source: 'Procfile' | 'config';
  autostart: boolean;
  oneshot: boolean;
};

/** Heroku's release phase type: a one-shot task, not started by a bare `drover start` (as `heroku local`). */
export const RELEASE_TYPE = 'release';

/** Fills the options whose default depends on the type's name. */
export function resolveSpec(config: ProcessConfig, command: string, source: ProcessSpec['source']): ProcessSpec {
  const release = config.name === RELEASE_TYPE;
  return { ...config, command, source, autostart: config.autostart ?? !release, oneshot: config.oneshot ?? release };
}

export interface LoadedApp extends LoadedConfig {
  appDir: string;
  procfile: string | undefined;
  /** Process types in Procfile order, then the ones only the config defines. */
  processes: ProcessSpec[];
  dotenv: Record<string, string>;
}

export interface LoadAppOptions {
  appDir: string;
  /** Fragment directories (see cli/paths.ts). */
  dirs: string[];
  procfile: string;
  /** `.env` files to read (local runs only), later ones winning. */
  envFiles?: string[];
  env: NodeJS.ProcessEnv;
  mode: 'build' | 'run';
}

const PROCESS_DEFAULTS = applySchema(processSchema, {}).options as Omit<ProcessConfig, 'name' | 'origin'>;

/**
 * A one-off command run through the supervisor (`drover run --logs`): a one-shot whose exit status is drover's,
 * with the options of the type it runs (environment, directory, stop settings) when it runs one.
 */
export function oneOffSpec(command: string, type?: ProcessSpec): ProcessSpec {
  const base = type ?? resolveSpec({ ...PROCESS_DEFAULTS, name: 'run', origin: { file: '(drover run)', line: 0 } }, command, 'config');
  return { ...base, command, oneshot: true, autorestart: false, exitcodes: [0], numprocs: 1 };
}

/** Loads and validates everything `drover start` needs; problems are collected, never thrown. */
export function loadApp(options: LoadAppOptions): LoadedApp {
  const problems: ConfigProblem[] = [];
  /** Lines of the Procfile and .env that were skipped: the app still runs, as it would elsewhere. */
  const warnings: ConfigProblem[] = [];
  const label = (path: string) => relative(options.appDir, path) || path;

  let dotenv: Record<string, string> = {};
  for (const file of options.envFiles ?? []) {
    if (!existsSync(file)) continue;
    const parsed = parseDotenv(readFileSync(file, 'utf8'), label(file));
    warnings.push(...parsed.warnings);
    dotenv = { ...dotenv, ...parsed.vars };
  }
  // Real variables win over .env, and config ${VAR}s see both.
  const env = { ...dotenv, ...options.env };
  const loaded = loadConfig({ dirs: options.dirs, env, mode: options.mode });
  problems.push(...loaded.problems);

  const processes: ProcessSpec[] = [];
  const configured = loaded.config.processes;
  let procfile: string | undefined;
  if (existsSync(options.procfile)) {
    procfile = options.procfile;
    const parsed = parseProcfile(readFileSync(options.procfile, 'utf8'), label(options.procfile));
    warnings.push(...parsed.warnings);
    for (const type of parsed.types) {
      const refined = configured[type.name];
      const base = refined ?? { ...PROCESS_DEFAULTS, name: type.name, origin: { file: label(options.procfile), line: type.line } };
      processes.push(resolveSpec(base, refined?.command ?? type.command, 'Procfile'));
    }
  }
  for (const [name, process] of Object.entries(configured)) {
    if (processes.some((p) => p.name === name)) continue;
    if (!process.command) {
      problems.push({
        file: process.origin.file,
        line: process.origin.line,
        component: `processes.${name}`,
        message: `process type "${name}" has no command and is not in the Procfile`,
        hint: `add command = "..." to [processes.${name}], or a line "${name}: COMMAND" to the Procfile`,
      });
      continue;
    }
    processes.push(resolveSpec(process, process.command, 'config'));
  }
  if (processes.length === 0) {
    problems.push({
      file: procfile ? label(procfile) : label(options.procfile),
      line: 0,
      component: '',
      message: procfile ? 'the Procfile defines no process types' : 'there is no Procfile and no [processes] section: drover has nothing to run',
      hint: 'add a Procfile with a line such as `web: node server.js`, or a fragment drover/100-processes.toml with\n      [processes.web]\n      command = "node server.js"',
    });
  }
  loaded.warnings.unshift(...warnings);
  const relabel = (p: ConfigProblem) => ({ ...p, file: p.file.startsWith(options.appDir + '/') ? label(p.file) : p.file });
  for (const d of loaded.config.disabled) d.problems = d.problems.map(relabel);
  return { ...loaded, problems: problems.map(relabel), warnings: loaded.warnings.map(relabel), appDir: options.appDir, procfile, processes, dotenv };
}
