// The shape of a CLI command and the options every command that reads an app shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configDirs, defaultProcfile } from './paths';
import { loadApp, type LoadedApp } from '../config/app';
import { closest } from '../config/schema';

export type CommandName = 'start' | 'run' | 'status' | 'restart' | 'logs' | 'scale' | 'reload' | 'check' | 'config' | 'version' | 'help';

/** A command: its one-line summary, its usage text, and what it does with its arguments. Resolves to an exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export const APP_OPTIONS = {
  app: { type: 'string', short: 'a' },
  root: { type: 'string', short: 'd' },
  procfile: { type: 'string', short: 'f' },
  env: { type: 'string', short: 'e' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const APP_USAGE = `  -a, --app DIR         the app directory (default: the current directory); -d, --root DIR as in foreman
  -f, --procfile FILE   the Procfile (default: .drover/Procfile in a slug, else ./Procfile)
  -e, --env FILE[,FILE] .env files, later ones winning; they never override the real environment (default: ./.env)
  -h, --help            show this help`;

/**
 * Parses arguments with node's parseArgs. A wrong argument is a UsageError in drover's words (printed with the
 * command's usage), naming the option and, for an unknown one, the nearest known option.
 */
export function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw usageErrorFrom(error, options ?? {});
  }
}

function usageErrorFrom(error: unknown, options: NonNullable<ParseArgsConfig['options']>): unknown {
  const e = error as Error & { code?: string };
  if (!e.code?.startsWith('ERR_PARSE_ARGS')) return error;
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  const known = Object.entries(options).map(([name, o]) => ({
    name,
    long: `--${name}`,
    short: o.short ? `-${o.short}` : undefined,
    takesValue: o.type === 'string',
  }));
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const word = quoted.replace(/=.*/, '');
      const near = closest(
        word.replace(/^-+/, ''),
        known.map((k) => k.name),
      );
      return new UsageError(`unknown option ${word}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '-p, --port <value>' argument missing" or "Option '--json' does not take an argument".
      const long = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      return new UsageError(
        /does not take/.test(e.message) ? `option ${long} takes no value` : `option ${long} needs a value, e.g. ${long} ${valueExample(long)}`,
      );
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${JSON.stringify(quoted)}: this command takes options only`);
    default:
      return new UsageError(e.message.split('.')[0]);
  }
}

function valueExample(option: string): string {
  return (
    ({ '--port': '5000', '--formation': 'web=2,worker=1', '--timeout': '10', '--env': '.env', '--procfile': 'Procfile' } as Record<string, string>)[option] ??
    'VALUE'
  );
}

/** Loads the app the common options point at. */
export function loadAppFromArgs(values: { app?: string; root?: string; procfile?: string; env?: string }, mode: 'build' | 'run'): LoadedApp {
  if (values.app !== undefined && values.root !== undefined) throw new UsageError('give the app directory once: --app or --root, not both');
  const appDir = resolve(values.app ?? values.root ?? process.cwd());
  if (!existsSync(appDir)) throw new UsageError(`option --app: no such directory ${appDir}`);
  const envFiles = values.env?.split(',').filter(Boolean);
  for (const file of envFiles ?? []) if (!existsSync(file)) throw new UsageError(`option --env: no such file ${file}`);
  if (values.procfile && !existsSync(values.procfile)) throw new UsageError(`option --procfile: no such file ${values.procfile}`);
  const onPlatform = Boolean(process.env.DYNO || process.env.VCAP_APPLICATION || process.env.CNB_APP_DIR);
  return loadApp({
    appDir,
    dirs: configDirs(appDir),
    procfile: values.procfile ? resolve(values.procfile) : defaultProcfile(appDir),
    envFiles: envFiles ? envFiles.map((f) => resolve(f)) : onPlatform ? [] : [resolve(appDir, '.env')],
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
