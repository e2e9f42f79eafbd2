// Loads the merged configuration: fragments in order, sections replaced whole, every problem collected.
import type TOML from '@iarna/toml';
import { basename } from 'node:path';
import type { ConfigProblem, Origin } from './errors';
import { readFragments, type Fragment } from './fragments';
import { interpolateTree } from './interpolate';
import { indexLines, lineFor } from './locate';
import { checkScheduleOptions } from './schedule';
import { applySchema, closest, type Schema } from './schema';
import { processSchema, supervisorSchema } from './sections';
import { COMPONENT_KINDS, type ComponentKind } from '../pipeline/component';
import { findDefinition, typesOf } from '../pipeline/registry';

// The string parser alone: @iarna/toml's index also loads its stream and async parsers (and node:stream with them),
// which drover never uses, at every start.
const parseToml = require('@iarna/toml/parse-string.js') as typeof TOML.parse;

export interface SupervisorConfig {
  backoff_initial: number;
  backoff_max: number;
  max_line_length: number;
  partial_line_timeout: number;
  hostname: string;
  control_socket: string;
  metrics_address: string;
  watch: boolean;
  log_history: number;
  direct_output: boolean;
}

export interface ProcessConfig {
  name: string;
  origin: Origin;
  command?: string;
  numprocs: number;
  /** Unset when not written: the default depends on the type's name (see app.ts). */
  autostart?: boolean;
  oneshot?: boolean;
  autorestart: boolean | 'unexpected';
  exitcodes: number[];
  startsecs: number;
  startretries: number;
  stopsignal: string;
  stopwaitsecs: number;
  environment: Record<string, string>;
  directory?: string;
  /** Set for a scheduled type (see config/schedule.ts). */
  schedule?: string;
  timezone: string;
  overlap: 'skip' | 'queue' | 'replace';
  timeout: number;
}

export interface ComponentConfig {
  kind: ComponentKind;
  name: string;
  type: string;
  match: string;
  origin: Origin;
  options: Record<string, any>;
  /** Outputs only: refuse to start when it cannot be made (see REQUIRED_FIELD). */
  required?: boolean;
}

/** An output whose configuration could not be resolved when drover started (an unset ${VAR}, a bad URL in one). */
export interface DisabledOutput {
  name: string;
  origin: Origin;
  /** What is wrong, one problem each, with what to set. */
  problems: ConfigProblem[];
}

export interface DroverConfig {
  supervisor: SupervisorConfig;
  processes: Record<string, ProcessConfig>;
  inputs: ComponentConfig[];
  decoders: ComponentConfig[];
  filters: ComponentConfig[];
  outputs: ComponentConfig[];
  /** Outputs left out at start: the processes run regardless, and the pipeline reports them (see `required`). */
  disabled: DisabledOutput[];
}

/** The `required` option every output has. */
export const REQUIRED_FIELD = {
  type: 'boolean',
  default: false,
  doc: "false: when drover starts and this output's configuration cannot be resolved (an unset ${VAR}, a bad URL in one), the output is disabled, an error says what to set (again every minute, and in `drover status`), and the processes start regardless. true: drover refuses to start instead",
} as const;

/** A section as written, after merging, for `drover config`. */
export interface SectionSource {
  id: string;
  origin: Origin;
  table: Record<string, unknown>;
}

