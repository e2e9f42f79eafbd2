// Severity from level words (ERROR, warn, Notice...) and numbers: shared by every decoder and a decoder of its own.
import { defineComponent, type Decoder } from '../component';
import { SEVERITY, type Message } from '../message';
import type { Schema } from '../../config/schema';

const WORDS: Record<string, number> = {
  emerg: SEVERITY.emerg,
  emergency: SEVERITY.emerg,
  panic: SEVERITY.emerg,
  alert: SEVERITY.alert,
  crit: SEVERITY.crit,
  critical: SEVERITY.crit,
  fatal: SEVERITY.crit,
  err: SEVERITY.err,
  error: SEVERITY.err,
  eror: SEVERITY.err,
  warn: SEVERITY.warning,
  warning: SEVERITY.warning,
  notice: SEVERITY.notice,
  info: SEVERITY.info,
  information: SEVERITY.info,
  informational: SEVERITY.info,
  debug: SEVERITY.debug,
  trace: SEVERITY.debug,
  verbose: SEVERITY.debug,
};

// Lower, UPPER and Capitalised spellings up front, so the common cases need no toLowerCase() per message.
const LOOKUP = new Map<string, number>();
for (const [word, severity] of Object.entries(WORDS)) {
  LOOKUP.set(word, severity);
  LOOKUP.set(word.toUpperCase(), severity);
  LOOKUP.set(word[0].toUpperCase() + word.slice(1), severity);
}

let lastWord = '';
let lastSeverity = -1;
let otherWord = '';
let otherSeverity = -1;

/**
 * The syslog severity (0–7) a level value stands for, or -1 when it names none. Numbers 0–7 are syslog
 * severities; 10–60 are bunyan/pino levels (10 trace … 60 fatal).
 */
export function severityOf(value: unknown): number {
  if (typeof value === 'string') {
    // The last two words looked up, first: lines alternate between a few levels, and comparing a string that is
    // the same one (the json decoder reuses a repeated value's string) costs less than hashing it for the Map.
    if (value === lastWord) return lastSeverity;
    if (value === otherWord) return otherSeverity;
    const hit = LOOKUP.get(value);
    if (hit !== undefined) {
      otherWord = lastWord;
      otherSeverity = lastSeverity;
      lastWord = value;
      lastSeverity = hit;
      return hit;
    }
    if (value.length > 13) return -1;
    const lower = LOOKUP.get(value.trim().toLowerCase());
    if (lower !== undefined) return lower;
    return /^\d+$/.test(value) ? severityOf(Number(value)) : -1;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value >= 0 && value <= 7) return value;
    if (value >= 10 && value <= 60)
      return value <= 20 ? SEVERITY.debug : value <= 30 ? SEVERITY.info : value <= 40 ? SEVERITY.warning : value <= 50 ? SEVERITY.err : SEVERITY.crit;
  }
  return -1;
}

const ALTERNATIVES = 'EMERG(?:ENCY)?|PANIC|ALERT|CRIT(?:ICAL)?|FATAL|ERR(?:OR)?|WARN(?:ING)?|NOTICE|INFO|DEBUG|TRACE';
// A level word stands alone: at the start, after a space or opening bracket, and before a space, colon or bracket.
// Lower-case words ("error") are too common in prose to count unless `ignore_case` is set.
const WORD_CASED = new RegExp(`(?:^|[\\s\\[(<|,])(${ALTERNATIVES})(?=$|[\\s\\])>|:,])`);
const WORD_ANY = new RegExp(WORD_CASED.source, 'i');
// `level=warn`, `"level":"warn"`, `severity: error` — in any case, since the key says what the word is.
const KEYED = /(?:level|lvl|severity)"?\s*[=:]\s*"?([A-Za-z]+)/i;

/** Finds a level word near the start of a line: the severity, and the word as printed; undefined when none. */
export function detectSeverity(text: string, ignoreCase: boolean, maxOffset: number): { severity: number; word: string } | undefined {
  const head = text.length > maxOffset ? text.slice(0, maxOffset) : text;
  const keyed = KEYED.exec(head);
  if (keyed) {
    const severity = severityOf(keyed[1]);
    if (severity >= 0) return { severity, word: keyed[1] };
  }
  const found = (ignoreCase ? WORD_ANY : WORD_CASED).exec(head);
  return found ? { severity: severityOf(found[1]), word: found[1] } : undefined;
}

const schema: Schema = {
  ignore_case: {
    type: 'boolean',
    default: false,
    doc: 'also accept lower-case level words such as "error:" or "[warn]" (by default only ERROR, WARN... and key=value forms such as level=warn count)',
  },
  max_offset: { type: 'integer', default: 200, min: 1, doc: 'look for the level word only in this many first characters of the line, where loggers put it' },
  field: {
    type: 'string',
    default: '',
    doc: 'also store the word found (lower-cased) in this field, e.g. "level" so that Fields[level] works as for JSON lines; empty: no field',
  },
};

/** The `severity` decoder: sets Severity from a level word in a plain-text line. */
export const severityDecoder = defineComponent({
  kind: 'decoders',
  type: 'severity',
  summary: 'Sets Severity from a level word near the start of a plain-text line (ERROR, WARN, [info], level=debug...).',
  schema,
  example: '[decoders.levels]\ntype = "severity"\nmatch = "Type == \'log\'"\nfield = "level"',
  create(options): Decoder {
    const ignoreCase = options.ignore_case as boolean;
    const maxOffset = options.max_offset as number;
    const field = options.field as string;
    return {
      decode(message: Message) {
        const found = detectSeverity(message.payload, ignoreCase, maxOffset);
        if (!found) return;
        message.severity = found.severity;
        if (field) (message.fields ??= {})[field] = found.word.toLowerCase();
      },
    };
  },
});
