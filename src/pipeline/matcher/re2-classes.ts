// Character sets of the RE2 dialect as sorted UTF-16 ranges: Perl and POSIX classes, case folding, negation.

/** Inclusive [low, high] code unit ranges, sorted and merged. */
export type Ranges = [number, number][];

/** The highest code unit a class can hold: classes work on UTF-16 units (see the docs on characters above U+FFFF). */
export const MAX_UNIT = 0xffff;

/** Sorts and merges ranges. */
export function normalize(ranges: Ranges): Ranges {
  const sorted = ranges.map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** Every unit not in `ranges`. */
export function negate(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

const r = (s: string): Ranges => {
  const out: Ranges = [];
  for (let i = 0; i < s.length; i += 2) out.push([s.charCodeAt(i), s.charCodeAt(i + 1)]);
  return out;
};

/** RE2's Perl classes (ASCII only, as in RE2: \s has no \v). */
export const PERL: Record<string, Ranges> = {
  d: r('09'),
  s: r('\t\n\f\r  '),
  w: r('09AZ__az'),
};

/** RE2's POSIX classes, [[:alpha:]] and friends (ASCII only). */
export const POSIX: Record<string, Ranges> = {
  alnum: r('09AZaz'),
  alpha: r('AZaz'),
  ascii: r('\x00\x7f'),
  blank: r('\t\t  '),
  cntrl: r('\x00\x1f\x7f\x7f'),
  digit: r('09'),
  graph: r('!~'),
  lower: r('az'),
  print: r(' ~'),
  punct: r('!/:@[`{~'),
  space: r('\t\r  '),
  upper: r('AZ'),
  word: r('09AZ__az'),
  xdigit: r('09AFaf'),
};

// Case-folding orbits (k, K and the Kelvin sign; s, S and long s...), built on first use of (?i) beyond ASCII.
let orbits: Map<string, number[]> | undefined;
const foldKey = (unit: number): string => {
  const upper = String.fromCharCode(unit).toUpperCase();
  return upper.length === 1 ? upper.toLowerCase() : String.fromCharCode(unit);
};

/** The units equal to `unit` when case is ignored (itself included). */
export function foldsOf(unit: number): number[] {
  if (unit < 0x80) {
    const lower = unit | 0x20;
    if (lower >= 0x61 && lower <= 0x7a) {
      // ASCII letters; k and s also fold to the Kelvin sign and the long s, as in RE2.
      const pair = [lower & ~0x20, lower];
      if (lower === 0x6b) pair.push(0x212a);
      if (lower === 0x73) pair.push(0x17f);
      return pair;
    }
    return [unit];
  }
  if (!orbits) {
    orbits = new Map();
    for (let u = 0; u <= MAX_UNIT; u++) {
      if (u >= 0xd800 && u <= 0xdfff) continue;
      const key = foldKey(u);
      const list = orbits.get(key);
      if (list) list.push(u);
      else orbits.set(key, [u]);
    }
  }
  return orbits.get(foldKey(unit)) ?? [unit];
}

/** `ranges` plus every unit that folds to one of theirs. */
export function addFolds(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  for (const [a, b] of ranges) {
    for (let u = a; u <= b; u++) for (const f of foldsOf(u)) if (f < a || f > b) out.push([f, f]);
  }
  return normalize(out);
}
