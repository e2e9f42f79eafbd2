// Warnings `drover check` gives about a configuration that is valid but does not do what it seems to: two outputs
// writing the same stream, and a match expression that nothing this formation produces can satisfy.
import type { ConfigProblem } from './errors';
import type { ComponentConfig, DroverConfig } from './load';
import { compileMatcher } from '../pipeline/matcher/matcher';
import { Message } from '../pipeline/message';
import { COMPONENT_KINDS } from '../pipeline/component';

/** Variables whose every value drover knows before a line is read: a match on them alone can be decided now. */
const KNOWN = new Set(['Logger', 'Type', 'Stream', 'Severity']);

/** Where an output writes, for the outputs that write to one place. */
function destination(c: ComponentConfig): string | undefined {
  if (c.type === 'stdout') return 'standard output';
  if (c.type === 'stderr') return 'standard error';
  if (c.type === 'file') return `the file ${c.options.path}`;
  if ((c.type === 'syslog' || c.type === 'http') && typeof c.options.url === 'string' && c.options.url) return c.options.url;
  return undefined;
}

/** Two outputs writing the same stream: every line both match is written twice. */
function sameStream(config: DroverConfig): ConfigProblem[] {
  const first = new Map<string, ComponentConfig>();
  const problems: ConfigProblem[] = [];
  for (const c of config.outputs) {
    const where = destination(c);
    if (!where) continue;
    const earlier = first.get(where);
    if (!earlier) {
      first.set(where, c);
      continue;
    }
    problems.push({
      file: c.origin.file,
      line: c.origin.line,
      component: `outputs.${c.name}`,
      message: `writes ${where}, as [outputs.${earlier.name}] does: a line both match is written twice`,
      hint: `give them match expressions that exclude each other, remove one, or empty the fragment that defines the other (an empty drover/009-stdout.toml turns off the default stdout output)`,
    });
  }
  return problems;
}

interface Span {
  kind: 'word' | 'field' | 'op' | 'value';
  text: string;
  start: number;
  end: number;
}

/** The expression's tokens with their places (it compiled already, so this need not report errors). */
function spans(source: string): Span[] {
  const out: Span[] = [];
  const re =
    /\s+|("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\/(?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\])*\/|-?\d+(?:\.\d+)?)|(Fields\s*\[[^\]]*\])|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|=~|!~|&&|\|\||<|>|\(|\))/y;
  for (let m = re.exec(source); m && re.lastIndex <= source.length; m = re.exec(source)) {
    const start = m.index;
    if (m[1] !== undefined) out.push({ kind: 'value', text: m[1], start, end: re.lastIndex });
    else if (m[2] !== undefined) out.push({ kind: 'field', text: m[2], start, end: re.lastIndex });
    else if (m[3] !== undefined)
      out.push({ kind: m[3] === 'TRUE' || m[3] === 'FALSE' || m[3] === 'NIL' ? 'value' : 'word', text: m[3], start, end: re.lastIndex });
    else if (m[4] !== undefined) out.push({ kind: 'op', text: m[4], start, end: re.lastIndex });
    if (re.lastIndex === source.length) break;
  }
  return out;
}

/**
 * The expression with every comparison drover cannot decide before a line is read (Fields, Payload...) replaced by
 * TRUE. The matcher has && and || but no negation, so this accepts at least what the original accepts.
 */
export function knownPart(source: string): string {
  const tokens = spans(source);
  let out = '';
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const isSubject = (t.kind === 'word' || t.kind === 'field') && tokens[i + 1]?.kind === 'op' && !['&&', '||', '(', ')'].includes(tokens[i + 1].text);
    if (!isSubject || KNOWN.has(t.text) || i + 2 >= tokens.length) continue;
    out += source.slice(at, t.start) + 'TRUE';
    at = tokens[i + 2].end;
    i += 2;
  }
  return out + source.slice(at);
}

/** Every (Logger, Type, Stream, Severity) drover's messages can have with this formation and pipeline. */
function probes(config: DroverConfig, types: { name: string; numprocs: number }[], literals: string[]): Message[] {
  const instances = new Set<string>();
  for (const t of types) for (let n = 1; n <= Math.max(1, t.numprocs); n++) instances.add(`${t.name}.${n}`);
  // A formation given to `drover start` (web=3) may run more instances than numprocs: any number is possible.
  for (const literal of literals)
    if (types.some((t) => new RegExp(`^${t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`).test(literal))) instances.add(literal);
  const own = ['supervisor', ...COMPONENT_KINDS.flatMap((k) => config[k].map((c) => `${k}.${c.name}`)), ...config.disabled.map((d) => `outputs.${d.name}`)];
  const shapes: [string, string, 'stdout' | 'stderr'][] = [];
  for (const i of instances) shapes.push([i, 'log', 'stdout'], [i, 'log', 'stderr'], [i, 'drover', 'stdout']);
  for (const o of own) shapes.push([o, 'drover', 'stdout']);
  const out: Message[] = [];
  for (const [logger, type, stream] of shapes) {
    for (let severity = 0; severity <= 7; severity++) {
      const m = new Message(Buffer.alloc(0), logger, stream, 0, '', 0, type);
      m.severity = severity;
      out.push(m);
    }
  }
  return out;
}

/** Components whose match accepts nothing this formation produces (e.g. `Logger == 'web'`, when instances are web.1). */
function neverMatching(config: DroverConfig, types: { name: string; numprocs: number }[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const kind of ['decoders', 'filters', 'outputs'] as const) {
    for (const c of config[kind]) {
      let matcher;
      try {
        matcher = compileMatcher(knownPart(c.match));
      } catch {
        continue; // not an expression this reading understands: no warning rather than a wrong one
      }
      const literals = spans(c.match)
        .filter((t) => t.kind === 'value')
        .map((t) => t.text.slice(1, -1));
      if (probes(config, types, literals).some((m) => matcher(m))) continue;
      problems.push({
        file: c.origin.file,
        line: c.origin.line,
        component: `${kind}.${c.name}`,
        message: `match ${JSON.stringify(c.match)} accepts no message this app produces, so this ${kind.replace(/s$/, '')} never runs`,
        hint: `Logger is an instance such as ${types[0] ? `${types[0].name}.1 (Logger =~ /^${types[0].name}\\./ for every ${types[0].name})` : 'web.1'}, or supervisor for drover's own lines; Type is 'log' (app lines) or 'drover'; Stream is 'stdout' or 'stderr'; Severity is a number 0-7 (3 = err). See "Messages" in docs/configuration.md`,
      });
    }
  }
  return problems;
}

/** Every warning about the pipeline of an app with these process types. */
export function lintPipeline(config: DroverConfig, types: { name: string; numprocs: number }[]): ConfigProblem[] {
  // In reading order, as load reports its own problems.
  return [...sameStream(config), ...neverMatching(config, types)].sort((a, b) => (a.file === b.file ? a.line - b.line : 0));
}
