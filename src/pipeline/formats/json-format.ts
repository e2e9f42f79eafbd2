// The json format, `{"timestamp":…,"level":…,"logger":…,"stream":…,"message":…, …fields}`: as a string for any
// line (the http drain sends these too), and written straight into an output buffer for the common ASCII line.
import type { Message } from '../message';
import { isoOf, levelOf, OWN_KEYS } from './format-fields';
import { putAscii, putInteger, putQuotedAscii, putQuotedAsciiBytes } from './ascii-bytes';

/** `{"timestamp":…,"level":…,"logger":…,"stream":…,"message":…, …fields}`, built as a string (no object per line). */
export function toJson(m: Message): string {
  let line = `{"timestamp":"${isoOf(m.timestamp)}","level":"${levelOf(m)}","logger":${JSON.stringify(m.logger)},"stream":"${m.stream}"`;
  if (m.type !== 'log') line += `,"type":${JSON.stringify(m.type)}`;
  line += `,"message":${JSON.stringify(m.payload)}`;
  const fields = m.fields;
  if (fields) for (const k in fields) if (!OWN_KEYS.has(k)) line += `,${JSON.stringify(k)}:${JSON.stringify(fields[k])}`;
  return line + '}';
}

/**
 * Writes the json line of `m` and its newline into bytes[at, limit) and returns where it ends; -1 when the line
 * holds anything but printable ASCII or does not fit, and toJson must write it. Same bytes as toJson + '\n'.
 */
export function writeJsonAscii(m: Message, bytes: Buffer, at: number, limit: number): number {
  at = putAscii('{"timestamp":"', bytes, at, limit);
  at = putAscii(isoOf(m.timestamp), bytes, at, limit);
  at = putAscii('","level":"', bytes, at, limit);
  at = putAscii(levelOf(m), bytes, at, limit);
  at = putAscii('","logger":', bytes, at, limit);
  at = putQuotedAscii(m.logger, bytes, at, limit);
  at = putAscii(',"stream":"', bytes, at, limit);
  at = putAscii(m.stream, bytes, at, limit);
  at = putAscii('"', bytes, at, limit);
  if (m.type !== 'log') {
    at = putAscii(',"type":', bytes, at, limit);
    at = putQuotedAscii(m.type, bytes, at, limit);
  }
  at = putAscii(',"message":', bytes, at, limit);
  at = putPayload(m, bytes, at, limit);
  const fields = m.fields;
  if (fields) {
    for (const k in fields) {
      if (OWN_KEYS.has(k)) continue;
      at = putAscii(',', bytes, at, limit);
      at = putQuotedAscii(k, bytes, at, limit);
      at = putAscii(':', bytes, at, limit);
      const value = fields[k];
      if (typeof value === 'string') at = putQuotedAscii(value, bytes, at, limit);
      else if (typeof value === 'number') at = Number.isFinite(value) ? putInteger(value, bytes, at, limit) : putAscii('null', bytes, at, limit);
      else if (typeof value === 'boolean') at = putAscii(value ? 'true' : 'false', bytes, at, limit);
      else return -1; // not a FieldValue (a filter put something else there): toJson writes what JSON.stringify makes of it
    }
  }
  if (at < 0 || at + 2 > limit) return -1;
  bytes[at] = 0x7d; // }
  bytes[at + 1] = 10;
  return at + 2;
}

/** The payload as a JSON string, from the bytes as read when it is still the line: no decoding to text needed. */
export function putPayload(m: Message, bytes: Buffer, at: number, limit: number): number {
  const chunk = m.chunkAsRead;
  return chunk !== undefined ? putQuotedAsciiBytes(chunk, m.asciiStart, m.chunkEnd, bytes, at, limit) : putQuotedAscii(m.payload, bytes, at, limit);
}

/** head, the records with `separator` between them, then tail: a JSON array body as pieces (see Framing.body). */
export function jsonArrayParts(head: Buffer, records: Buffer[], separator: Buffer, tail: Buffer): Buffer[] {
  const parts = [head];
  for (let i = 0; i < records.length; i++) {
    if (i) parts.push(separator);
    parts.push(records[i]);
  }
  parts.push(tail);
  return parts;
}
