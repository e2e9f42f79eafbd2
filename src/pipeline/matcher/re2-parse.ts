// Parses Go's RE2 syntax (what Heka's matcher and regex use) into a tree; refuses what RE2 refuses, with the offset.
import { addFolds, MAX_UNIT, negate, normalize, PERL, POSIX, type Ranges } from './re2-classes';

export type Re2Node =
  | { t: 'chars'; ranges: Ranges }
  | { t: 'text'; units: string }
  | { t: 'cat'; items: Re2Node[] }
  | { t: 'alt'; items: Re2Node[] }
  | { t: 'group'; name: string | undefined; node: Re2Node }
  | { t: 'rep'; node: Re2Node; min: number; max: number; greedy: boolean; at: number }
  | { t: 'assert'; kind: 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb'; at: number };

/** A pattern RE2 (or drover's reading of it) does not accept; `offset` is 0-based in the pattern. */
export class Re2SyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'Re2SyntaxError';
  }
}

/** RE2's limits: a count in {n,m} and how deep groups may nest. */
export const MAX_REPEAT = 1000;
export const MAX_DEPTH = 500;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isWord = (c: string) => /^[0-9A-Za-z_]$/.test(c);

/** Parses an RE2 pattern; `names` lists the named groups in order. */
export function parseRe2(pattern: string): { node: Re2Node; names: string[] } {
  let pos = 0;
  let flags: Flags = { i: false, m: false, s: false, U: false };
  const names: string[] = [];
  const fail = (message: string, at = pos, hint?: string): never => {
    throw new Re2SyntaxError(message, at, hint);
  };

  const charNode = (cp: number): Re2Node => {
    if (cp > MAX_UNIT) return { t: 'text', units: String.fromCodePoint(cp) };
    const ranges: Ranges = [[cp, cp]];
    return { t: 'chars', ranges: flags.i ? addFolds(ranges) : ranges };
  };
  const classNode = (ranges: Ranges, negated = false): Re2Node => {
    let set = normalize(ranges);
    if (flags.i) set = addFolds(set);
    return { t: 'chars', ranges: negated ? negate(set) : set };
  };

  /** The code point at pos (a surrogate pair is one). */
  const take = (): number => {
    const cp = pattern.codePointAt(pos)!;
    pos += cp > 0xffff ? 2 : 1;
    return cp;
  };

  /** An escape after the backslash at `start`, as a code point, or a class; `inClass` limits what is allowed. */
  function escape(start: number, inClass: boolean): number | Ranges {
    if (pos >= pattern.length) fail('trailing backslash at end of expression', start);
    const c = pattern[pos];
    if (c >= '1' && c <= '7' && !isOctal(pattern[pos + 1])) {
      fail(
        `backreference \\${c} is not supported: RE2 has no backreferences`,
        start,
        'match the text again explicitly, or capture it with a named group and compare in a filter',
      );
    }
    if (c === '8' || c === '9') fail(`backreference \\${c} is not supported: RE2 has no backreferences`, start);
    if (isOctal(c)) {
      let value = 0;
      for (let n = 0; n < 3 && isOctal(pattern[pos]); n++) value = value * 8 + Number(pattern[pos++]);
      return value;
    }
    pos++;
    switch (c) {
      case 'x': {
        if (pattern[pos] === '{') {
          const end = pattern.indexOf('}', pos);
          const hex = end < 0 ? '' : pattern.slice(pos + 1, end);
          if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff)
            fail('invalid escape sequence \\x{...}: expected 1 to 6 hex digits up to 10FFFF', start);
          pos = end + 1;
          return parseInt(hex, 16);
        }
        const hex = pattern.slice(pos, pos + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail('invalid escape sequence: \\x needs two hex digits or {hex}', start);
        pos += 2;
        return parseInt(hex, 16);
      }
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'v':
        return 11;
      case 'd':
      case 's':
      case 'w':
        return PERL[c];
      case 'D':
      case 'S':
      case 'W':
        return negate(PERL[c.toLowerCase()]);
      case 'p':
      case 'P':
        return fail(`Unicode classes \\${c}{...} are not supported by drover`, start, 'list the characters in a class instead, e.g. [A-Za-zÀ-ÿ]');
      case 'C':
        return fail('\\C (any byte) is not supported: drover matches text, not bytes', start);
    }
    if (!inClass && (c === 'A' || c === 'z' || c === 'b' || c === 'B' || c === 'Q')) return -1; // handled by the caller
    if (c < '\x80' && !isWord(c)) return c.charCodeAt(0);
    const known = c === 'Z' ? ' (RE2 has \\z, lower case, for the end of the text)' : '';
    return fail(`invalid escape sequence \\${c}${known}`, start);
  }

  /** A bracketed class; pos is just after `[`. */
  function bracket(start: number): Re2Node {
    let negated = false;
    if (pattern[pos] === '^') {
      negated = true;
      pos++;
    }
    const ranges: Ranges = [];
    let first = true;
    for (;;) {
      if (pos >= pattern.length) fail('missing closing ] of character class', start);
      const c = pattern[pos];
      if (c === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === '[' && pattern[pos + 1] === ':') {
        const end = pattern.indexOf(':]', pos + 2);
        if (end > 0) {
          let name = pattern.slice(pos + 2, end);
          const not = name.startsWith('^');
          if (not) name = name.slice(1);
          if (!Object.hasOwn(POSIX, name)) fail(`invalid character class range [:${name}:] (known: ${Object.keys(POSIX).join(', ')})`, pos);
          ranges.push(...(not ? negate(POSIX[name]) : POSIX[name]));
          pos = end + 2;
          continue;
        }
      }
      const itemAt = pos;
      const low = item(itemAt);
      if (typeof low !== 'number') {
        ranges.push(...low);
        continue;
      }
      if (pattern[pos] === '-' && pattern[pos + 1] !== ']' && pos + 1 < pattern.length) {
        pos++;
        const high = item(pos);
        if (typeof high !== 'number' || high < low) fail(`invalid character class range ${pattern.slice(itemAt, pos)}`, itemAt);
        ranges.push([low, high as number]);
      } else ranges.push([low, low]);
    }
    for (const [, high] of ranges) {
      if (high > MAX_UNIT)
        fail('characters above U+FFFF (such as emoji) are not supported in a character class', start, 'match them outside a class, e.g. (?:😀|😃)');
    }
    return classNode(ranges, negated);
  }

  /** One character (or Perl class) inside brackets. */
  function item(at: number): number | Ranges {
    if (pattern[pos] === '\\') {
      pos++;
      return escape(at, true);
    }
    return take();
  }

  function group(start: number, depth: number): Re2Node | undefined {
    let name: string | undefined;
    if (pattern[pos] === '?') {
      const rest = pattern.slice(pos + 1);
      if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
        fail(
          'lookaround (?=, (?!, (?<=, (?<! is not supported: RE2 has no lookaround',
          start,
          'match the text itself, or use a second condition such as && Payload !~ /.../ in the matcher',
        );
      }
      const named = /^(?:P<|<)([^>]*)>/.exec(rest);
      if (named) {
        name = named[1];
        if (!/^[0-9A-Za-z_]+$/.test(name)) fail(`invalid named capture ${JSON.stringify(name)}: names are letters, digits and _`, start);
        if (names.includes(name)) fail(`duplicate capture group name ${JSON.stringify(name)}`, start);
        names.push(name);
        pos += named[0].length + 1;
      } else if (rest.startsWith('P=') || rest.startsWith('P>')) {
        fail('(?P=name) backreferences are not supported: RE2 has no backreferences', start);
      } else {
        // Flags: (?i) for the rest of the group, (?i:...) for a group of its own.
        const m = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
        if (!m || (m[1] === '' && m[2] === undefined && m[3] === ')') || m[2] === '')
          fail(
            `invalid or unsupported group syntax ${JSON.stringify('(?' + rest.slice(0, 4))}`,
            start,
            'RE2 groups are (...), (?:...), (?P<name>...), (?<name>...) and flags such as (?i) or (?i:...)',
          );
        const set = { ...flags };
        for (const f of m![1]) set[f as keyof Flags] = true;
        for (const f of m![2] ?? '') set[f as keyof Flags] = false;
        pos += m![0].length + 1;
        if (m![3] === ')') {
          flags = set;
          return undefined;
        }
        const saved = flags;
        flags = set;
        const node = alternation(depth + 1);
        flags = saved;
        if (pattern[pos] !== ')') fail('missing closing )', start);
        pos++;
        return { t: 'group', name: undefined, node };
      }
    }
    const saved = flags;
    const node = alternation(depth + 1);
    flags = saved;
    if (pattern[pos] !== ')') fail('missing closing )', start);
    pos++;
    return { t: 'group', name, node };
  }

  /** An atom at pos, or undefined for a flag group such as (?i). */
  function atom(depth: number): Re2Node | undefined {
    const start = pos;
    const c = pattern[pos];
    switch (c) {
      case '(':
        pos++;
        if (depth >= MAX_DEPTH) fail(`groups nest more than ${MAX_DEPTH} deep`, start);
        return group(start, depth);
      case '[':
        pos++;
        return bracket(start);
      case '.':
        pos++;
        return { t: 'chars', ranges: flags.s ? [[0, MAX_UNIT]] : negate([[10, 10]]) };
      case '^':
        pos++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot', at: start };
      case '$':
        pos++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot', at: start };
      case '\\': {
        pos++;
        const e = escape(start, false);
        if (e === -1) {
          const k = pattern[pos - 1];
          if (k === 'A') return { t: 'assert', kind: 'bot', at: start };
          if (k === 'z') return { t: 'assert', kind: 'eot', at: start };
          if (k === 'b') return { t: 'assert', kind: 'wb', at: start };
          if (k === 'B') return { t: 'assert', kind: 'nwb', at: start };
          // \Q...\E: literal text.
          const end = pattern.indexOf('\\E', pos);
          const text = pattern.slice(pos, end < 0 ? pattern.length : end);
          pos = end < 0 ? pattern.length : end + 2;
          const items: Re2Node[] = [];
          for (const ch of text) items.push(charNode(ch.codePointAt(0)!));
          return { t: 'cat', items };
        }
        return typeof e === 'number' ? charNode(e) : classNode(e);
      }
      case '*':
      case '+':
      case '?':
        return fail(`missing argument to repetition operator ${c}`, start);
    }
    return charNode(take());
  }

  /** `{n}`, `{n,}` or `{n,m}` at pos, or undefined when the brace is a literal (as in RE2). */
  function counted(): { min: number; max: number; length: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(pos, pos + 24));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min))
      fail(`invalid repeat count ${m[0]} (RE2 allows counts up to ${MAX_REPEAT}, and {n,m} needs n <= m)`);
    return { min, max, length: m[0].length };
  }

  function concatenation(depth: number): Re2Node {
    const items: Re2Node[] = [];
    while (pos < pattern.length && pattern[pos] !== '|' && pattern[pos] !== ')') {
      const node = atom(depth);
      if (!node) continue;
      let repeated = false;
      let current = node;
      for (;;) {
        const at = pos;
        const c = pattern[pos];
        let min: number, max: number;
        if (c === '*') [min, max] = [0, -1];
        else if (c === '+') [min, max] = [1, -1];
        else if (c === '?') [min, max] = [0, 1];
        else if (c === '{') {
          const count = counted();
          if (!count) break;
          [min, max] = [count.min, count.max];
          pos += count.length - 1;
        } else break;
        if (repeated) fail(`invalid nested repetition operator ${pattern.slice(at - 1, pos + 1)}`, at, 'put the inner repetition in a group: (?:a*)*');
        pos++;
        let greedy = true;
        if (pattern[pos] === '?') {
          greedy = false;
          pos++;
        }
        if (flags.U) greedy = !greedy;
        current = { t: 'rep', node: current, min, max, greedy, at };
        repeated = true;
      }
      items.push(current);
    }
    return items.length === 1 ? items[0] : { t: 'cat', items };
  }

  function alternation(depth: number): Re2Node {
    const items = [concatenation(depth)];
    while (pattern[pos] === '|') {
      pos++;
      items.push(concatenation(depth));
    }
    return items.length === 1 ? items[0] : { t: 'alt', items };
  }

  const node = alternation(0);
  if (pos < pattern.length) fail('unexpected ): no group to close', pos);
  return { node, names };
}
