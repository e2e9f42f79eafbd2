// A small schema language for config sections: each component declares its options beside its code.
import { compileMatcher, MatcherSyntaxError } from '../pipeline/matcher/matcher';
import { parseDuration, parseSize } from './units';

/** The value types an option may have, each with its own parsing and error message. */
export type Field =
  | { type: 'string'; doc: string; default?: string; required?: boolean; pattern?: RegExp; patternHint?: string }
  | { type: 'integer'; doc: string; default?: number; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; doc: string; default?: boolean }
  | { type: 'duration'; doc: string; default?: string | number }
  | { type: 'size'; doc: string; default?: string; min?: number }
  | { type: 'enum'; doc: string; values: readonly (string | boolean)[]; default?: string | boolean }
  | { type: 'string[]'; doc: string; default?: string[] }
  | { type: 'integer[]'; doc: string; default?: number[] }
  | { type: 'map'; doc: string; default?: Record<string, string> }
  | { type: 'matcher'; doc: string; default?: string }
  | { type: 'table'; doc: string; fields: Schema; discriminator?: string; variants?: Record<string, Schema> };

export type Schema = Record<string, Field>;

/** One problem with one option; the caller adds file, line and component. */
export interface OptionProblem {
  key: string;
  message: string;
  hint?: string;
}

const describe = (v: unknown): string =>
  Array.isArray(v) ? `an array ${JSON.stringify(v)}` : typeof v === 'object' && v !== null ? 'a table' : `${typeof v} ${JSON.stringify(v)}`;

/**
 * Checks a TOML table against a schema and returns the options with defaults filled in and units converted
 * (durations to milliseconds, sizes to bytes). Unknown keys are problems, with a suggestion when one is close.
 */
export function applySchema(
  schema: Schema,
  table: Record<string, unknown>,
  prefix = '',
  skip: ReadonlySet<string> = new Set(),
): { options: Record<string, unknown>; problems: OptionProblem[] } {
  const options: Record<string, unknown> = {};
  const problems: OptionProblem[] = [];
  for (const key of Object.keys(table)) {
    if (!(key in schema)) {
      const near = closest(key, Object.keys(schema));
      problems.push({
        key: prefix + key,
        message: `unknown option "${prefix + key}"`,
        hint: near ? `did you mean "${prefix + near}"?` : `known options: ${Object.keys(schema).join(', ')}`,
      });
    }
  }
  for (const [key, field] of Object.entries(schema)) {
    const raw = table[key];
    if (raw === undefined) {
      if ('required' in field && field.required) problems.push({ key: prefix + key, message: `option "${prefix + key}" is required`, hint: field.doc });
      else if (field.type === 'table') options[key] = undefined;
      else if (field.default !== undefined) options[key] = convert(field, field.default, prefix + key, []);
      continue;
    }
    if (skip.has(prefix + key)) {
      options[key] = raw;
      continue;
    }
    options[key] = convert(field, raw, prefix + key, problems);
  }
  return { options, problems };
}

function convert(field: Field, raw: unknown, key: string, problems: OptionProblem[]): unknown {
  const wrong = (expected: string, hint?: string) => {
    problems.push({ key, message: `option "${key}" must be ${expected}, got ${describe(raw)}`, hint: hint ?? field.doc });
    return undefined;
  };
  switch (field.type) {
    case 'string':
      if (typeof raw !== 'string') return wrong('a string');
      if (field.pattern && !field.pattern.test(raw)) return wrong(field.patternHint ?? `a string matching ${field.pattern}`);
      return raw;
    case 'integer':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return wrong('an integer');
      if (field.min !== undefined && raw < field.min) return wrong(`an integer >= ${field.min}`);
      if (field.max !== undefined && raw > field.max) return wrong(`an integer <= ${field.max}`);
      return raw;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : wrong('true or false');
    case 'duration': {
      const ms = parseDuration(raw);
      return ms === undefined ? wrong('a duration such as "500ms", "10s" or "1m" (a bare number is seconds)') : ms;
    }
    case 'size': {
      const bytes = parseSize(raw);
      if (bytes === undefined) return wrong('a size such as "64KB" or "256MB" (a bare number is bytes)');
      if (field.min !== undefined && bytes < field.min) return wrong(`a size of at least ${field.min} bytes`);
      return bytes;
    }
    case 'enum': {
      if (typeof raw === 'string') {
        const hit = field.values.find((v) => typeof v === 'string' && v.toLowerCase() === raw.toLowerCase());
        if (hit !== undefined) return hit;
      } else if (field.values.includes(raw as boolean)) return raw;
      return wrong(`one of ${field.values.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    case 'string[]':
      return Array.isArray(raw) && raw.every((v) => typeof v === 'string') ? raw : wrong('an array of strings');
    case 'integer[]':
      return Array.isArray(raw) && raw.every((v) => Number.isInteger(v)) ? raw : wrong('an array of integers');
    case 'map':
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return wrong('a table of strings, e.g. { NAME = "value" }');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
          return wrong(`a table of strings (the value of "${k}" is ${describe(v)})`);
      }
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    case 'matcher':
      if (typeof raw !== 'string') return wrong('a match expression string, e.g. "TRUE" or "Logger =~ /^web/"');
      try {
        compileMatcher(raw);
        return raw;
      } catch (error) {
        if (!(error instanceof MatcherSyntaxError)) throw error;
        problems.push({
          key,
          message: `option "${key}": ${error.message}`,
          hint: error.hint ?? 'see the matcher section of the configuration reference, e.g. "Logger =~ /^web/ && Severity <= 4"',
        });
        return undefined;
      }
    case 'table': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return wrong('a table');
      const nested = applySchema(tableFields(field, raw as Record<string, unknown>), raw as Record<string, unknown>, key + '.');
      problems.push(...nested.problems);
      return nested.options;
    }
  }
}

/**
 * The fields a table accepts: with a discriminator (e.g. `type`), the common fields plus those of the chosen
 * variant, so `buffer = { type = "memory", path = "x" }` is rejected. An unknown or missing choice accepts the
 * keys of every variant, so only the discriminator itself is reported.
 */
export function tableFields(field: Extract<Field, { type: 'table' }>, raw: Record<string, unknown>): Schema {
  if (!field.discriminator || !field.variants) return field.fields;
  const common = field.fields[field.discriminator];
  const chosen = raw[field.discriminator] ?? (common && 'default' in common ? common.default : undefined);
  const variant = typeof chosen === 'string' ? field.variants[chosen.toLowerCase()] : undefined;
  return variant ? { ...field.fields, ...variant } : Object.assign({}, field.fields, ...Object.values(field.variants));
}

/** The nearest name within an edit distance of 2 (or one containing the word), for "did you mean" hints. */
export function closest(word: string, candidates: string[]): string | undefined {
  const lower = word.toLowerCase();
  if (lower.length >= 4) {
    const containing = candidates.find((c) => c.toLowerCase().includes(lower));
    if (containing) return containing;
  }
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}
