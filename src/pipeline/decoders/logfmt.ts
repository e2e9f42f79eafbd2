// `logfmt` decoder: `at=info method=GET path="/x y" status=200` becomes Fields, with level, message and time
// picked up from the usual keys. A line that is not logfmt passes on undecoded.
import { defineComponent, type Decoder } from '../component';
import { setField, type FieldValue, type Message } from '../message';
import type { Schema } from '../../config/schema';
import { applyPicked, pickSchema, picker, type Picker } from './pick';

const schema: Schema = {
  ...pickSchema,
  level_keys: { ...pickSchema.level_keys, default: ['level', 'lvl', 'severity', 'at'] } as Schema[string],
  partial: {
    type: 'boolean',
    default: false,
    doc: 'take key=value pairs from anywhere in the line and ignore other words ("Started GET / user=42"); by default a line is decoded only when every word is a pair',
  },
};

const SPACE = 0x20,
  TAB = 0x09,
  EQUALS = 0x3d,
  QUOTE = 0x22,
  BACKSLASH = 0x5c;

/**
 * Parses logfmt into `into`; returns how many pairs it found, or -1 when a word is not a pair and `partial`
 * is off (the caller then leaves the message alone, so `into` must be fresh).
 */
export function parseLogfmt(line: string, into: Record<string, FieldValue>, partial: boolean): number {
  const n = line.length;
  let i = 0;
  let pairs = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n && (c = line.charCodeAt(i)) !== EQUALS && c !== SPACE && c !== TAB && c !== QUOTE) i++;
    if (i === keyStart || i >= n || c !== EQUALS) {
      // A bare word, or a key without `=`: not logfmt unless we are picking pairs out of prose.
      if (!partial) return -1;
      if (c === QUOTE) i = skipQuoted(line, i);
      while (i < n && (c = line.charCodeAt(i)) !== SPACE && c !== TAB) i++;
      continue;
    }
    const key = line.slice(keyStart, i);
    i++; // past '='
    let value: string;
    if (i < n && line.charCodeAt(i) === QUOTE) {
      const end = skipQuoted(line, i);
      value = unquote(line, i, end);
      i = end;
      if (i < n && (c = line.charCodeAt(i)) !== SPACE && c !== TAB && !partial) return -1;
    } else {
      const valueStart = i;
      while (i < n && (c = line.charCodeAt(i)) !== SPACE && c !== TAB) i++;
      value = line.slice(valueStart, i);
    }
    setField(into, key, value);
    pairs++;
  }
  return pairs;
}

/** The index just past the closing quote of the string starting at `start` (or the line's end when unclosed). */
function skipQuoted(line: string, start: number): number {
  let i = start + 1;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return line.length;
}

function unquote(line: string, start: number, end: number): string {
  const closed = end - start >= 2 && line.charCodeAt(end - 1) === QUOTE;
  const inner = line.slice(start + 1, closed ? end - 1 : end);
  if (inner.indexOf('\\') === -1) return inner;
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return inner.replace(/\\(.)/g, '$1'); // not a JSON escape (e.g. \x): keep the character after the backslash
  }
}

/** Decodes logfmt lines into Fields. */
export class LogfmtDecoder implements Decoder {
  constructor(
    private readonly pick: Picker,
    private readonly partial: boolean,
  ) {}

  decode(message: Message): void {
    const fields: Record<string, FieldValue> = {};
    if (parseLogfmt(message.payload, fields, this.partial) <= 0) return;
    let text: string | undefined;
    if (this.pick.replacePayload) {
      for (const key of this.pick.messageKeys) {
        const value = fields[key];
        if (typeof value === 'string') {
          text = value;
          delete fields[key]; // the Payload carries it now
          break;
        }
      }
    }
    if (message.fields) for (const key in fields) setField(message.fields, key, fields[key]);
    else message.fields = fields;
    applyPicked(message, fields, text, this.pick);
  }
}

/** The `logfmt` decoder. */
export const logfmtDecoder = defineComponent({
  kind: 'decoders',
  type: 'logfmt',
  summary: 'Decodes logfmt lines (key=value key="quoted value") into Fields, picking up level, message and time.',
  schema,
  example: '[decoders.router]\ntype = "logfmt"\nmatch = "Logger =~ /^web/"\n# partial = true',
  create: (options) => new LogfmtDecoder(picker(options), options.partial),
});
