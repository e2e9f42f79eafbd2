// Where drover finds its defaults, the app's fragments and the Procfile, in a slug and locally.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The directory of the running code: lib/ in the buildpack, .drover/lib in a slug, src/cli in tests. */
export function codeDir(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/**
 * The buildpack's (or the slug's) conf/ directory: the nearest `conf/` above the running code, which is
 * `.drover/conf` in a slug and the repository's `conf/` otherwise. `DROVER_DEFAULTS_DIR` overrides it.
 */
export function defaultsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DROVER_DEFAULTS_DIR) return env.DROVER_DEFAULTS_DIR;
  for (let dir = dirname(codeDir()); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'conf'))) return join(dir, 'conf');
    if (dirname(dir) === dir) return join(dirname(codeDir()), 'conf');
  }
}

/** Fragment directories in load order: the defaults, then the app's `drover/`. */
export function configDirs(appDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [defaultsDir(env), join(appDir, 'drover')];
}

/** The Procfile to run: the original kept at `.drover/Procfile` inside a slug, else `./Procfile`. */
export function defaultProcfile(appDir: string): string {
  const original = join(appDir, '.drover', 'Procfile');
  return existsSync(original) ? original : join(appDir, 'Procfile');
}
