// Durations and sizes as people write them in config files.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

/** "500ms", "10s", "1.5m", "2h" or a number of seconds, to milliseconds; undefined when unreadable. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(value);
  return match ? Number(match[1]) * DURATION_UNITS[match[2].toLowerCase()] : undefined;
}

/** "64KB", "256MB", "1GiB" or a number of bytes, to bytes (units are powers of 1024); undefined when unreadable. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(value);
  return match ? Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]) : undefined;
}

/**
 * A count with thousands separators, "12,345", as toLocaleString('en-US') writes it: without ICU, whose locale
 * data that call maps in (about 9 MiB of drover's RSS, from the first stop that reports a backlog on).
 */
export function groupDigits(count: number): string {
  const text = String(Math.trunc(count));
  return text.replace(/\B(?=(\d{3})+$)/g, ',');
}
