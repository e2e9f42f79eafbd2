// Splitting a message for a transport's limit (Logplex and syslog drains: 10,000 bytes), after filters and
// redaction: every piece keeps the message's severity, fields and timestamp, and a redaction is never cut.
import type { Message } from '../message';
import type { Output } from '../component';

/** How many bytes a message takes once an output has rendered it (without the newline or frame). */
export type Measure = (m: Message) => number;

/** The payload is what is sent (raw lines, syslog MSG in `auto`): its size is its byte length. */
export const payloadSize: Measure = (m) => m.payloadBytes;

/** Replacement texts of redact filters: a cut never falls inside one. */
const guarded = new Set<string>();

/** Tells the splitter never to cut inside `text` (a redact filter's replacement, such as `[REDACTED]`). */
export function guardFromSplit(text: string): void {
  if (text.length > 1) guarded.add(text);
}

/** Bytes a message's fields take at most once rendered (escaping can multiply text by 6): a cheap upper bound. */
function fieldsBound(m: Message): number {
  let total = 0;
  const fields = m.fields;
  if (fields) for (const k in fields) total += k.length + String(fields[k]).length + 4;
  return total;
}

/**
 * True when `m`, rendered as `measure` says, is longer than `limit`. `rendered` outputs (logfmt, json) are measured
 * only when a cheap bound says they might be too long, so that most lines cost nothing.
 */
export function tooLong(m: Message, limit: number, measure: Measure): boolean {
  if (measure === payloadSize) return m.payloadBytes > limit;
  // Every rendering holds the payload whole (escaped, never shorter): a payload past the limit is too long without
  // rendering a line that may be 1 MiB long only to measure it.
  if (m.payloadBytes > limit) return true;
  if ((m.payloadBytes + fieldsBound(m)) * 6 + 256 < limit) return false;
  return measure(m) > limit;
}

/** The last cut at or before `at` (and after `start`) that splits neither a UTF-8 character nor a guarded text. */
function cutAt(bytes: Buffer, start: number, at: number): number {
  if (at >= bytes.length) return bytes.length;
  let cut = at;
  while (cut > start + 1 && (bytes[cut] & 0xc0) === 0x80) cut--;
  for (const text of guarded) {
    // An occurrence that begins before the cut and ends after it: cut before it instead.
    const from = Math.max(start, cut - Buffer.byteLength(text) + 1);
    const found = bytes.indexOf(text, from, 'utf8');
    if (found >= 0 && found < cut && found > start) cut = found;
  }
  return cut > start ? cut : Math.min(bytes.length, start + 1);
}

/** Pieces of `m`, each at most `limit` bytes once rendered (unless the rest of the rendering alone is longer). */
export function splitMessage(m: Message, limit: number, measure: Measure): Message[] {
  const bytes = m.raw;
  const overhead = measure === payloadSize ? 0 : measure(m.piece(Buffer.alloc(0)));
  // Fields longer than the limit leave little room: pieces of at least 64 bytes then, even if over it.
  const budget = Math.max(measure === payloadSize ? 1 : 64, limit - overhead);
  const pieces: Message[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = cutAt(bytes, start, start + budget);
    let piece = m.piece(bytes.subarray(start, end));
    // Escaping made this piece longer than the limit: cut it shorter, in proportion, until it fits.
    for (let size = measure === payloadSize ? 0 : measure(piece); size > limit && end - start > 1; size = measure(piece)) {
      const room = Math.max(1, Math.floor(((end - start) * budget) / (size - overhead)) - 1);
      end = cutAt(bytes, start, start + Math.min(room, end - start - 1));
      piece = m.piece(bytes.subarray(start, end));
    }
    pieces.push(piece);
    start = end;
  }
  return pieces.length ? pieces : [m];
}

/** Makes `output` split messages longer than `limit` (0: never) before writing them, piece by piece. */
export function splitForTransport<T extends Output>(output: T, limit: number, measure: Measure, remote = false): T {
  if (remote) output.remote = true;
  if (!limit) return output;
  const write = output.write.bind(output);
  output.write = (m: Message) => {
    if (!tooLong(m, limit, measure)) return write(m);
    let more = true;
    for (const piece of splitMessage(m, limit, measure)) more = write(piece) && more;
    return more;
  };
  return output;
}
