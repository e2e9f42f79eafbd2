// Shell-style globs for the file input (`*`, `?`, `[abc]`, `**` for any depth), without a dependency; Node 18 has no fs.glob.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** Directories deeper than this below a `**` are not searched: a symlink loop must not hang the scan. */
const MAX_DEPTH = 16;

/** True when a path segment has glob characters. */
function isPattern(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** A segment pattern as a regular expression: `*` and `?` never match `/`, and never a leading dot. */
export function segmentRegex(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) source += '\\[';
      else {
        let set = segment.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = '^' + set.slice(1);
        source += `[${set}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^(?!\\.)${source}$`);
}

/** The regular files that `pattern` (relative to `base` unless absolute) names now, each with its stat, into `found`. */
export function expandGlob(pattern: string, base: string, found: Map<string, Stats> = new Map()): Map<string, Stats> {
  const full = isAbsolute(pattern) ? pattern : resolve(base, pattern);
  const segments = full.split('/').filter((s) => s !== '');
  walk('/', segments, 0, found);
  return found;
}

function walk(dir: string, segments: string[], depth: number, found: Map<string, Stats>): void {
  // Literal segments are joined without reading directories: `logs/nginx/*.log` lists only logs/nginx.
  let i = 0;
  while (i < segments.length && !isPattern(segments[i])) i++;
  if (i === segments.length) {
    const path = join(dir, ...segments);
    const stat = fileStat(path);
    if (stat) found.set(path, stat);
    return;
  }
  const at = join(dir, ...segments.slice(0, i));
  const segment = segments[i];
  const rest = segments.slice(i + 1);
  let entries: string[];
  try {
    entries = readdirSync(at);
  } catch {
    return; // not there (yet), or not readable: a later scan tries again
  }
  if (segment === '**') {
    walk(at, rest, depth, found); // zero directories
    if (depth >= MAX_DEPTH) return;
    for (const name of entries) if (!name.startsWith('.') && isDirectory(join(at, name))) walk(join(at, name), segments.slice(i), depth + 1, found);
    return;
  }
  const regex = segmentRegex(segment);
  for (const name of entries) {
    if (!regex.test(name)) continue;
    const path = join(at, name);
    if (rest.length === 0) {
      const stat = fileStat(path);
      if (stat) found.set(path, stat);
    } else if (isDirectory(path)) walk(path, rest, depth, found);
  }
}

function fileStat(path: string): Stats | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
