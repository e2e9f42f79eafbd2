// The json decoder's fast path. Most JSON log lines are one flat object of plain strings, numbers and booleans;
// scanning such a line's bytes straight into Fields costs less than half of JSON.parse and flattening, which make
// an object per line only to copy it. Anything else is left to JSON.parse.
import type { FieldValue } from '../message';
import type { Picker } from './pick';
import { FieldShapes } from './field-shapes';

/** A key seen at one position of an earlier line, and what it means to the Picker. */
interface KnownKey {
  name: string;
  /** The name as bytes (ASCII, no escapes): compared with a line's bytes. */
  bytes: Uint8Array;
  /** Its index in level_keys, or -1. */
  levelRank: number;
  /** Its index in time_keys, or -1. */
  timeRank: number;
  /** True when a string value of it becomes the Payload. */
  isMessage: boolean;
  /**
   * Its last two short string values: a value of fewer than 13 characters is a copy (V8 slices only longer ones),
   * and values such as levels repeat, so a line with the same bytes gets the same string (no copy; its hash, which
   * the severity lookup needs, is computed once).
   */
  value1: string | undefined;
  value2: string | undefined;
}

/** Strings shorter than this are copies when sliced (V8's SlicedString::kMinLength). */
const SHORT = 13;

/** Keys are remembered by position up to here; past it (or when they change from line to line) they are sliced. */
const REMEMBERED_KEYS = 32;

/** Keys remembered by name, at most. */
const KEYS_BY_NAME = 1024;

/**
 * Reads lines that are a flat JSON object. `read` answers false for anything it does not handle (nested objects,
 * arrays, escapes, fractions and exponents, a key repeated where that changes the outcome) and for invalid JSON:
 * JSON.parse then decides. What it accepts, it reads as JSON.parse and flattening would: same Fields in the same
 * order, same level, time and message.
 */
export class FlatJsonReader {
  private readonly keys: KnownKey[] = [];
  /** Every key met lately, by name. */
  private readonly byName = new Map<string, KnownKey>();
  /** The message key's value, which becomes the Payload; undefined when there was none. */
  text: string | undefined;
  /** The value of the key that comes first in level_keys; undefined when none was present. */
  level: FieldValue | undefined;
  /** The same for time_keys. */
  time: FieldValue | undefined;
  private levelRank = Infinity;
  private timeRank = Infinity;
  private sawMessageKey = false;
  /** Keys whose value was null in this line, so far. */
  private readonly nullKeys: string[] = [];
  /** The names and values of the line's fields so far, in order; the object is made at the end. */
  private readonly names: string[] = [];
  private readonly values: FieldValue[] = [];
  private count = 0;
  private readonly shapes = new FieldShapes();

  constructor(private readonly pick: Picker) {}

  /**
   * Reads the ASCII line bytes[start, end), whose text is `line` (character k is byte start + k), into a Fields
   * object. Returns undefined when JSON.parse has to decide.
   */
  read(bytes: Buffer, start: number, end: number, line: string): Record<string, FieldValue> | undefined {
    return this.scan(bytes, start, end, line) ? this.shapes.make(this.names, this.values, this.count) : undefined;
  }

  /** Reads the line into names and values; false when JSON.parse has to decide. */
  private scan(bytes: Buffer, start: number, end: number, line: string): boolean {
    this.text = this.level = this.time = undefined;
    this.levelRank = this.timeRank = Infinity;
    this.sawMessageKey = false;
    this.count = 0;
    if (this.nullKeys.length > 0) this.nullKeys.length = 0;
    let i = skipBlanks(bytes, start, end);
    if (bytes[i] !== 0x7b || i >= end) return false; // {
    i = skipBlanks(bytes, i + 1, end);
    if (bytes[i] === 0x7d && i < end) return skipBlanks(bytes, i + 1, end) === end; // {}
    for (let position = 0; ; position++) {
      if (bytes[i] !== 0x22 || i >= end) return false; // "key"
      const keyStart = i + 1;
      // Most often the key at this position in the previous line: its bytes then its closing quote, in one pass.
      let key: KnownKey | undefined = this.keys[position];
      if (key !== undefined && keyEnd(bytes, keyStart, end, key.bytes)) i = keyStart + key.bytes.length;
      else {
        i = stringEnd(bytes, keyStart, end);
        if (i < 0) return false;
        key = this.keyAt(position, keyStart, i, line, start);
        if (key === undefined) return false;
      }
      i = skipBlanks(bytes, i + 1, end);
      if (bytes[i] !== 0x3a || i >= end) return false; // :
      i = skipBlanks(bytes, i + 1, end);
      if (i >= end) return false;
      const c = bytes[i];
      let value: FieldValue | null;
      if (c === 0x22) {
        const valueStart = i + 1;
        const same = key.value1;
        // The key's last short value again (its bytes, then the closing quote): no scan for the end, no copy.
        if (same !== undefined && stringAt(bytes, valueStart, end, same)) {
          value = same;
          i = valueStart + same.length;
        } else {
          i = stringEnd(bytes, valueStart, end);
          if (i < 0) return false;
          if (i - valueStart >= SHORT) value = line.slice(valueStart - start, i - start);
          else if (key.value2 !== undefined && sameBytes(bytes, valueStart, i, key.value2)) value = key.value2;
          else value = line.slice(valueStart - start, i - start);
          if (i - valueStart < SHORT) {
            key.value2 = same;
            key.value1 = value;
          }
        }
        i++;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const numberStart = i;
        if (c === 0x2d) i++;
        const first = i;
        let n = 0;
        for (; i < end; i++) {
          const digit = bytes[i] - 0x30;
          if (digit < 0 || digit > 9) break;
          n = n * 10 + digit;
        }
        // JSON wants at least one digit, no leading zero, and 15 digits at most keep the sum exact.
        if (i === first || i - first > 15 || (bytes[first] === 0x30 && i - first > 1)) return false;
        if (i < end && (bytes[i] === 0x2e || bytes[i] === 0x65 || bytes[i] === 0x45)) return false; // . e E
        value = first > numberStart ? -n : n;
      } else if (c === 0x74 && i + 4 <= end && bytes[i + 1] === 0x72 && bytes[i + 2] === 0x75 && bytes[i + 3] === 0x65) {
        value = true;
        i += 4;
      } else if (c === 0x66 && i + 5 <= end && bytes[i + 1] === 0x61 && bytes[i + 2] === 0x6c && bytes[i + 3] === 0x73 && bytes[i + 4] === 0x65) {
        value = false;
        i += 5;
      } else if (c === 0x6e && i + 4 <= end && bytes[i + 1] === 0x75 && bytes[i + 2] === 0x6c && bytes[i + 3] === 0x6c) {
        value = null;
        i += 4;
      } else return false; // an object, an array, or not JSON
      if (!this.store(key, value)) return false;
      i = skipBlanks(bytes, i, end);
      if (i >= end) return false;
      if (bytes[i] === 0x7d) return skipBlanks(bytes, i + 1, end) === end; // }
      if (bytes[i] !== 0x2c) return false; // ,
      i = skipBlanks(bytes, i + 1, end);
    }
  }