export interface LoadedConfig {
  config: DroverConfig;
  sections: SectionSource[];
  fragments: Fragment[];
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

export interface LoadOptions {
  /** Directories of fragments, defaults first (the buildpack's conf/), then the app's drover/. */
  dirs: string[];
  env: NodeJS.ProcessEnv;
  /** `build`: an unset ${VAR} is a warning (it may be set at run time); `run`: it is an error. */
  mode: 'build' | 'run';
}

const SECTION_NAMES = ['supervisor', 'processes', ...COMPONENT_KINDS];
const NAME = /^[A-Za-z0-9_-]+$/;

interface RawSection {
  table: Record<string, unknown>;
  fragment: Fragment;
  lines: Map<string, number>;
}

/** Reads, merges and validates the configuration; never throws for a user's mistake. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const fragments = readFragments(options.dirs);
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  let supervisorRaw: RawSection | undefined;
  const sections = new Map<string, RawSection>(); // `kind.name` → the last definition, in first-seen order

  for (const fragment of fragments) {
    let parsed: Record<string, unknown>;
    try {
      parsed = parseToml(fragment.text) as Record<string, unknown>;
    } catch (error) {
      const e = error as Error & { line?: number; col?: number };
      problems.push({
        file: fragment.path,
        line: (e.line ?? -1) + 1,
        component: '',
        message: `invalid TOML: ${e.message.split(' at row')[0]} (column ${(e.col ?? 0) + 1})`,
        hint: 'see https://toml.io for the syntax; strings need quotes',
      });
      continue;
    }
    const lines = indexLines(fragment.text);
    for (const [top, value] of Object.entries(parsed)) {
      const line = lineFor(lines, top);
      if (!SECTION_NAMES.includes(top)) {
        const near = closest(top, SECTION_NAMES);
        problems.push({
          file: fragment.path,
          line,
          component: '',
          message: `unknown section [${top}]`,
          hint: near ? `did you mean [${near}]?` : `sections are ${SECTION_NAMES.map((s) => `[${s}]`).join(', ')}`,
        });
        continue;
      }
      if (!isTable(value)) {
        problems.push({
          file: fragment.path,
          line,
          component: top,
          message: `"${top}" must be a table`,
          hint: `write it as a section: [${top === 'supervisor' ? top : `${top}.NAME`}]`,
        });
        continue;
      }
      if (top === 'supervisor') {
        supervisorRaw = { table: value, fragment, lines };
        continue;
      }
      for (const [name, table] of Object.entries(value)) {
        const id = `${top}.${name}`;
        if (!NAME.test(name))
          problems.push({
            file: fragment.path,
            line: lineFor(lines, id),
            component: id,
            message: `invalid name "${name}"`,
            hint: 'names may use letters, digits, "_" and "-"',
          });
        else if (!isTable(table))
          problems.push({
            file: fragment.path,
            line: lineFor(lines, id),
            component: id,
            message: `[${id}] must be a table of options`,
            hint: `write it as a section: [${id}]`,
          });
        else {
          sections.delete(id); // a later definition replaces the earlier one whole, and takes its place in the order
          sections.set(id, { table, fragment, lines });
        }
      }
    }
  }

  const validate = (id: string, schema: Schema, raw: RawSection) => {
    const unset = new Map<string, string[]>();
    // Problems that come from the environment (an unset ${VAR}, a value one gave): for an output, they disable it at start.
    const fromEnv: ConfigProblem[] = [];
    const isOutput = id.startsWith('outputs.');
    const required = raw.table.required === true;
    const table = interpolateTree(raw.table, options.env, '', unset) as Record<string, unknown>;
    // A command is expanded by the shell that runs it, with each instance's own PORT and DYNO: keep it as written.
    if (id.startsWith('processes.') && raw.table.command !== undefined) {
      table.command = raw.table.command;
      unset.delete('command');
    }
    const skip = new Set<string>();
    const disabledOutcome = `; at start [${id}] is disabled until it is set, and the processes start regardless (required = true refuses to start instead)`;
    for (const [key, names] of unset) {
      const outcome = !isOutput ? '' : required ? '; at start drover refuses to run while it is unset (required = true)' : disabledOutcome;
      const problem = {
        file: raw.fragment.path,
        line: lineFor(raw.lines, id, key),
        component: id,
        message: `option "${key}" uses ${names.map((n) => '${' + n + '}').join(', ')}, which ${names.length === 1 ? 'is' : 'are'} not set${options.mode === 'build' ? outcome : ''}`,
        hint: `set it as a config var, or give a default: \${${names[0]}:-value}`,
      };
      // The empty value it stands for is not checked too: one problem, said once.
      skip.add(key);
      if (options.mode === 'build') warnings.push(problem);
      else if (isOutput && !required) fromEnv.push(problem);
      else problems.push(problem);
    }
    const result = applySchema(schema, table, '', skip);
    for (const p of result.problems) {
      const problem = { file: raw.fragment.path, line: lineFor(raw.lines, id, p.key), component: id, message: p.message, hint: p.hint };
      const fromVariable = isOutput && !required && usesVariable(raw.table, p.key);
      if (fromVariable && options.mode === 'run') fromEnv.push(problem);
      // At build time too it only disables the output: a warning that says so (the value may change before start).
      else if (fromVariable) warnings.push({ ...problem, message: problem.message + disabledOutcome.replace('until it is set', 'until it is right') });
      else problems.push(problem);
    }
    return { options: result.options, failed: result.problems.length > 0, fromEnv };
  };

  const supervisor = (supervisorRaw
    ? validate('supervisor', supervisorSchema, supervisorRaw).options
    : applySchema(supervisorSchema, {}).options) as unknown as SupervisorConfig;
  const config: DroverConfig = { supervisor, processes: {}, inputs: [], decoders: [], filters: [], outputs: [], disabled: [] };

  for (const [id, raw] of sections) {
    const [kind, name] = splitId(id);
    const origin = { file: raw.fragment.path, line: lineFor(raw.lines, id) };
    if (kind === 'processes') {
      const { options: opts, failed } = validate(id, processSchema, raw);
      // Checked even when another option failed: a reload is refused with every error at once.
      if (typeof opts.schedule === 'string' || !failed)
        problems.push(
          ...scheduleProblems(
            id,
            { ...opts, timezone: typeof opts.timezone === 'string' ? opts.timezone : 'UTC' } as Parameters<typeof checkScheduleOptions>[0],
            raw,
          ),
        );
      config.processes[name] = { ...(opts as Omit<ProcessConfig, 'name' | 'origin'>), name, origin };
      continue;
    }
    const componentKind = kind as ComponentKind;
    const type = raw.table.type;
    if (typeof type !== 'string') {
      problems.push({
        file: origin.file,
        line: origin.line,
        component: id,
        message: `option "type" is required`,
        hint: `choose one of: ${typesOf(componentKind).join(', ')}`,
      });
      continue;
    }
    const definition = findDefinition(componentKind, type);
    if (!definition) {
      const near = closest(type, typesOf(componentKind));
      problems.push({
        file: origin.file,
        line: lineFor(raw.lines, id, 'type'),
        component: id,
        message: `unknown ${kind.replace(/s$/, '')} type "${type}"`,
        hint: near ? `did you mean "${near}"?` : `choose one of: ${typesOf(componentKind).join(', ') || '(none yet)'}`,
      });
      continue;
    }
    const schema: Schema = {
      type: { type: 'string', doc: 'the component type' },
      match: { type: 'matcher', default: 'TRUE', doc: 'which messages this component takes, e.g. "Logger =~ /^web/"' },
      ...(componentKind === 'outputs' ? { required: REQUIRED_FIELD } : {}),
      ...definition.schema,
    };
    const { options: opts, failed, fromEnv } = validate(id, schema, raw);
    if (!failed && definition.check) {
      for (const p of definition.check(opts))
        problems.push({ file: origin.file, line: lineFor(raw.lines, id, p.key), component: id, message: p.message, hint: p.hint });
    }
    if (fromEnv.length) {
      config.disabled.push({ name, origin, problems: fromEnv });
      continue;
    }
    const { type: _type, match, required, ...rest } = opts;
    config[componentKind].push({ kind: componentKind, name, type, match: match as string, origin, options: rest, ...(required ? { required: true } : {}) });
  }
  // Report in reading order: by fragment, then by line.
  const order = new Map(fragments.map((f, i) => [f.path, i]));
  const byPlace = (a: ConfigProblem, b: ConfigProblem) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || a.line - b.line;
  problems.sort(byPlace);
  warnings.sort(byPlace);
  const sources: SectionSource[] = [];
  if (supervisorRaw)
    sources.push({
      id: 'supervisor',
      origin: { file: supervisorRaw.fragment.path, line: lineFor(supervisorRaw.lines, 'supervisor') },
      table: supervisorRaw.table,
    });
  for (const [id, raw] of sections) sources.push({ id, origin: { file: raw.fragment.path, line: lineFor(raw.lines, id) }, table: raw.table });
  return { config, sections: sources, fragments, problems, warnings };
}

/** True when the option at `path` (`url`, `buffer.path`) was written with a ${VAR}: its value came from the environment. */
function usesVariable(table: Record<string, unknown>, path: string): boolean {
  let value: unknown = table;
  for (const key of path.split('.')) value = isTable(value) ? value[key] : undefined;
  return JSON.stringify(value ?? '').includes('${');
}

/** Problems of schedule and timezone, placed at their line and, for a cron mistake, at its column in the file. */
function scheduleProblems(id: string, options: Parameters<typeof checkScheduleOptions>[0], raw: RawSection): ConfigProblem[] {
  return checkScheduleOptions(options).map((p) => {
    const line = lineFor(raw.lines, id, p.key);
    const text = raw.fragment.text.split('\n')[line - 1] ?? '';
    const at = text.indexOf(options.schedule ?? '\0');
    const column = p.column === undefined ? undefined : at >= 0 ? at + p.column : p.column;
    return { file: raw.fragment.path, line, column, component: id, message: p.message, hint: p.hint };
  });
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function splitId(id: string): [string, string] {
  const dot = id.indexOf('.');
  return [id.slice(0, dot), id.slice(dot + 1)];
}

/** A short name for a fragment in listings: `conf/009-stdout.toml` style. */
export function fragmentLabel(path: string): string {
  const parts = path.split('/');
  return parts.length >= 2 ? `${parts[parts.length - 2]}/${basename(path)}` : path;
}
