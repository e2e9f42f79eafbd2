// How outputs turn messages into lines: raw, heroku, prefixed, json, logfmt (and auto, which picks one of them).
import type { FdWriter } from '../io/writer';
import type { Message } from '../message';
import { oneInstance, type InstanceName } from '../component';
import { toJson, writeJsonAscii } from './json-format';
import { toLogfmt, writeLogfmtAscii } from './logfmt-format';

export const FORMATS = ['auto', 'raw', 'heroku', 'prefixed', 'json', 'logfmt'] as const;
export type FormatName = (typeof FORMATS)[number];
export type ConcreteFormat = Exclude<FormatName, 'auto'>;

/** What every line of one block shares: the fast path writes blocks of lines without making messages. */
export interface BlockSource {
  logger: string;
  stream: 'stdout' | 'stderr';
  pid: number;
  hostname: string;
  severity: number;
  type: string;
  /** Fields every message of this source starts with (an input's `path`), copied into each message made. */
  fields?: Record<string, string | number | boolean>;
}

/** Writes messages (and, for the fast path, blocks of whole lines) in one format. */
export interface Encoder {
  message(m: Message, out: FdWriter): void;
  /** Lines of `chunk` from start to end, each ending in `\n`, all from one source at one time. */
  lines?(chunk: Buffer, start: number, end: number, source: BlockSource, timestamp: number, out: FdWriter): void;
}

/**
 * `auto`: raw where a platform adds its own prefix and only one instance runs in the container (the platform's
 * prefix names it), foreman-style prefixed elsewhere and wherever several instances share the output. Without
 * `instances`, as at start with one; autoEncoder asks again at each write.
 */
export function resolveFormat(format: FormatName, onPlatform: boolean, instances = 1): ConcreteFormat {
  return format === 'auto' ? (onPlatform && instances <= 1 ? 'raw' : 'prefixed') : format;
}

/** True on Heroku (DYNO), Cloud Foundry (VCAP_APPLICATION) or a CNB platform (CNB_* variables at launch). */
export function isOnPlatform(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DYNO || env.VCAP_APPLICATION || env.CNB_APP_DIR || env.CNB_LAYERS_DIR);
}

/**
 * `auto` on a platform, decided at each write: raw while one instance runs, prefixed while several do, so that a
 * `drover scale` names the lines from then on (and a scale back to one drops the names again).
 */
export function autoEncoder(color: boolean, instances: () => readonly InstanceName[]): Encoder {
  const prefixed = prefixedEncoder(color, instances);
  const now = () => (resolveFormat('auto', true, instances().length) === 'raw' ? rawEncoder : prefixed);
  return {
    message: (m, out) => now().message(m, out),
    lines: (chunk, start, end, source, timestamp, out) => now().lines!(chunk, start, end, source, timestamp, out),
  };
}

/** The encoder of a format; `instances` (the formation) sizes the prefixed format's name column. */
export function createEncoder(format: ConcreteFormat, options: { color: boolean; instances?: () => readonly InstanceName[] }): Encoder {
  switch (format) {
    case 'raw':
      return rawEncoder;
    case 'heroku':
      return herokuEncoder();
    case 'prefixed':
      return prefixedEncoder(options.color, options.instances ?? oneInstance);
    case 'json':
      return jsonEncoder;
    case 'logfmt':
      return logfmtEncoder;
  }
}

// Most lines are ASCII: written straight into the output's buffer, with no string built per line (the slower
// general path, for the rest, builds the line as a string and encodes it).
const logfmtEncoder: Encoder = {
  message(m, out) {
    if (!out.lineInPlace(m, writeLogfmtAscii)) out.text(toLogfmt(m) + '\n');
  },
};

const jsonEncoder: Encoder = {
  message(m, out) {
    if (!out.lineInPlace(m, writeJsonAscii)) out.text(toJson(m) + '\n');
  },
};

