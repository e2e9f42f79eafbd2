// What an OTLP LogRecord carries from a message, whatever the encoding (otlp-protobuf.ts, otlp-json.ts).
import type { FieldValue, Message } from '../message';

/** SeverityNumber of each syslog severity (0 emerg to 7 debug), as the OpenTelemetry data model's Appendix B maps them. */
export const OTLP_SEVERITY = [21, 19, 18, 17, 13, 10, 9, 5] as const;

/** The record attributes every message gets besides its fields: the instance that printed it and its stream. */
export const INSTANCE_KEY = 'process.instance';
export const STREAM_KEY = 'log.iostream';

export type OtlpEncoding = 'protobuf' | 'json';

/** The instrumentation scope of every record: drover and its version. */
export interface Scope {
  name: string;
  version: string;
}

/** The parts of an ExportLogsServiceRequest that are the same for every batch of one output. */
export interface Envelope {
  contentType: string;
  /** The request body for these records (as made by logRecordProtobuf or logRecordJson), as pieces: see Framing.body. */
  body(records: Buffer[]): Buffer | Buffer[];
}

/** The syslog severity of a message as an index 0 (emerg) to 7 (debug). */
export const severityOf = (m: Message): number => Math.min(7, Math.max(0, m.severity | 0));

/** A message's own attributes: its fields, then the instance and stream (which win over fields of those names). */
export function attributesOf(m: Message): [string, FieldValue][] {
  const list: [string, FieldValue][] = [];
  const fields = m.fields;
  if (fields) for (const k in fields) if (k !== INSTANCE_KEY && k !== STREAM_KEY && Object.hasOwn(fields, k)) list.push([k, fields[k]]);
  list.push([INSTANCE_KEY, m.logger], [STREAM_KEY, m.stream]);
  return list;
}
