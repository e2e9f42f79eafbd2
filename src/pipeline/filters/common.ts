// What several filters share: reading a message variable named in config, and durations in summaries.
import type { Message } from '../message';

const VARIABLES: Record<string, (m: Message) => unknown> = {
  Logger: (m) => m.logger,
  Type: (m) => m.type,
  Stream: (m) => m.stream,
  Severity: (m) => m.severity,
  Payload: (m) => m.payload,
  Hostname: (m) => m.hostname,
  Pid: (m) => m.pid,
};

/** The option pattern for a key: a message variable or Fields[name]. */
export const KEY_PATTERN = /^(Logger|Type|Stream|Severity|Payload|Hostname|Pid|Fields\[[^\]]+\])$/;
export const KEY_HINT = 'one of Logger, Type, Stream, Severity, Payload, Hostname, Pid or Fields[name]';

/** A function reading the variable `spec` names (validated by KEY_PATTERN), as a string key for maps. */
export function keyReader(spec: string): (m: Message) => string {
  const field = /^Fields\[\s*['"]?([^\]'"]+?)['"]?\s*\]$/.exec(spec);
  if (field) {
    const name = field[1];
    return (m) => {
      const value = m.fields?.[name];
      return value === undefined ? '' : String(value);
    };
  }
  if (spec === 'Logger') return (m) => m.logger; // the common case, without String()
  const read = VARIABLES[spec];
  if (!read) throw new Error(`key must be ${KEY_HINT}, got ${JSON.stringify(spec)}`);
  return (m) => String(read(m));
}

/** "1s", "500ms", "2m", "1.5h": a duration in ms, as people write it in config. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}
