// What structured decoders (json, logfmt, regex) share: finding level, message and time among decoded fields.
import type { Schema } from '../../config/schema';
import type { FieldValue, Message } from '../message';
import { severityOf } from './severity';

/** The options naming which keys hold the level, the message and the time; json and logfmt both take them. */
export const pickSchema: Schema = {
  level_keys: {
    type: 'string[]',
    default: ['level', 'severity', 'lvl', 'log.level', 'levelname', 'loglevel'],
    doc: 'keys whose value sets Severity (words such as "warn", syslog numbers 0–7 or bunyan/pino numbers 10–60); the first present wins',
  },
  message_keys: { type: 'string[]', default: ['msg', 'message'], doc: 'keys whose value becomes the Payload (see `payload`); the first present wins' },
  time_keys: {
    type: 'string[]',
    default: ['time', 'timestamp', 'ts', '@timestamp'],
    doc: 'keys whose value sets Timestamp: ISO 8601 text, or epoch seconds, milliseconds, microseconds or nanoseconds; [] keeps the time the line was read',
  },
  payload: {
    type: 'enum',
    values: ['message', 'keep'],
    default: 'message',
    doc: '"message": the message key\'s value replaces the Payload (raw outputs then print it instead of the whole line) and leaves Fields; "keep": the line stays as printed',
  },
};

/** The picking options, read once at create time. */
export interface Picker {
  levelKeys: string[];
  messageKeys: Set<string>;
  timeKeys: string[];
  replacePayload: boolean;
}

/** Reads the picking options of a component. */
export function picker(options: Record<string, any>): Picker {
  return {
    levelKeys: options.level_keys,
    messageKeys: new Set(options.message_keys),
    timeKeys: options.time_keys,
    replacePayload: options.payload === 'message',
  };
}

/** Sets Severity and Timestamp from decoded fields, and the Payload from the message text when one was found. */
export function applyPicked(message: Message, fields: Record<string, FieldValue>, text: string | undefined, pick: Picker): void {
  applyLevelAndTime(message, firstPresent(fields, pick.levelKeys), firstPresent(fields, pick.timeKeys));
  if (text !== undefined) message.payload = text;
}

/** The value of the first of `keys` present in `fields`. */
function firstPresent(fields: Record<string, FieldValue>, keys: string[]): FieldValue | undefined {
  for (const key of keys) {
    // Own keys only: `constructor` or `__proto__` in level_keys must not find Object.prototype's.
    if (Object.hasOwn(fields, key)) return fields[key];
  }
  return undefined;
}

/** Sets Severity from a level value and Timestamp from a time value, each when it reads as one. */
export function applyLevelAndTime(message: Message, level: FieldValue | undefined, time: FieldValue | undefined): void {
  if (level !== undefined) {
    const severity = severityOf(level);
    if (severity >= 0) message.severity = severity;
  }
  if (time !== undefined) {
    const ms = parseTime(time);
    if (ms !== undefined) message.timestamp = ms;
  }
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
// Apache/nginx common log format: 10/Oct/2000:13:55:36 -0700, which Date.parse does not read.
const CLF = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\s*([+-])(\d{2})(\d{2}))?$/;
const NUMERIC = /^\d+(\.\d+)?$/;

/** Milliseconds since the epoch for a time value as loggers write it; undefined when it is not one. */
export function parseTime(value: FieldValue): number | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value.length < 4 || value.length > 40) return undefined;
  const iso = parseIso(value);
  if (iso !== undefined) return iso;
  if (NUMERIC.test(value)) return fromEpoch(Number(value));
  const ms = Date.parse(value);
  if (!Number.isNaN(ms)) return ms;
  const clf = CLF.exec(value);
  if (clf && clf[2] in MONTHS) {
    const utc = Date.UTC(+clf[3], MONTHS[clf[2]], +clf[1], +clf[4], +clf[5], +clf[6]);
    const offset = clf[7] ? (clf[7] === '-' ? -1 : 1) * (+clf[8] * 60 + +clf[9]) * 60_000 : 0;
    return utc - offset;
  }
  return undefined;
}

const digits = (s: string, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
};

/**
 * `2024-05-01T10:00:00.123Z` or `…+02:00` (also with a space for T) by hand: most JSON loggers write this, and
 * Date.parse costs several times more per line. Anything else is left to Date.parse (undefined here).
 */
function parseIso(s: string): number | undefined {
  if (s.length < 20) return undefined;
  let second: number;
  // Lines come in bursts within one second: the date and time part is parsed once per second, not per line.
  if (samePrefix(s)) second = lastSecond;
  else {
    if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
    const t = s.charCodeAt(10);
    if (t !== 84 && t !== 32) return undefined;
    const year = digits(s, 0, 4),
      month = digits(s, 5, 2),
      day = digits(s, 8, 2),
      hour = digits(s, 11, 2),
      minute = digits(s, 14, 2),
      sec = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 60)
      return undefined;
    second = Date.UTC(year, month - 1, day, hour, minute, sec);
    for (let k = 0; k < 19; k++) lastPrefix[k] = s.charCodeAt(k);
    lastSecond = second;
  }
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    // Fractions of any length; only milliseconds matter.
    let scale = 100;
    for (i++; i < s.length; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const zone = s.charCodeAt(i);
  if (zone === 90 && i + 1 === s.length) return second + ms;
  if ((zone === 43 || zone === 45) && i + 6 === s.length && s.charCodeAt(i + 3) === 58) {
    const h = digits(s, i + 1, 2),
      m = digits(s, i + 4, 2);
    if (h < 0 || m < 0) return undefined;
    return second + ms - (zone === 45 ? -1 : 1) * (h * 60 + m) * 60_000;
  }
  return undefined; // no zone (local time) or another form: Date.parse decides
}
const lastPrefix = new Uint16Array(19); // the characters of the last date and time, to the second
let lastSecond = 0;

// A loop over char codes: startsWith() on a remembered string was slower (a runtime call on a sliced string).
function samePrefix(s: string): boolean {
  for (let k = 18; k >= 0; k--) if (s.charCodeAt(k) !== lastPrefix[k]) return false;
  return true;
}

/** Epoch seconds, ms, µs or ns by magnitude (seconds until the year 5138, then ms, and so on). */
function fromEpoch(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.round(n / 1e3);
  if (n < 1e20) return Math.round(n / 1e6);
  return undefined;
}
