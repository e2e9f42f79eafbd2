// `regex` decoder: a regular expression with named groups turns a line into Fields, e.g. an nginx access log.
import { defineComponent, type Decoder } from '../component';
import type { FieldValue, Message } from '../message';
import type { Schema } from '../../config/schema';
import { parseTime } from './pick';
import { severityOf } from './severity';

const schema: Schema = {
  pattern: { type: 'string', required: true, doc: 'a JavaScript regular expression with named groups, e.g. "^(?<ip>\\\\S+) .*\\" (?<status>\\\\d{3}) "; each group that matched becomes a field' },
  flags: { type: 'string', default: '', pattern: /^[imsu]*$/, patternHint: 'a string of the regular-expression flags i, m, s and u', doc: 'regular-expression flags: i (ignore case), s (dot matches newline), m, u' },
  severity_group: { type: 'string', default: 'level', doc: 'the group whose text sets Severity (a level word or number), when the pattern has it' },
  timestamp_group: { type: 'string', default: 'time', doc: 'the group whose text sets Timestamp (ISO 8601, epoch or 10/Oct/2000:13:55:36 -0700), when the pattern has it' },
  message_group: { type: 'string', default: 'message', doc: 'the group whose text replaces the Payload, when the pattern has it' },
  numbers: { type: 'string[]', default: [], doc: 'groups stored as numbers rather than text, e.g. ["status", "bytes"]' },
};

/** The named groups of a pattern, in order; throws the SyntaxError of an invalid one. */
function groupNames(pattern: string, flags: string): string[] {
  new RegExp(pattern, flags); // throws on invalid syntax, for check()
  // A regexp reports its groups only after matching; list them from the source instead.
  return [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]);
}

/** Decodes the lines its pattern matches; the others pass on undecoded. */
export class RegexDecoder implements Decoder {
  private readonly re: RegExp;
  private readonly names: string[];
  private readonly numeric: Set<string>;

  constructor(private readonly options: Record<string, any>) {
    this.re = new RegExp(options.pattern, options.flags);
    this.names = groupNames(options.pattern, options.flags).filter((n) => n !== options.message_group);
    this.numeric = new Set(options.numbers);
  }

  decode(message: Message): void {
    const found = this.re.exec(message.payload);
    const groups = found?.groups;
    if (!groups) return;
    const fields: Record<string, FieldValue> = message.fields ?? {};
    for (const name of this.names) {
      const value = groups[name];
      if (value === undefined) continue;
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
  example: '[decoders.nginx]\ntype = "regex"\nmatch = "Logger =~ /^web/"\npattern = \'^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+)[^"]*" (?<status>\\d{3}) (?<bytes>\\d+)\'\nnumbers = ["status", "bytes"]',
  check(options) {
    try {
      if (groupNames(options.pattern, options.flags).length === 0) {
        return [{ key: 'pattern', message: `option "pattern" must have at least one named group such as (?<status>\\d+), got ${JSON.stringify(options.pattern)}`, hint: 'name the parts you want as fields: (?<name>...)' }];
      }
    } catch (error) {
      return [{ key: 'pattern', message: `option "pattern" must be a valid regular expression, got ${JSON.stringify(options.pattern)}: ${(error as Error).message}`, hint: 'JavaScript syntax; in TOML, single-quoted strings keep backslashes as written' }];
    }
    return [];
  },
  create: (options) => new RegexDecoder(options),
});
