// OTLP logs in the OTLP JSON mapping (lowerCamelCase keys, 64-bit integers as decimal strings, enums as numbers).
import type { FieldValue, Message } from '../message';
import { SEVERITY_NAMES } from '../message';
import { jsonArrayParts } from './json-format';
import type { ReusedMemory } from './reused-memory';
import { attributesOf, OTLP_SEVERITY, severityOf, type Envelope, type Scope } from './otlp-record';

/** Nanoseconds since the epoch as a decimal string (the JSON mapping of a fixed64). */
function nanosText(ms: number): string {
  let whole = Math.floor(ms);
  let fraction = Math.round((ms - whole) * 1e6); // ms * 1e6 would round to a multiple of 256 ns
  if (fraction === 1e6) [whole, fraction] = [whole + 1, 0];
  return whole > 0 ? `${whole}${String(fraction).padStart(6, '0')}` : String(fraction);
}

function jsonValue(value: FieldValue): string {
  if (typeof value === 'string') return `{"stringValue":${JSON.stringify(value)}}`;
  if (typeof value === 'boolean') return `{"boolValue":${value}}`;
  if (Number.isSafeInteger(value)) return `{"intValue":"${value}"}`; // int64 is a string in the JSON mapping
  return `{"doubleValue":${Number.isFinite(value) ? value : JSON.stringify(String(value))}}`; // "NaN", "Infinity"
}

/** One message as a LogRecord in the OTLP JSON mapping (lowerCamelCase keys, 64-bit integers as strings); built in `memory` when given. */
export function logRecordJson(m: Message, observed = Date.now(), memory?: ReusedMemory): Buffer {
  const severity = severityOf(m);
  let json = `{"timeUnixNano":"${nanosText(m.timestamp)}","observedTimeUnixNano":"${nanosText(observed)}","severityNumber":${OTLP_SEVERITY[severity]},"severityText":"${SEVERITY_NAMES[severity]}","body":{"stringValue":${JSON.stringify(m.payload)}},"attributes":[`;
  const attributes = attributesOf(m);
  for (let i = 0; i < attributes.length; i++) json += `${i ? ',' : ''}{"key":${JSON.stringify(attributes[i][0])},"value":${jsonValue(attributes[i][1])}}`;
  json += ']}';
  if (!memory) return Buffer.from(json, 'utf8');
  const bytes = memory.take(Buffer.byteLength(json));
  bytes.write(json);
  return bytes;
}

/** The request around JSON records: one ResourceLogs with `resource` as attributes, one ScopeLogs of `scope`. */
export function jsonEnvelope(resource: Record<string, string>, scope: Scope): Envelope {
  const attributes = Object.entries(resource)
    .map(([k, v]) => `{"key":${JSON.stringify(k)},"value":${jsonValue(v)}}`)
    .join(',');
  const head = Buffer.from(
    `{"resourceLogs":[{"resource":{"attributes":[${attributes}]},"scopeLogs":[{"scope":{"name":${JSON.stringify(scope.name)},"version":${JSON.stringify(scope.version)}},"logRecords":[`,
  );
  const tail = Buffer.from(']}]}]}');
  const comma = Buffer.from(',');
  return { contentType: 'application/json', body: (records) => jsonArrayParts(head, records, comma, tail) };
}
