// Renders docs/configuration.md from the schemas the config loader validates against (the registry's
// components, [supervisor], [processes.NAME], the buffer option), so the reference cannot drift from the code.
// `node scripts/gen-docs.mjs` writes it; test/docs.test.ts fails when the committed file is stale.
import { COMPONENT_KINDS, type ComponentDefinition, type ComponentKind } from '../src/pipeline/component';
import { definitionsOf, typesOf } from '../src/pipeline/registry';
import { processSchema, supervisorSchema } from '../src/config/sections';
import type { Field, Schema } from '../src/config/schema';
import { matcherSection } from './matcher-reference';
import { REQUIRED_FIELD } from '../src/config/load';
import { EXAMPLE_APP, MATCH_EXAMPLES, MESSAGE_VARIABLES } from '../src/pipeline/message-doc';

/** The options every component section has besides its type's own (as src/config/load.ts adds them). */
const COMMON: Schema = {
  type: { type: 'string', required: true, doc: 'the component type: one of the headings below' },
  match: { type: 'matcher', default: 'TRUE', doc: 'which messages this component takes (Heka\'s message matcher), e.g. "Logger =~ /^web/ && Severity <= 4"' },
};

/** What outputs have besides `type` and `match`. */
const OUTPUT_COMMON: Schema = { ...COMMON, required: REQUIRED_FIELD };

/** The "Messages" section: every variable a match reads, and examples that test/docs.test.ts runs. */
function messagesSection(): string {
  const out = [
    '## Messages',
    '',
    "Every line a process prints becomes a message; drover's own lines are messages too. Decoders, filters and match expressions see these variables (a match compares them with `== != < <= > >= =~ !~`, joined by `&& || ( )`):",
    '',
    '| variable | type | values |',
    '|---|---|---|',
    ...MESSAGE_VARIABLES.map((v) => `| ${code(v.name)} | ${cell(v.type)} | ${cell(v.values)} |`),
    '',
    'Lines reach decoders, filters and matchers whole, up to `[supervisor] max_line_length` (1 MiB). Outputs that have a transport limit split longer lines afterwards, after filters and redaction, each piece with the whole message\'s Severity, Fields and Timestamp: `stdout` and `stderr` on a platform, `syslog`, and `http` with `format = "logplex"` (10,000 bytes by default, each output\'s `max_line_length`). Drains keep decoded fields by default: the syslog output\'s `format = "auto"` and http\'s logplex frames send them as RFC 5424 structured data (`[fields@32473 path="/cart" ms="812"]`), which every piece of a split line carries and receivers such as syslog-ng and rsyslog parse; `format = "logfmt"` or `"json"` (http: `message_format`) puts them in MSG instead, for services that only show MSG.',
    '',
    'Examples, run by the docs test on this app:',
    '',
    '```',
    `# Procfile`,
    EXAMPLE_APP.procfile,
    `# drover/100.toml`,
    EXAMPLE_APP.config,
    '```',
    '',
    '| match | takes | app lines taken |',
    '|---|---|---|',
    ...MATCH_EXAMPLES.map((e) => `| ${cell(code(e.match))} | ${cell(e.takes)} | ${e.lines.length ? e.lines.map((l) => code(l)).join(', ') : 'none'} |`),
    '',
  ];
  return out.join('\n');
}

const KIND_INTRO: Record<ComponentKind, string> = {
  inputs:
    'Inputs bring messages from somewhere other than the supervised processes, whose stdout and stderr are always read. Their messages go through the same decoders, filters and outputs, told apart by `Type` (`file`, `syslog`, `http`, `metrics`), `Logger` and Fields. An input takes a `match` like every section but does not use it: everything it reads enters the pipeline.',
  decoders: "Decoders parse a message's Payload into Fields, Severity and Timestamp. Every decoder whose match accepts a message runs, in fragment order.",
  filters: 'Filters run in fragment order on the messages their match accepts; each may change, hold back or drop a message.',
  outputs: 'Every output whose match accepts a message receives it. The default `[outputs.stdout]` comes from conf/009-stdout.toml.',
};

// A table cell: pipes escaped, and `<uid>` kept from reading as an HTML tag.
const cell = (text: string): string =>
  text
    .replace(/\|/g, '\\|')
    .replace(/<(?=[A-Za-z/!])/g, '&lt;')
    .replace(/\n/g, ' ');
