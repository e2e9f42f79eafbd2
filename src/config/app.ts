// An app as drover sees it: Procfile types refined by [processes.NAME], the pipeline config, and `.env`.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ConfigProblem } from './errors';
import { loadConfig, type LoadedConfig, type ProcessConfig } from './load';
import { parseProcfile } from './procfile';
import { applySchema } from './schema';
import { processSchema } from './sections';
import { parseDotenv } from './dotenv';

/** A process type ready to run: its command and every supervisord-style option. */
export type ProcessSpec = ProcessConfig & { command: string; source: 'Procfile' | 'config' };

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
  /** A `.env` file to read (local runs only), or undefined. */
  envFile?: string;
  env: NodeJS.ProcessEnv;
  mode: 'build' | 'run';
}

const PROCESS_DEFAULTS = applySchema(processSchema, {}).options as Omit<ProcessConfig, 'name' | 'origin'>;

/** Loads and validates everything `drover start` needs; problems are collected, never thrown. */
export function loadApp(options: LoadAppOptions): LoadedApp {
  const problems: ConfigProblem[] = [];
  const label = (path: string) => relative(options.appDir, path) || path;

  let dotenv: Record<string, string> = {};
  if (options.envFile && existsSync(options.envFile)) {
    const parsed = parseDotenv(readFileSync(options.envFile, 'utf8'), label(options.envFile));
    problems.push(...parsed.problems);
    dotenv = parsed.vars;
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
    problems.push(...parsed.problems);
    for (const type of parsed.types) {
      const refined = configured[type.name];
      const base = refined ?? { ...PROCESS_DEFAULTS, name: type.name, origin: { file: label(options.procfile), line: type.line } };
      processes.push({ ...base, command: refined?.command ?? type.command, source: 'Procfile' });
    }
  }
  for (const [name, process] of Object.entries(configured)) {
    if (processes.some((p) => p.name === name)) continue;
    if (!process.command) {
      problems.push({ file: process.origin.file, line: process.origin.line, component: `processes.${name}`, message: `process type "${name}" has no command and is not in the Procfile`, hint: `add command = "..." to [processes.${name}], or a line "${name}: COMMAND" to the Procfile` });
      continue;
    }
    processes.push({ ...process, command: process.command, source: 'config' });
  }
  if (processes.length === 0 && !problems.some((p) => p.file === label(options.procfile))) {
    problems.push({
      file: procfile ? label(procfile) : label(options.procfile),
      line: 0,
      component: '',
      message: procfile ? 'the Procfile defines no process types' : 'there is no Procfile and no [processes] section: drover has nothing to run',
      hint: 'add a Procfile with a line such as `web: node server.js`, or a fragment drover/100-processes.toml with\n      [processes.web]\n      command = "node server.js"',
    });
  }
  const relabel = (p: ConfigProblem) => ({ ...p, file: p.file.startsWith(options.appDir + '/') ? label(p.file) : p.file });
  for (const d of loaded.config.disabled) d.problems = d.problems.map(relabel);
  return { ...loaded, problems: problems.map(relabel), warnings: loaded.warnings.map(relabel), appDir: options.appDir, procfile, processes, dotenv };
}

