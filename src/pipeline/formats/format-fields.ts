// What the json and logfmt formats both write: the time, the level name, and the keys they write themselves.
import { SEVERITY_NAMES, type Message } from '../message';

let lastMs = -1;
let lastIso = '';
/** ISO-8601 UTC time of a message, cached per millisecond: consecutive messages mostly share it. */
export function isoOf(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** The level name of a message's severity (`info`, `err`...). */
export function levelOf(m: Message): string {
  return SEVERITY_NAMES[m.severity] ?? String(m.severity);
}

/** Keys the json and logfmt formats write themselves; decoded fields of the same name are not repeated. */
export const OWN_KEYS = new Set(['timestamp', 'time', 'level', 'logger', 'stream', 'message', 'msg', 'type']);
