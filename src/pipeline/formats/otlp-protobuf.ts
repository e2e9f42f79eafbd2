// OTLP logs in protobuf (opentelemetry/proto/collector/logs/v1): each message encoded once as a LogRecord when
// it is written, and a batch of them wrapped into an ExportLogsServiceRequest when it is sent.
// A small hand-written writer: it writes only the fields drover has and copies a line's bytes as read straight
// into the record, with no object per field and no protobuf library in the bundle (about twice as fast per
// record as protobufjs here).
import type { FieldValue, Message } from '../message';
import { SEVERITY_NAMES } from '../message';
import { attributesOf, INSTANCE_KEY, OTLP_SEVERITY, severityOf, STREAM_KEY, type Envelope, type Scope } from './otlp-record';
import type { ReusedMemory } from './reused-memory';

// Wire types and field tags (field number << 3 | wire type).
const LEN = 2;
const tag = (field: number, wire: number) => (field << 3) | wire;
const T_TIME = tag(1, 1); // LogRecord.time_unix_nano, fixed64
const T_OBSERVED = tag(11, 1); // LogRecord.observed_time_unix_nano, fixed64
const T_SEVERITY = tag(2, 0); // LogRecord.severity_number
const T_SEVERITY_TEXT = tag(3, LEN);
const T_BODY = tag(5, LEN);
const T_ATTRIBUTE = tag(6, LEN);
const T_LOG_RECORD = tag(2, LEN); // ScopeLogs.log_records: every record is stored with this tag and its length
const T_KEY = tag(1, LEN); // KeyValue.key
const T_VALUE = tag(2, LEN); // KeyValue.value
const T_STRING = tag(1, LEN); // AnyValue.string_value
const T_BOOL = tag(2, 0);
const T_INT = tag(3, 0);
const T_DOUBLE = tag(4, 1);

const SEVERITY_TEXT = SEVERITY_NAMES.map((name) => Buffer.from(name));

