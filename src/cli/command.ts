// The shape of a CLI command and the options every command that reads an app shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configDirs, defaultProcfile } from './paths';
import { loadApp, type LoadedApp } from '../config/app';

export type CommandName = 'start' | 'run' | 'status' | 'restart' | 'check' | 'config' | 'version' | 'help';

/** A command: its one-line summary, its usage text, and what it does with its arguments. Resolves to an exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export const APP_OPTIONS = {
  app: { type: 'string', short: 'a' },
  procfile: { type: 'string', short: 'f' },
  env: { type: 'string', short: 'e' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const APP_USAGE = `  -a, --app DIR         the app directory (default: the current directory)
  -f, --procfile FILE   the Procfile (default: .drover/Procfile in a slug, else ./Procfile)
  -e, --env FILE        a .env file; its variables never override the real environment (default: ./.env)
  -h, --help            show this help`;

/** Parses arguments with node's parseArgs; unknown options are errors that name the option. */
export function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, allowPositionals = false) {
  return parseArgs({ args, options, allowPositionals, strict: true });
}

/** Loads the app the common options point at. */
export function loadAppFromArgs(values: { app?: string; procfile?: string; env?: string }, mode: 'build' | 'run'): LoadedApp {
  const appDir = resolve(values.app ?? process.cwd());
  if (!existsSync(appDir)) throw new UsageError(`option --app: no such directory ${appDir}`);
  if (values.env && !existsSync(values.env)) throw new UsageError(`option --env: no such file ${values.env}`);
  if (values.procfile && !existsSync(values.procfile)) throw new UsageError(`option --procfile: no such file ${values.procfile}`);
  const onPlatform = Boolean(process.env.DYNO || process.env.VCAP_APPLICATION || process.env.CNB_APP_DIR);
  return loadApp({
    appDir,
    dirs: configDirs(appDir),
    procfile: values.procfile ? resolve(values.procfile) : defaultProcfile(appDir),
    envFile: values.env ? resolve(values.env) : onPlatform ? undefined : resolve(appDir, '.env'),
    env: process.env,
    mode,
  });
}

/** Thrown for a wrong invocation: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Thrown for something the user can fix that is not a wrong invocation: printed as `drover NAME: message`, exit status 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}
