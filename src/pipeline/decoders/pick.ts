// What structured decoders (json, logfmt, regex) share: finding level, message and time among decoded fields.
import type { Schema } from '../../config/schema';
import type { FieldValue, Message } from '../message';
import { severityOf } from './severity';

/** The options naming which keys hold the level, the message and the time; json and logfmt both take them. */
export const pickSchema: Schema = {
  level_keys: { type: 'string[]', default: ['level', 'severity', 'lvl', 'log.level', 'levelname', 'loglevel'], doc: 'keys whose value sets Severity (words such as "warn", syslog numbers 0–7 or bunyan/pino numbers 10–60); the first present wins' },
  message_keys: { type: 'string[]', default: ['msg', 'message'], doc: 'keys whose value becomes the Payload (see `payload`); the first present wins' },
  time_keys: { type: 'string[]', default: ['time', 'timestamp', 'ts', '@timestamp'], doc: 'keys whose value sets Timestamp: ISO 8601 text, or epoch seconds, milliseconds, microseconds or nanoseconds; [] keeps the time the line was read' },
  payload: { type: 'enum', values: ['message', 'keep'], default: 'message', doc: '"message": the message key\'s value replaces the Payload (raw outputs then print it instead of the whole line) and leaves Fields; "keep": the line stays as printed' },
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
  return { levelKeys: options.level_keys, messageKeys: new Set(options.message_keys), timeKeys: options.time_keys, replacePayload: options.payload === 'message' };
}

/** Sets Severity and Timestamp from decoded fields, and the Payload from the message text when one was found. */
export function applyPicked(message: Message, fields: Record<string, FieldValue>, text: string | undefined, pick: Picker): void {
  for (const key of pick.levelKeys) {
    const value = fields[key];
    if (value === undefined) continue;
    const severity = severityOf(value);
    if (severity >= 0) message.severity = severity;
    break;
  }
  for (const key of pick.timeKeys) {
    const value = fields[key];
    if (value === undefined) continue;
    const ms = parseTime(value);
    if (ms !== undefined) message.timestamp = ms;
    break;
  }
  if (text !== undefined) message.payload = text;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
// Apache/nginx common log format: 10/Oct/2000:13:55:36 -0700, which Date.parse does not read.
const CLF = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\s*([+-])(\d{2})(\d{2}))?$/;
const NUMERIC = /^\d+(\.\d+)?$/;

/** Milliseconds since the epoch for a time value as loggers write it; undefined when it is not one. */
export function parseTime(value: FieldValue): number | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value.length < 4 || value.length > 40) return undefined;
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

/** Epoch seconds, ms, µs or ns by magnitude (seconds until the year 5138, then ms, and so on). */
function fromEpoch(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.round(n / 1e3);
  if (n < 1e20) return Math.round(n / 1e6);
  return undefined;
}
