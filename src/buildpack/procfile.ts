// The Procfile step: keep the app's original at .drover/Procfile, write one that runs each type under drover.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcfile } from '../config/procfile';
import { BuildError } from './build-output';

/** Where a slug keeps the app's own Procfile; `drover start` reads it there (see cli/paths.ts). */
export const ORIGINAL_PROCFILE = '.drover/Procfile';

/** A command that already runs drover: `.drover/bin/drover start web`, `drover start`, `"$DEPS_DIR/0/bin/drover" start`. */
const RUNS_DROVER = /(^|[\s/"'])drover"?\s+start(\s|$)/;

/** The app's own Procfile: its path (or undefined when it has none) and how it was found. */
export interface OriginalProcfile {
  path: string | undefined;
  /** True when the app was built before: its Procfile is ours and the original is at .drover/Procfile. */
  rebuilt: boolean;
}

/**
 * Finds the app's own Procfile. Building an already built app again must work (a slug pushed again, a
 * buildpack listed twice): when the Procfile already runs drover, the original is the one kept at
 * .drover/Procfile. A Procfile that runs drover with no original beside it would make drover start itself.
 */
export function findOriginalProcfile(appDir: string): OriginalProcfile {
  const procfile = join(appDir, 'Procfile');
  const kept = join(appDir, ORIGINAL_PROCFILE);
  if (!existsSync(procfile)) return { path: existsSync(kept) ? kept : undefined, rebuilt: existsSync(kept) };
  const looping = parseProcfile(readFileSync(procfile, 'utf8')).types.filter((t) => RUNS_DROVER.test(t.command));
  if (looping.length === 0) return { path: procfile, rebuilt: false };
  if (existsSync(kept)) return { path: kept, rebuilt: true };
  throw new BuildError(
    'the Procfile runs drover itself',
    looping.map((t) => `Procfile:${t.line}: ${t.name}: ${t.command}`).concat('', 'drover runs the Procfile, so this type would start drover again and again.'),
    ['Put the real commands back in the Procfile (e.g. `web: node server.js`): the build makes each one run under drover.'],
  );
}

/**
 * The Procfile the platform runs: every type through the launcher (`.drover/bin/drover` on Heroku, the
 * deps dir's on Cloud Foundry). Types only [processes] defines are included, so the platform can scale them.
 */
export function droverProcfile(types: string[], launcher: string): string {
  const lines = types.map((name) => `${name}: ${launcher} start ${name}`);
  return `# Written by the drover buildpack: each type runs under drover, which runs the commands of the\n# app's own Procfile (kept at ${ORIGINAL_PROCFILE}) and [processes] from drover/*.toml.\n${lines.join('\n')}\n`;
}

/** The .drover/Procfile for an app without a Procfile: empty, so that drover runs only [processes]. */
export const EMPTY_ORIGINAL = '# The app has no Procfile: its process types come from [processes.NAME] in drover/*.toml.\n';
