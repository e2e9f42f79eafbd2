// `regex` decoder: a regular expression with named groups turns a line into Fields, e.g. an nginx access log.
import { defineComponent, type Decoder } from '../component';
import type { FieldValue, Message } from '../message';
import type { Schema } from '../../config/schema';
import { compileRe2, Re2SyntaxError } from '../matcher/re2';
import { parseTime } from './pick';
import { severityOf } from './severity';

const schema: Schema = {
  pattern: {
    type: 'string',
    required: true,
    doc: 'a regular expression in RE2 syntax (as the matcher\'s), matched in linear time, with named groups (?P<name>...) or (?<name>...), e.g. "^(?<ip>\\\\S+) .*\\" (?<status>\\\\d{3}) "; each group that matched becomes a field',
  },
  flags: {
    type: 'string',
    default: '',
    pattern: /^[imsu]*$/,
    patternHint: 'a string of the regular-expression flags i, m, s and u',
    doc: "regular-expression flags, as RE2's (?flags): i (ignore case), s (dot matches newline), m (^ and $ match at line breaks); u is accepted and changes nothing",
  },
  severity_group: { type: 'string', default: 'level', doc: 'the group whose text sets Severity (a level word or number), when the pattern has it' },
  timestamp_group: {
    type: 'string',
    default: 'time',
    doc: 'the group whose text sets Timestamp (ISO 8601, epoch or 10/Oct/2000:13:55:36 -0700), when the pattern has it',
  },
  message_group: { type: 'string', default: 'message', doc: 'the group whose text replaces the Payload, when the pattern has it' },
  numbers: { type: 'string[]', default: [], doc: 'groups stored as numbers rather than text, e.g. ["status", "bytes"]' },
};

/** The pattern with its flags, compiled as RE2 (throws Re2SyntaxError); group k + 1 of a match is names[k]. */
function compile(pattern: string, flags: string) {
  const re2Flags = flags.replace(/u/g, '');
  return compileRe2(re2Flags ? `(?${re2Flags})${pattern}` : pattern, true);
}

/** Decodes the lines its pattern matches; the others pass on undecoded. */
export class RegexDecoder implements Decoder {
  private readonly re: RegExp;
  private readonly names: string[];
  private readonly numeric: Set<string>;

  constructor(private readonly options: Record<string, any>) {
    const { re, names } = compile(options.pattern, options.flags);
    this.re = re;
    this.names = names;
    this.numeric = new Set(options.numbers);
  }

  decode(message: Message): void {
    const found = this.re.exec(message.payload);
    if (!found) return;
    const groups: Record<string, string | undefined> = Object.create(null);
    for (let k = 0; k < this.names.length; k++) groups[this.names[k]] = found[k + 1];
    const fields: Record<string, FieldValue> = message.fields ?? {};
    for (const name of this.names) {
      const value = groups[name];
      if (value === undefined || name === this.options.message_group) continue;
      if (this.numeric.has(name)) {
        const n = Number(value);
        fields[name] = value !== '' && Number.isFinite(n) ? n : value;
      } else fields[name] = value;
    }
    message.fields = fields;
    const level = groups[this.options.severity_group];
    if (level !== undefined) {
      const severity = severityOf(level);
      if (severity >= 0) message.severity = severity;
    }
    const time = groups[this.options.timestamp_group];
    if (time !== undefined) {
      const ms = parseTime(time);
      if (ms !== undefined) message.timestamp = ms;
    }
    const text = groups[this.options.message_group];
    if (text !== undefined) message.payload = text;
  }
}

/** The `regex` decoder. */
export const regexDecoder = defineComponent({
  kind: 'decoders',
  type: 'regex',
  summary: 'Decodes lines with a regular expression: each named group becomes a field; level, time and message groups set Severity, Timestamp and Payload.',
  schema,
  example:
    '[decoders.nginx]\ntype = "regex"\nmatch = "Logger =~ /^web/"\npattern = \'^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>[^ "]+)(?: [^"]*)?" (?<status>\\d{3}) (?<bytes>\\d+)\'\nnumbers = ["status", "bytes"]',
  check(options) {
    try {
      if (compile(options.pattern, options.flags).names.length === 0) {
        return [
          {
            key: 'pattern',
            message: `option "pattern" must have at least one named group such as (?<status>\\d+), got ${JSON.stringify(options.pattern)}`,
            hint: 'name the parts you want as fields: (?<name>...) or (?P<name>...)',
          },
        ];
      }
    } catch (error) {
      if (!(error instanceof Re2SyntaxError)) throw error;
      // The column in the pattern as written (the flags prefix is not part of it).
      const column = error.offset + 1 - (options.flags.replace(/u/g, '') ? options.flags.replace(/u/g, '').length + 3 : 0);
      return [
        {
          key: 'pattern',
          message: `option "pattern" must be a valid RE2 regular expression, got ${JSON.stringify(options.pattern)}: ${error.message} at column ${Math.max(column, 1)}`,
          hint: error.hint ?? 'RE2 syntax, as in the matcher (no lookaround or backreferences); in TOML, single-quoted strings keep backslashes as written',
        },
      ];
    }
    return [];
  },
  create: (options) => new RegexDecoder(options),
});
