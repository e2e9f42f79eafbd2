// `redact` filter: hides secrets before lines leave the dyno: the values of secret-looking config vars,
// passwords in URLs (postgres://user:pass@host), and whatever the app's own patterns say.
import { defineComponent, type ComponentContext, type Filter } from '../component';
import type { Message } from '../message';
import type { Schema } from '../../config/schema';
import { compileRe2, Re2SyntaxError } from '../matcher/re2';
import { guardFromSplit } from '../formats/split-message';

const schema: Schema = {
  patterns: {
    type: 'string[]',
    default: [],
    doc: 'regular expressions (RE2 syntax, matched in linear time) whose matches are replaced; with a top-level group (?P<secret>...) only that group is, e.g. "card=(?P<secret>\\\\d{12,19})"',
  },
  env: { type: 'string[]', default: [], doc: 'names of environment variables whose values are replaced wherever they appear' },
  env_suffixes: {
    type: 'string[]',
    default: ['_KEY', '_SECRET', '_TOKEN', '_PASSWORD'],
    doc: 'also redact the values of variables whose names end in one of these; [] turns this off',
  },
  url_passwords: { type: 'boolean', default: true, doc: 'replace the password in URLs such as postgres://user:pass@host' },
  min_length: { type: 'integer', default: 4, min: 1, doc: 'values of environment variables shorter than this are not redacted (they would match everywhere)' },
  replacement: { type: 'string', default: '[REDACTED]', doc: 'what replaces each secret' },
  fields: { type: 'boolean', default: true, doc: 'also redact text values in Fields (what decoders found)' },
};

// scheme://user:password@ — the password is the second group.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s/]+)(@)/gi;
const COLON_SLASH_SLASH = Buffer.from('://');
// Values that are settings, not secrets, even in a variable named *_KEY.
const NOT_SECRET = /^(true|false|yes|no|on|off|null|none|nil|undefined|enabled|disabled)$/i;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The secret values to look for in `env`, longest first so a value containing another is replaced whole. */
export function secretValues(env: NodeJS.ProcessEnv, names: string[], suffixes: string[], minLength: number): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < minLength || NOT_SECRET.test(value)) continue;
    if (names.includes(name) || suffixes.some((s) => name.toUpperCase().endsWith(s.toUpperCase()))) values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Checks the bytes first (no text decoding) and rewrites only lines that hold something to hide. */
export class RedactFilter implements Filter {
  private readonly secrets: string[];
  private readonly needles: Buffer[];
  private readonly values: RegExp | undefined;
  /** The app's own patterns: they need the text of every line. `around`: groups 1 and 3 are kept. */
  private readonly patterns: { re: RegExp; around: boolean }[];
  private readonly urls: boolean;
  private readonly replacement: string;
  private readonly redactFields: boolean;

  constructor(options: Record<string, any>, env: NodeJS.ProcessEnv) {
    this.secrets = secretValues(env, options.env, options.env_suffixes, options.min_length);
    this.needles = this.secrets.map((s) => Buffer.from(s, 'utf8'));
    this.values = this.secrets.length ? new RegExp(this.secrets.map(escape).join('|'), 'g') : undefined;
    this.patterns = (options.patterns as string[]).map((p) => {
      const { re, names } = compileRe2(p, false, { global: true, around: 'secret' });
      return { re, around: names.length > 0 };
    });
    this.urls = options.url_passwords;
    this.replacement = options.replacement;
    // Outputs that split long lines cut around it: half a marker would look like a broken line, not a redaction.
    guardFromSplit(this.replacement);
    this.redactFields = options.fields;
  }

  process(message: Message): Message | undefined {
    // A payload a decoder replaced is text already (its bytes are encoded only if an output asks): check the text.
    if (message.rewritten ? this.mayHoldText(message.payload) : this.mayHold(message.raw)) {
      const text = message.payload;
      const redacted = this.redact(text);
      if (redacted !== text) message.payload = redacted;
    }
    if (this.redactFields && message.fields) {
      const fields = message.fields;
      for (const key in fields) {
        const value = fields[key];
        if (typeof value === 'string' && value.length > 0 && this.mayHoldText(value)) {
          const redacted = this.redact(value);
          if (redacted !== value) fields[key] = redacted;
        }
      }
    }
    return message;
  }

  /** The text with every secret replaced (the same string when there was none). */
  redact(text: string): string {
    let out = text;
    if (this.values) out = out.replace(this.values, this.replacement);
    if (this.urls && out.includes('://')) out = out.replace(URL_PASSWORD, `$1${this.replacement}$3`);
    const replacement = this.replacement;
    for (const { re, around } of this.patterns) {
      out = around ? out.replace(re, (_, before: string, _secret: string, after: string) => before + replacement + after) : out.replace(re, () => replacement);
    }
    return out;
  }

  /** Cheap checks on the bytes: env values and URLs can be found there; the app's patterns need the text. */
  private mayHold(raw: Buffer): boolean {
    if (this.patterns.length > 0) return true;
    if (this.urls && raw.indexOf(COLON_SLASH_SLASH) !== -1) return true;
    for (const needle of this.needles) if (raw.indexOf(needle) !== -1) return true;
    return false;
  }

  private mayHoldText(text: string): boolean {
    if (this.patterns.length > 0 || (this.urls && text.includes('://'))) return true;
    for (const secret of this.secrets) if (text.includes(secret)) return true;
    return false;
  }
}

/** The `redact` filter. */
export const redactFilter = defineComponent({
  kind: 'filters',
  type: 'redact',
  summary: 'Replaces secrets in lines and fields: values of secret-looking config vars, URL passwords, and patterns of your own.',
  schema,
  example: '[filters.redact]\ntype = "redact"\nmatch = "TRUE"\nenv = ["DATABASE_URL", "STRIPE_API"]\npatterns = [\'card=(?P<secret>\\d{12,19})\']',
  check(options) {
    return (options.patterns as string[]).flatMap((p, i) => {
      try {
        compileRe2(p, false, { global: true, around: 'secret' });
        return [];
      } catch (error) {
        if (!(error instanceof Re2SyntaxError)) throw error;
        const key = `patterns[${i}]`;
        return [
          {
            key,
            message: `option "${key}" must be a valid RE2 regular expression, got ${JSON.stringify(p)}: ${error.message} at column ${error.offset + 1}`,
            hint: error.hint ?? 'RE2 syntax, as in match expressions; to keep a prefix, replace only a group: card=(?P<secret>\\d+)',
          },
        ];
      }
    });
  },
  create: (options, context: ComponentContext) => new RedactFilter(options, context.env),
});
