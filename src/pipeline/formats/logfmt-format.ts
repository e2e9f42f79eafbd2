// The logfmt format, `time=… level=… logger=web.1 msg="…" key=value…`: as a string for any line, and written
// straight into an output buffer for the common ASCII line.
import type { Message } from '../message';
import { isoOf, levelOf, OWN_KEYS } from './format-fields';
import { putAscii, putInteger, putQuotedAscii } from './ascii-bytes';
import { putPayload } from './json-format';

/** A key logfmt readers accept as is; others get their odd characters replaced by `_`. */
const BARE_KEY = /^[A-Za-z0-9_.@/-]+$/;

/** One logfmt value: bare when it can be, else quoted with JSON escapes. */
function logfmtValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : String(value);
  return text !== '' && isBare(text) ? text : JSON.stringify(text);
}

/** True when a value needs no quotes: no spaces, controls, quotes, `=` or backslashes. A loop, not a regular
 * expression: values are short, and this runs for every field of every line. */
function isBare(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x22 || c === 0x3d || c === 0x5c || (c >= 0x7f && c <= 0xa0) || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

/** `time=… level=… logger=web.1 msg="…" key=value…` */
export function toLogfmt(m: Message): string {
  let line = `time=${isoOf(m.timestamp)} level=${levelOf(m)} logger=${loggerValue(m.logger)} msg=${JSON.stringify(m.payload)}`;
  const fields = m.fields;
  if (fields) {
    for (const k in fields) {
      const key = logfmtKey(k);
      if (key !== '') line += key + logfmtValue(fields[k]);
    }
  }
  return line;
}

// Field names repeat from line to line: each is checked and spelled once (` name=`, or '' for drover's own keys).
// The cache is bounded, for apps whose keys never repeat (ids used as keys).
const KEYS = new Map<string, string>();
function logfmtKey(name: string): string {
  let key = KEYS.get(name);
  if (key === undefined) {
    key = OWN_KEYS.has(name) ? '' : ` ${BARE_KEY.test(name) ? name : name.replace(/[^A-Za-z0-9_.@/-]/g, '_')}=`;
    if (KEYS.size < 4096) KEYS.set(name, key);
  }
  return key;
}

let lastLogger = '';
let lastLoggerValue = '';
function loggerValue(logger: string): string {
  if (logger !== lastLogger) {
    lastLogger = logger;
    lastLoggerValue = logfmtValue(logger);
  }
  return lastLoggerValue;
}

/** The keys of the last line written, by position, and how each is spelled (see logfmtKey). */
const SPELLED_MAX = 64;
const spelledNames: string[] = [];
const spelledKeys: string[] = [];

/** A string value as logfmtValue writes it: bare when it can be, else quoted; in one pass for a bare one. */
function putValue(text: string, bytes: Buffer, at: number, limit: number): number {
  const n = text.length;
  if (n === 0 || at < 0 || at + n > limit) return putQuotedAscii(text, bytes, at, limit);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // What isBare refuses, among ASCII; anything past ASCII is declined by putQuotedAscii too.
    if (c <= 0x20 || c === 0x22 || c === 0x3d || c === 0x5c || c >= 0x7f) return putQuotedAscii(text, bytes, at, limit);
    bytes[at + i] = c;
  }
  return at + n;
}

let headMs = -1;
let headSeverity = -1;
let headLogger = '';
let head: Buffer | undefined;

/**
 * `time=… level=… logger=… msg=` as bytes (undefined when not ASCII), made once for the lines that share their
 * millisecond, severity and instance (most lines of a block): one copy per line instead of a loop per character.
 */
function headOf(m: Message): Buffer | undefined {
  if (m.timestamp !== headMs || m.severity !== headSeverity || m.logger !== headLogger) {
    headMs = m.timestamp;
    headSeverity = m.severity;
    headLogger = m.logger;
    const text = `time=${isoOf(m.timestamp)} level=${levelOf(m)} logger=${loggerValue(m.logger)} msg=`;
    const bytes = Buffer.from(text, 'latin1');
    head = putAscii(text, bytes, 0, bytes.length) < 0 ? undefined : bytes;
  }
  return head;
}

/**
 * Writes the logfmt line of `m` and its newline into bytes[at, limit) and returns where it ends; -1 when the line
 * holds anything but printable ASCII or does not fit, and toLogfmt must write it. Same bytes as toLogfmt + '\n'.
 */
export function writeLogfmtAscii(m: Message, bytes: Buffer, at: number, limit: number): number {
  const head = headOf(m);
  if (head === undefined || at + head.length > limit) return -1;
  bytes.set(head, at);
  at = putPayload(m, bytes, at + head.length, limit);
  const fields = m.fields;
  if (fields) {
    let position = 0;
    for (const k in fields) {
      // The key at this position in the last line, most often the same name (a pointer comparison): no lookup.
      let key: string;
      if (position < SPELLED_MAX) {
        if (spelledNames[position] === k) key = spelledKeys[position];
        else {
          key = spelledKeys[position] = logfmtKey(k);
          spelledNames[position] = k;
        }
        position++;
      } else key = logfmtKey(k);
      if (key === '') continue;
      at = putAscii(key, bytes, at, limit);
      const value = fields[k];
      if (typeof value === 'string') at = putValue(value, bytes, at, limit);
      else if (typeof value === 'number') at = putInteger(value, bytes, at, limit);
      else if (typeof value === 'boolean') at = putAscii(value ? 'true' : 'false', bytes, at, limit);
      else return -1; // not a FieldValue (a filter put something else there): toLogfmt writes String(value)
    }
  }
  if (at < 0 || at >= limit) return -1;
  bytes[at] = 10;
  return at + 1;
}