const code = (text: string): string => '`' + text + '`';

/** A default as it would be written in TOML, or empty when there is none. */
function defaultOf(field: Field): string {
  if (field.type === 'table' || field.default === undefined) return '';
  const d = field.default;
  if (typeof d === 'string') return code(JSON.stringify(d));
  if (Array.isArray(d)) return code(JSON.stringify(d));
  if (typeof d === 'object') return Object.keys(d).length ? code(JSON.stringify(d)) : code('{}');
  return code(String(d));
}

/** The type column: the TOML value it takes, with its limits. */
function typeOf(field: Field): string {
  switch (field.type) {
    case 'integer': {
      const range =
        field.min !== undefined && field.max !== undefined
          ? ` ${field.min}–${field.max}`
          : field.min !== undefined
            ? ` ≥ ${field.min}`
            : field.max !== undefined
              ? ` ≤ ${field.max}`
              : '';
      return `integer${range}`;
    }
    case 'enum':
      return field.values.map((v) => code(JSON.stringify(v))).join(' | ');
    case 'duration':
      return 'duration';
    case 'size':
      return 'size';
    case 'map':
      return 'table of strings';
    case 'matcher':
      return 'match expression';
    case 'table':
      return 'table';
    default:
      return field.type;
  }
}

/** One option row; `required` is said in the description, where it is read. */
function row(name: string, field: Field, link?: string): string {
  const required = 'required' in field && field.required ? '**required.** ' : '';
  const doc = link ? `${field.doc} — see [${link}](#${link})` : field.doc;
  return `| ${code(name)} | ${cell(typeOf(field))} | ${cell(defaultOf(field))} | ${cell(required + doc)} |`;
}

/** An options table; tables with variants (the buffer) are linked to their own section, others listed inline. */
function optionsTable(schema: Schema, tables: Map<Field, string>): string {
  const rows = ['| option | type | default | description |', '|---|---|---|---|'];
  for (const [name, field] of Object.entries(schema)) {
    if (field.type === 'table' && field.variants) {
      if (!tables.has(field)) tables.set(field, name);
      rows.push(row(name, field, tables.get(field)));
    } else if (field.type === 'table') {
      rows.push(row(name, field));
      for (const [sub, f] of Object.entries(field.fields)) rows.push(row(`${name}.${sub}`, f));
    } else rows.push(row(name, field));
  }
  return rows.join('\n');
}

/** One component type: summary, options, example. */
function component(def: ComponentDefinition, tables: Map<Field, string>): string {
  const options = Object.keys(def.schema).length ? optionsTable(def.schema, tables) : 'No options besides `type` and `match`.';
  return [`### ${def.kind.replace(/s$/, '')} \`${def.type}\``, '', def.summary, '', options, '', '```toml', def.example.trim(), '```', ''].join('\n');
}

/** A table option with variants chosen by its discriminator, such as `buffer`: common fields, then each variant's. */
function variantTable(name: string, field: Extract<Field, { type: 'table' }>, tables: Map<Field, string>): string {
  const parts = [`### ${name}`, '', `${field.doc[0].toUpperCase()}${field.doc.slice(1)}.`, '', optionsTable(field.fields, tables), ''];
  for (const [variant, schema] of Object.entries(field.variants ?? {})) {
    parts.push(`With \`${field.discriminator} = "${variant}"\`:`, '', optionsTable(schema, tables), '');
  }
  return parts.join('\n');
}

