// The configuration step: the app's Procfile and fragments merged with the defaults and validated, as
// `drover start` will load them, so that a mistake fails the build rather than the first dyno.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadApp, type LoadedApp } from '../config/app';
import { lintPipeline } from '../config/lint';
import { formatProblem } from '../config/errors';
import { BuildError, type Output } from './build-output';

/** Reads a directory of config vars, one file per variable (Heroku's ENV_DIR, CNB's platform/env). */
export function readEnvDir(dir: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!dir || !existsSync(dir)) return vars;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && statSync(path).isFile()) vars[name] = readFileSync(path, 'utf8');
  }
  return vars;
}

export interface CheckOptions {
  appDir: string;
  /** The app's own Procfile, or undefined when it has none. */
  procfile: string | undefined;
  /** The buildpack's conf/ (defaults), read before the app's drover/. */
  defaultsDir: string;
  /** Config vars the app will have at run time, as far as the build can know them. Never printed. */
  configVars: Record<string, string>;
}

/**
 * Loads the app as `drover start` will and prints what will run. Every error fails the build at once;
 * a ${VAR} that is unset now only warns, since config vars can be set after the build.
 */
export function checkConfig(out: Output, options: CheckOptions): LoadedApp {
  const names = Object.keys(options.configVars).length;
  out.step('Checking the drover configuration');
  if (names > 0) out.detail(`${names} config var${names === 1 ? '' : 's'} available for \${VAR} checks (values not shown)`);
  // What the platform sets at run time: ${PORT} must not warn just because the build has no port.
  const env = { PORT: '5000', DYNO: 'web.1', ...process.env, ...options.configVars };
  const app = loadApp({
    appDir: options.appDir,
    dirs: [options.defaultsDir, join(options.appDir, 'drover')],
    procfile: options.procfile ?? join(options.appDir, 'Procfile'),
    env,
    mode: 'build',
  });
  // Warnings first: when the build fails, the unset ${VAR}s may be part of the story.
  // drover check's warnings about the pipeline too (same stream twice, a match that takes nothing).
  const lint = lintPipeline(app.config, app.processes).map((w) => ({
    ...w,
    file: w.file.startsWith(options.appDir + '/') ? relative(options.appDir, w.file) : w.file,
  }));
  for (const w of [...app.warnings, ...lint]) out.warn(formatProblem(w));
  if (app.problems.length > 0) {
    const n = app.problems.length;
    throw new BuildError(
      `the drover configuration has ${n} error${n === 1 ? '' : 's'}`,
      app.problems.map((p) => formatProblem(p)),
      ['Fix them and push again. `drover check` in the app directory reports the same without a build.'],
    );
  }
  const label = (path: string) =>
    path.startsWith(options.appDir + '/') ? relative(options.appDir, path) : `(default) ${relative(join(options.defaultsDir, '..'), path)}`;
  out.detail(`fragments: ${app.fragments.map((f) => label(f.path) + (f.text.trim() === '' ? ' (empty: disables the default)' : '')).join(', ') || '(none)'}`);
  for (const p of app.processes)
    out.detail(`${p.name}: ${p.command}${p.source === 'config' ? '  (from [processes])' : ''}${p.numprocs !== 1 ? `  (numprocs ${p.numprocs})` : ''}`);
  const outputs = app.config.outputs.map((o) => `${o.name} (${o.type})`);
  out.detail(`outputs: ${outputs.join(', ') || '(none: the logs go nowhere)'}`);
  return app;
}
