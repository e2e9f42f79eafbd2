// Writing short ASCII strings straight into a buffer, for formats that build a line per message. Each helper
// takes the position to write at and returns the position after, or -1 — also when given -1, so that calls can be
// chained and checked once — when the text is not ASCII (the caller then encodes the line as UTF-8 its own way)
// or would pass `limit`.

/** Copies `text` when it is all ASCII. */
export function putAscii(text: string, bytes: Buffer, at: number, limit: number): number {
  const n = text.length;
  if (at < 0 || at + n > limit) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return -1;
    bytes[at + i] = c;
  }
  return at + n;
}

/** `text` as a JSON string, as JSON.stringify writes it, for text of printable ASCII (other controls: -1). */
export function putQuotedAscii(text: string, bytes: Buffer, at: number, limit: number): number {
  const n = text.length;
  if (at < 0 || at + n + 2 > limit) return -1;
  bytes[at++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c >= 0x80) return -1;
    if (c === 0x22 || c === 0x5c) {
      // A quote or backslash takes two bytes: check the room again.
      if (at + 2 + (n - i) > limit) return -1;
      bytes[at++] = 0x5c;
    }
    bytes[at++] = c;
  }
  bytes[at++] = 0x22;
  return at;
}

/** The same for source[start, end) as bytes (the line as read, which need not be decoded to be copied). */
export function putQuotedAsciiBytes(source: Buffer, start: number, end: number, bytes: Buffer, at: number, limit: number): number {
  const n = end - start;
  if (at < 0 || at + n + 2 > limit) return -1;
  bytes[at++] = 0x22;
  for (let i = start; i < end; i++) {
    const c = source[i];
    if (c < 0x20 || c >= 0x80) return -1;
    if (c === 0x22 || c === 0x5c) {
      if (at + 2 + (end - i) > limit) return -1;
      bytes[at++] = 0x5c;
    }
    bytes[at++] = c;
  }
  bytes[at++] = 0x22;
  return at;
}

function decimalDigits(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  return digits;
}

/** A number as String() writes it; integers of up to 15 digits without making a string. */
export function putInteger(value: number, bytes: Buffer, at: number, limit: number): number {
  if (at < 0) return -1;
  // Most numbers in logs are small counts and durations: 32-bit integer arithmetic (`| 0`), which V8 compiles to
  // integer operations, where Math.floor(rest / 10) is floating-point division (a tenth of the logfmt format's time).
  if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) {
    const digits = value < 100_000 ? (value < 100 ? (value < 10 ? 1 : 2) : value < 1000 ? 3 : value < 10_000 ? 4 : 5) : decimalDigits(value);
    if (at + digits > limit) return -1;
    for (let i = at + digits - 1, rest = value; i >= at; i--) {
      const tenth = (rest / 10) | 0;
      bytes[i] = 0x30 + rest - tenth * 10;
      rest = tenth;
    }
    return at + digits;
  }
  if (!Number.isInteger(value) || value < 0 || value > 999_999_999_999_999) return putAscii(String(value), bytes, at, limit);
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  if (at + digits > limit) return -1;
  for (let i = at + digits - 1, rest = value; i >= at; i--, rest = Math.floor(rest / 10)) bytes[i] = 0x30 + (rest % 10);
  return at + digits;
}