/** The whole of docs/configuration.md. */
export function renderConfigurationReference(): string {
  const tables = new Map<Field, string>();
  const out: string[] = [
    '<!-- Generated from the component schemas by `node scripts/gen-docs.mjs`: do not edit; test/docs.test.ts fails when it is stale. -->',
    '# Configuration reference',
    '',
    "drover reads TOML fragments in file-name order: the buildpack's `conf/NNN-*.toml`, then the app's `drover/*.toml`. A fragment with the same file name as a default replaces it, and an empty one disables it. A section defined again in a later fragment replaces the earlier one whole. `${VAR}` and `${VAR:-default}` in any string are read from the environment when drover starts, not at build time, except in a process `command`, which the shell expands with each instance's own `PORT` and `DYNO`. `drover check` validates everything and reports every error at once; `drover config` prints the merged result.",
    '',
    'Value types: a **duration** is `"500ms"`, `"10s"`, `"1m"` or a bare number of seconds; a **size** is `"64KB"`, `"256MB"` or a bare number of bytes; a **match expression** is Heka\'s message matcher over `Timestamp Type Logger Stream Severity Payload Hostname Pid Fields[name]` with `== != < <= > >= =~ !~`, `&& || ( )`, `TRUE FALSE NIL` and RE2 regular expressions between slashes (see [Match expressions](#match-expressions)).',
    '',
    '## Contents',
    '',
    '- [Messages](#messages): what a match expression can read · [Match expressions](#match-expressions)',
    '- [`[supervisor]`](#supervisor) · [`[processes.NAME]`](#processesname)',
  ];
  for (const kind of COMPONENT_KINDS) {
    const types = typesOf(kind);
    out.push(`- [\`[${kind}.NAME]\`](#${kind}name): ${types.length ? types.map((t) => `[${t}](#${kind.replace(/s$/, '')}-${t})`).join(', ') : 'none yet'}`);
  }
  out.push('- [buffer](#buffer)', '');
  out.push(messagesSection());
  out.push(...matcherSection());
  out.push('## `[supervisor]`', '', 'How drover itself behaves. One section, optional.', '', optionsTable(supervisorSchema, tables), '');
  out.push(
    '## `[processes.NAME]`',
    '',
    "A process type, with supervisord's option names. A type in the Procfile needs no section; one defined only here (with `command`) is added to the Procfile's.",
    '',
    optionsTable(processSchema, tables),
    '',
  );
  out.push(
    '```toml',
    '[processes.worker]',
    'command = "python3 -u worker.py"',
    'numprocs = 2',
    'autorestart = "unexpected"',
    'stopwaitsecs = 20',
    'environment = { QUEUE = "default" }',
    '```',
    '',
  );
  out.push(
    '### When a process exits',
    '',
    'An exit is final, however soon it comes, for a `oneshot = true` type (`release` by default), for `autorestart = false`, and for an exit code in `exitcodes` with `autorestart = "unexpected"`. Every other exit is restarted after a delay: `backoff_initial` (1 s), doubling on each restart in a row up to `backoff_max` (30 s). An exit sooner than `startsecs` is a failed start, and more than `startretries` of them in a row make the type FATAL: drover stops everything and exits with its status. A run that lasts twice `backoff_max` resets the delay. `drover status` shows when a process in BACKOFF starts again. Once every process has finished and none will restart, drover exits 0 when every exit was expected (in `exitcodes`), else with the status of the first that was not.',
    '',
    "**Where this differs from supervisord, and why.** supervisord counts a quick exit as a failed start even with `autorestart = false` or an expected exit code, so a one-shot task that finishes fast is retried and goes FATAL depending on how fast the machine is; and it restarts a process that ran longer than `startsecs` at once, every time, so a process that crashes after 1.5 s is restarted forever with no pause. drover follows systemd's and Kubernetes' restart policies instead: the exit code decides whether an exit is final, and every restart backs off (as Kubernetes' CrashLoopBackOff and Heroku's crash restarts do).",
    '',
    '```toml',
    '[processes.migrate]',
    'command = "bin/rake db:migrate"',
    'oneshot = true      # runs once; drover exits with its status when nothing else runs',
    '```',
    '',
  );
  for (const kind of COMPONENT_KINDS) {
    out.push(
      `## \`[${kind}.NAME]\``,
      '',
      `${KIND_INTRO[kind]} Every section has these options, then those of its type:`,
      '',
      optionsTable(kind === 'outputs' ? OUTPUT_COMMON : COMMON, tables),
      '',
    );
    const defs = definitionsOf(kind) as ComponentDefinition[];
    if (!defs.length) out.push(`No ${kind.replace(/s$/, '')} types exist yet.`, '');
    for (const def of defs) out.push(component(def, tables));
  }
  out.push('## Shared options', '');
  for (const [field, name] of tables) if (field.type === 'table') out.push(variantTable(name, field, tables));
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}