const rawEncoder: Encoder = {
  message(m, out) {
    out.bytes(m.raw);
    out.byte(10);
  },
  lines(chunk, start, end, _source, _timestamp, out) {
    out.bytes(chunk, start, end);
  },
};

/** `2026-11-23T17:31:07.123000+00:00`, the timestamp Heroku's log lines carry, for a time in ms. */
export function isoMicros(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 23) + '000+00:00';
}

/** A per-logger prefix, rebuilt only when the millisecond changes. */
function prefixCache(build: (m: { logger: string; type: string; timestamp: number }) => string) {
  const cache = new Map<string, { timestamp: number; prefix: Buffer }>();
  return (logger: string, type: string, timestamp: number): Buffer => {
    const key = type === 'log' ? logger : `${type}:${logger}`;
    const hit = cache.get(key);
    if (hit && hit.timestamp === timestamp) return hit.prefix;
    const prefix = Buffer.from(build({ logger, type, timestamp }), 'utf8');
    cache.set(key, { timestamp, prefix });
    return prefix;
  };
}

function herokuEncoder(): Encoder {
  const prefix = prefixCache(({ logger, type, timestamp }) => `${isoMicros(timestamp)} ${type === 'log' ? 'app' : type}[${logger}]: `);
  return {
    message(m, out) {
      out.bytes(prefix(m.logger, m.type, m.timestamp));
      out.bytes(m.raw);
      out.byte(10);
    },
    lines(chunk, start, end, source, timestamp, out) {
      out.prefixLines(prefix(source.logger, source.type, timestamp), chunk, start, end);
    },
  };
}

const COLORS = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94];

/** The shortest name column: foreman's, which fits its own `system`. */
const MIN_WIDTH = 6;

/**
 * The name column fits every instance of the formation from the first line, as foreman sizes it from all process
 * names at start: lines stay aligned when a longer name speaks first. drover's own lines about an instance are
 * named `drover[web.1]`, so the column fits that. A longer name still widens it when it appears (an output's
 * report, `drover[outputs.papertrail]`; a scale that adds web.10).
 */
function columnFor(instances: readonly InstanceName[]): number {
  let width = MIN_WIDTH;
  for (const { name } of instances) if (name) width = Math.max(width, 'drover[]'.length + name.length);
  return width;
}

function prefixedEncoder(color: boolean, instances: () => readonly InstanceName[]): Encoder {
  let width = MIN_WIDTH;
  // The formation last measured: measured again only when it changes (a scale).
  let measured: readonly InstanceName[] | undefined;
  let measuredSize = 0;
  const colors = new Map<string, number>();
  const prefix = prefixCache(({ logger, type, timestamp }) => {
    const formation = instances();
    if (formation !== measured || formation.length !== measuredSize) {
      measured = formation;
      measuredSize = formation.length;
      width = Math.max(width, columnFor(formation));
    }
    // drover's own lines say which instance they are about: `drover[web.1]`, or `drover` for the supervisor.
    const name = type === 'log' ? logger : logger === 'supervisor' || logger === type ? type : `${type}[${logger}]`;
    width = Math.max(width, name.length);
    const time = new Date(timestamp).toTimeString().slice(0, 8);
    const text = `${time} ${name.padEnd(width)} | `;
    if (!color) return text;
    const base = logger.split('.')[0];
    if (!colors.has(base)) colors.set(base, COLORS[colors.size % COLORS.length]);
    return `\x1b[${type === 'log' ? colors.get(base) : 1}m${text}\x1b[0m`;
  });
  // The prefix carries the time to the second; key the cache by second, not millisecond.
  const forSecond = (logger: string, type: string, timestamp: number) => prefix(logger, type, timestamp - (timestamp % 1000));
  return {
    message(m, out) {
      out.bytes(forSecond(m.logger, m.type, m.timestamp));
      out.bytes(m.raw);
      out.byte(10);
    },
    lines(chunk, start, end, source, timestamp, out) {
      out.prefixLines(forSecond(source.logger, source.type, timestamp), chunk, start, end);
    },
  };
}