// buffer.isUtf8 is native (Node 18.14+); without it, only ASCII lines are copied as they are.
const isUtf8 = (require('node:buffer') as { isUtf8?: (input: Uint8Array) => boolean }).isUtf8;
function validUtf8(bytes: Buffer, start: number, end: number): boolean {
  // Most lines are ASCII: a plain loop says so without the view isUtf8 needs (garbage on every line).
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return isUtf8 ? isUtf8(bytes.subarray(start, end)) : false;
  return true;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

// The two most recent whole milliseconds and their fixed64 nanoseconds (a record's time and its observed time).
const lastMs = [NaN, NaN];
const lastNanos = [Buffer.alloc(8), Buffer.alloc(8)];
let lastSlot = 0;

/** Bytes of a protobuf message being written; sizes are known before writing, so it never grows. */
class Out {
  at = 0;
  constructor(readonly bytes: Buffer) {}
  byte(b: number): void {
    this.bytes[this.at++] = b;
  }
  varint(n: number): void {
    while (n >= 128) {
      this.bytes[this.at++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.bytes[this.at++] = n;
  }
  copy(source: Buffer, start = 0, end = source.length): void {
    // A line is short: a loop beats Buffer#copy, which makes a view of the source for every partial copy.
    if (end - start > 256) {
      this.at += source.copy(this.bytes, this.at, start, end);
      return;
    }
    const bytes = this.bytes;
    let at = this.at;
    for (let i = start; i < end; i++) bytes[at++] = source[i];
    this.at = at;
  }
  /** Nanoseconds since the epoch from milliseconds, as fixed64; the last few are remembered (lines come in runs of one time). */
  nanos(ms: number): void {
    const cached = ms === lastMs[0] ? lastNanos[0] : ms === lastMs[1] ? lastNanos[1] : undefined;
    if (cached) {
      this.copy(cached);
      return;
    }
    const start = this.at;
    this.computeNanos(ms);
    const slot = ms === Math.floor(ms) ? (lastSlot ^= 1) : -1;
    if (slot >= 0) {
      lastMs[slot] = ms;
      this.bytes.copy(lastNanos[slot], 0, start, start + 8);
    }
  }
  /** Exactly, without BigInt: a double cannot hold them (1.7e18 > 2^53). */
  private computeNanos(ms: number): void {
    const whole = Math.floor(ms);
    const high = Math.floor(whole / 65536) * 1e6; // < 2^47: exact
    let low = (high % 65536) * 65536 + Math.round((whole % 65536) * 1e6 + (ms - whole) * 1e6);
    const carry = Math.floor(low / 4294967296);
    low -= carry * 4294967296;
    this.bytes.writeUInt32LE(low, this.at);
    this.bytes.writeUInt32LE(Math.floor(high / 65536) + carry, this.at + 4);
    this.at += 8;
  }
}

/** An AnyValue ready to write: its protobuf size and how to write it. */
interface Value {
  size: number;
  text?: Buffer;
  number?: number;
  kind: 'string' | 'bool' | 'int' | 'double';
}

function anyValue(value: FieldValue): Value {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return { kind: 'string', text, size: 1 + varintSize(text.length) + text.length };
  }
  if (typeof value === 'boolean') return { kind: 'bool', number: value ? 1 : 0, size: 2 };
  if (Number.isSafeInteger(value)) return { kind: 'int', number: value, size: 1 + (value < 0 ? 10 : varintSize(value)) };
  return { kind: 'double', number: value, size: 9 };
}

function writeValue(out: Out, value: Value): void {
  if (value.kind === 'string') {
    out.byte(T_STRING);
    out.varint(value.text!.length);
    out.copy(value.text!);
  } else if (value.kind === 'bool') {
    out.byte(T_BOOL);
    out.byte(value.number!);
  } else if (value.kind === 'int') {
    out.byte(T_INT);
    if (value.number! >= 0) out.varint(value.number!);
    else {
      // A negative int64 is its 64-bit two's complement: ten bytes.
      let n = BigInt.asUintN(64, BigInt(value.number!));
      for (let i = 0; i < 9; i++, n >>= 7n) out.byte(Number(n & 127n) | 128);
      out.byte(Number(n));
    }
  } else {
    out.byte(T_DOUBLE);
    out.bytes.writeDoubleLE(value.number!, out.at);
    out.at += 8;
  }
}

/** The attributes of a record or a resource: KeyValue messages, sized. */
type KeyValueList = { key: Buffer; value: Value; size: number }[];

function keyValues(entries: [string, FieldValue][]): KeyValueList {
  return entries.map(([k, v]) => {
    const key = Buffer.from(k, 'utf8');
    const value = anyValue(v);
    const size = 1 + varintSize(key.length) + key.length + 1 + varintSize(value.size) + value.size;
    return { key, value, size };
  });
}

function writeKeyValues(out: Out, fieldTag: number, list: KeyValueList): void {
  for (const kv of list) {
    out.byte(fieldTag);
    out.varint(kv.size);
    out.byte(T_KEY);
    out.varint(kv.key.length);
    out.copy(kv.key);
    out.byte(T_VALUE);
    out.varint(kv.value.size);
    writeValue(out, kv.value);
  }
}

const sizeOf = (list: { size: number }[]) => list.reduce((n, kv) => n + 1 + varintSize(kv.size) + kv.size, 0);

// The instance and stream attributes of a record are the same few values again and again: encoded once each,
// as the LogRecord.attributes fields of a message without fields.
const ownAttributes = new Map<string, Buffer>();
function instanceAndStream(m: Message): Buffer {
  const id = `${m.stream} ${m.logger}`;
  let bytes = ownAttributes.get(id);
  if (!bytes) {
    const list = keyValues([
      [INSTANCE_KEY, m.logger],
      [STREAM_KEY, m.stream],
    ]);
    const out = new Out(Buffer.allocUnsafe(sizeOf(list)));
    writeKeyValues(out, T_ATTRIBUTE, list);
    bytes = out.bytes;
    if (ownAttributes.size < 10_000) ownAttributes.set(id, bytes);
  }
  return bytes;
}

/** One message as `ScopeLogs.log_records` (tag, length, LogRecord), observed now; built in `memory` when given. */
export function logRecordProtobuf(m: Message, observed = Date.now(), memory?: ReusedMemory): Buffer {
  // The body's bytes: a line still as read is copied from the chunk it was read in when it is valid UTF-8
  // (protobuf strings must be); anything else is encoded from its text (invalid bytes become U+FFFD).
  let chunk = m.asciiChunk ?? m.chunkAsRead;
  if (chunk && !m.asciiChunk && !validUtf8(chunk, m.asciiStart, m.chunkEnd)) chunk = undefined;
  const start = chunk ? m.asciiStart : 0;
  const body = chunk ?? Buffer.from(m.payload, 'utf8');
  const bodyLength = chunk ? m.chunkEnd - start : body.length;
  const severity = severityOf(m);
  const text = SEVERITY_TEXT[severity];
  const attributes = m.fields ? keyValues(attributesOf(m)) : undefined;
  const own = attributes ? undefined : instanceAndStream(m);
  const anySize = 1 + varintSize(bodyLength) + bodyLength;
  const size = 9 + 9 + 2 + 1 + varintSize(text.length) + text.length + 1 + varintSize(anySize) + anySize + (own ? own.length : sizeOf(attributes!));
  const length = 1 + varintSize(size) + size;
  const out = new Out(memory ? memory.take(length) : Buffer.allocUnsafe(length));
  out.byte(T_LOG_RECORD);
  out.varint(size);
  out.byte(T_TIME);
  out.nanos(m.timestamp);
  out.byte(T_OBSERVED);
  out.nanos(observed);
  out.byte(T_SEVERITY);
  out.byte(OTLP_SEVERITY[severity]);
  out.byte(T_SEVERITY_TEXT);
  out.varint(text.length);
  out.copy(text);
  out.byte(T_BODY);
  out.varint(anySize);
  out.byte(T_STRING);
  out.varint(bodyLength);
  out.copy(body, start, start + bodyLength);
  if (own) out.copy(own);
  else writeKeyValues(out, T_ATTRIBUTE, attributes!);
  return out.bytes;
}

/** The request around protobuf records: one ResourceLogs with `resource` as attributes, one ScopeLogs of `scope`. */
export function protobufEnvelope(resource: Record<string, string>, scope: Scope): Envelope {
  const entries = Object.entries(resource);
  // Resource { attributes = 1 } as ResourceLogs.resource (1); InstrumentationScope { name = 1, version = 2 } as ScopeLogs.scope (1).
  const attributes = keyValues(entries);
  const resourceSize = sizeOf(attributes);
  const resourceField = new Out(Buffer.allocUnsafe(1 + varintSize(resourceSize) + resourceSize));
  resourceField.byte(tag(1, LEN));
  resourceField.varint(resourceSize);
  writeKeyValues(resourceField, tag(1, LEN), attributes);
  const name = Buffer.from(scope.name);
  const version = Buffer.from(scope.version);
  const scopeSize = 2 + varintSize(name.length) + name.length + varintSize(version.length) + version.length;
  const scopeField = new Out(Buffer.allocUnsafe(1 + varintSize(scopeSize) + scopeSize));
  scopeField.byte(tag(1, LEN));
  scopeField.varint(scopeSize);
  scopeField.byte(tag(1, LEN));
  scopeField.varint(name.length);
  scopeField.copy(name);
  scopeField.byte(tag(2, LEN));
  scopeField.varint(version.length);
  scopeField.copy(version);
  return {
    contentType: 'application/x-protobuf',
    body(records) {
      let recordBytes = 0;
      for (const r of records) recordBytes += r.length;
      const scopeLogs = scopeField.bytes.length + recordBytes;
      const resourceLogs = resourceField.bytes.length + 1 + varintSize(scopeLogs) + scopeLogs;
      const head = new Out(Buffer.allocUnsafe(1 + varintSize(resourceLogs) + resourceField.bytes.length + 1 + varintSize(scopeLogs) + scopeField.bytes.length));
      head.byte(tag(1, LEN)); // ExportLogsServiceRequest.resource_logs
      head.varint(resourceLogs);
      head.copy(resourceField.bytes);
      head.byte(tag(2, LEN)); // ResourceLogs.scope_logs
      head.varint(scopeLogs);
      head.copy(scopeField.bytes);
      const parts = [head.bytes];
      for (const r of records) parts.push(r);
      return parts;
    },
  };
}