  /** Puts one key and value where JSON.parse and flattening would; false when only they can tell. */
  private store(key: KnownKey, value: FieldValue | null): boolean {
    if (key.isMessage) {
      // Only the first message key in the object counts, and a repeated key keeps its first place: JSON.parse
      // sorts that out, here it would take bookkeeping a log line never needs.
      if (this.sawMessageKey) return false;
      this.sawMessageKey = true;
      if (typeof value === 'string') {
        this.text = value;
        return true;
      }
    }
    // null is left out of Fields. A key that had a value before and is null now would have to be taken out again,
    // and one that is null first and has a value later would take its place in the order from its first mention.
    if (value === null) {
      this.nullKeys.push(key.name);
      return !this.hasField(key.name);
    }
    if (this.nullKeys.length > 0 && this.nullKeys.includes(key.name)) return false;
    this.names[this.count] = key.name;
    this.values[this.count++] = value;
    // The first of level_keys present wins; a repeated key, as in JSON.parse, with its last value.
    if (key.levelRank >= 0 && key.levelRank <= this.levelRank) {
      this.levelRank = key.levelRank;
      this.level = value;
    }
    if (key.timeRank >= 0 && key.timeRank <= this.timeRank) {
      this.timeRank = key.timeRank;
      this.time = value;
    }
    return true;
  }

  private hasField(name: string): boolean {
    for (let k = 0; k < this.count; k++) if (this.names[k] === name) return true;
    return false;
  }

  /** The key bytes[from, to), not the one at this position in the previous line: remembered from now on. */
  private keyAt(position: number, from: number, to: number, line: string, lineStart: number): KnownKey | undefined {
    const text = line.slice(from - lineStart, to - lineStart);
    // Keys that change places from line to line (two kinds of lines alternating, or no fixed order) are found by
    // name: making a KnownKey for each of them in every line cost more than the position check saves.
    let key = this.byName.get(text);
    if (key === undefined) {
      key = this.newKey(text);
      if (key === undefined) return undefined;
      // Bounded: keys an app makes up (ids as keys) fill it once, and are then made each time, as they must be.
      if (this.byName.size < KEYS_BY_NAME) this.byName.set(text, key);
    }
    if (position < REMEMBERED_KEYS) this.keys[position] = key;
    return key;
  }

  private newKey(text: string): KnownKey | undefined {
    // The key as V8's own property name (internalized), so that storing it in Fields needs no lookup by content.
    const name = Object.keys({ [text]: 0 })[0];
    // `into.__proto__ = value` does not make a field: JSON.parse and flattening decide what it does.
    if (name === '__proto__') return undefined;
    return {
      name,
      bytes: Buffer.from(name, 'latin1'),
      levelRank: this.pick.levelKeys.indexOf(name),
      timeRank: this.pick.timeKeys.indexOf(name),
      isMessage: this.pick.replacePayload && this.pick.messageKeys.has(name),
      value1: undefined,
      value2: undefined,
    };
  }
}

/** The first index from `i` that is not JSON whitespace, or `end`. */
function skipBlanks(bytes: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return i;
    i++;
  }
  return end;
}

/** The index of the quote closing a string whose characters start at `i`; -1 at an escape, a control character or `end`. */
function stringEnd(bytes: Buffer, i: number, end: number): number {
  for (; i < end; i++) {
    const c = bytes[i];
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** True when bytes[from...] holds `name` and then the closing quote. */
function keyEnd(bytes: Buffer, from: number, end: number, name: Uint8Array): boolean {
  const n = name.length;
  if (from + n >= end || bytes[from + n] !== 0x22) return false;
  for (let k = 0; k < n; k++) if (bytes[from + k] !== name[k]) return false;
  return true;
}

/** True when bytes[from...] holds `text` (of a string value read before: no quote, escape or control in it) and then the closing quote. */
function stringAt(bytes: Buffer, from: number, end: number, text: string): boolean {
  const n = text.length;
  if (from + n >= end || bytes[from + n] !== 0x22) return false;
  for (let k = 0; k < n; k++) if (bytes[from + k] !== text.charCodeAt(k)) return false;
  return true;
}

function sameBytes(bytes: Buffer, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (bytes[from + k] !== name.charCodeAt(k)) return false;
  return true;
}
