// RE2 patterns (Go's syntax, as in Heka) turned into JavaScript RegExps that V8 matches in linear time.
import type * as V8 from 'node:v8';
import { MAX_UNIT, type Ranges } from './re2-classes';
import { backtrackingIsLinear } from './re2-engine';
import { parseRe2, Re2SyntaxError, type Re2Node } from './re2-parse';

export { Re2SyntaxError } from './re2-parse';

/** A compiled pattern: `names[k]` is the named group whose text is `exec(...)[k + 1]`. */
export interface Re2 {
  re: RegExp;
  names: string[];
  /** The JavaScript source it became (for tests and error reports). */
  source: string;
  /** Which V8 engine runs it. */
  engine: 'backtracking' | 'linear';
}

/** Longest JavaScript source a pattern may expand to (counted repetitions are written out). */
const MAX_SOURCE = 200_000;

let linearEngine = false;

/**
 * node:v8, loaded on first use: it loads node's heap utilities too, 1 ms of every start of a drover without regexps.
 * By process.getBuiltinModule (Node.js 20.16 and later), which works where require does not (this file bundled as
 * an ES module, as bench/ does); by require on older ones.
 */
const v8 = (): typeof V8 => process.getBuiltinModule?.('node:v8') ?? require('node:v8');

/**
 * Turns on V8's linear-time engine (Node 18 to 24 have it behind a flag, settable at run time, and the `l` flag).
 * The fallback to it after many backtracks is also on, for regular expressions drover's own code writes.
 */
function enableLinearEngine(): void {
  if (linearEngine) return;
  v8().setFlagsFromString('--enable-experimental-regexp-engine');
  v8().setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  linearEngine = true;
}

const hex4 = (u: number) => '\\u' + u.toString(16).padStart(4, '0');
/** A code unit written for use inside or outside a class. */
function unit(u: number, inClass: boolean): string {
  if (u >= 0x30 && u <= 0x39) return String.fromCharCode(u);
  if ((u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a)) return String.fromCharCode(u);
  if (u === 0x20 || u === 0x5f || (!inClass && (u === 0x2c || u === 0x3a || u === 0x3d || u === 0x40 || u === 0x23 || u === 0x25)))
    return String.fromCharCode(u);
  return u <= 0xff ? '\\x' + u.toString(16).padStart(2, '0') : hex4(u);
}

function chars(ranges: Ranges): string {
  if (ranges.length === 1 && ranges[0][0] === ranges[0][1]) return unit(ranges[0][0], false);
  if (ranges.length === 1 && ranges[0][0] === 0 && ranges[0][1] === MAX_UNIT) return '[^]';
  let out = '[';
  for (const [a, b] of ranges) out += a === b ? unit(a, true) : b === a + 1 ? unit(a, true) + unit(b, true) : `${unit(a, true)}-${unit(b, true)}`;
  return out + ']';
}

const hasName = (node: Re2Node): boolean =>
  node.t === 'group'
    ? node.name !== undefined || hasName(node.node)
    : node.t === 'cat' || node.t === 'alt'
      ? node.items.some(hasName)
      : node.t === 'rep'
        ? hasName(node.node)
        : false;

/** Writes the tree as a JavaScript pattern; named groups become plain capturing groups, the rest do not capture. */
function emit(node: Re2Node, captures: boolean): string {
  switch (node.t) {
    case 'chars':
      return chars(node.ranges);
    case 'text':
      return hex4(node.units.charCodeAt(0)) + hex4(node.units.charCodeAt(1));
    case 'cat':
      return node.items.map((n) => emit(n, captures)).join('');
    case 'alt':
      return '(?:' + node.items.map((n) => emit(n, captures)).join('|') + ')';
    case 'group':
      return (node.name !== undefined && captures ? '(' : '(?:') + emit(node.node, captures) + ')';
    case 'assert':
      return node.kind === 'bot' || node.kind === 'bol' ? '^' : node.kind === 'eot' || node.kind === 'eol' ? '$' : node.kind === 'wb' ? '\\b' : '\\B';
    case 'rep': {
      const inner = emit(node.node, captures);
      const single = node.node.t === 'chars' || node.node.t === 'group' || node.node.t === 'alt';
      const x = single ? inner : `(?:${inner})`;
      const lazy = node.greedy ? '' : '?';
      const { min, max } = node;
      if (min === 0 && max === -1) return x + '*' + lazy;
      if (min === 1 && max === -1) return x + '+' + lazy;
      if (min === 0 && max === 1) return x + '?' + lazy;
      if (min === 1 && max === 1) return x;
      // V8's linear engine takes {n,m} only for small counts: write the copies out, as RE2 itself does.
      if (captures && hasName(node.node))
        throw new Re2SyntaxError(
          'a named group inside a counted repetition {n,m} is not supported',
          node.at,
          'repeat a (?:...) group inside the named group instead: (?P<id>(?:[0-9a-f]){8})',
        );
      if (x.length * Math.max(min, max) > MAX_SOURCE)
        throw new Re2SyntaxError('the expression is too large once its counted repetitions are written out', node.at);
      const out = x.repeat(min);
      if (max === -1) return out + x + '*' + lazy;
      let optional = '';
      for (let k = min; k < max; k++) optional = `(?:${x}${optional})?${lazy}`;
      return out + optional;
    }
  }
}

/** Anchors for the text (^ $ \A \z) and for lines ((?m)^ $) cannot both be written with one JavaScript m flag. */
function multiline(node: Re2Node): boolean {
  const seen: { kind: string; at: number }[] = [];
  const walk = (n: Re2Node): void => {
    if (n.t === 'assert' && n.kind !== 'wb' && n.kind !== 'nwb') seen.push(n);
    else if (n.t === 'cat' || n.t === 'alt') n.items.forEach(walk);
    else if (n.t === 'group' || n.t === 'rep') walk(n.node);
  };
  walk(node);
  const lines = seen.filter((a) => a.kind === 'bol' || a.kind === 'eol');
  if (lines.length > 0 && lines.length < seen.length) {
    const text = seen.find((a) => a.kind === 'bot' || a.kind === 'eot')!;
    throw new Re2SyntaxError(
      'text anchors (^ $ \\A \\z) and (?m) line anchors cannot be mixed in one expression',
      text.at,
      'use (?m) for the whole expression, or none',
    );
  }
  return lines.length > 0;
}

/** Options: `global` adds the g flag; `around` names a top-level group, captured as group 2 between groups 1 and 3. */
export interface Re2Options {
  global?: boolean;
  around?: string;
}

/** The pattern as (before)(the group named `name`)(after), when that group stands at its top level. */
function emitAround(node: Re2Node, name: string): string | undefined {
  const items = node.t === 'cat' ? node.items : [node];
  const at = items.findIndex((n) => n.t === 'group' && n.name === name);
  if (at < 0) return undefined;
  const part = (list: Re2Node[]) => `(${list.map((n) => emit(n, false)).join('')})`;
  return part(items.slice(0, at)) + part([(items[at] as { node: Re2Node }).node]) + part(items.slice(at + 1));
}

/** Compiles an RE2 pattern; throws Re2SyntaxError (with the offset in the pattern) for what RE2 refuses. */
export function compileRe2(pattern: string, captures = false, options: Re2Options = {}): Re2 {
  const { node, names } = parseRe2(pattern);
  const flags = (multiline(node) ? 'm' : '') + (options.global ? 'g' : '');
  const around = options.around !== undefined && names.includes(options.around) ? emitAround(node, options.around) : undefined;
  if (options.around !== undefined && names.includes(options.around) && around === undefined) {
    throw new Re2SyntaxError(`the group (?P<${options.around}>...) must stand at the top level of the pattern, not inside |, a repetition or another group`, 0);
  }
  const source = around ?? emit(node, captures);
  enableLinearEngine();
  let linear: RegExp;
  try {
    // Checks that the linear engine can run it, so the fallback can always be taken.
    linear = new RegExp(source, flags + 'l');
    linear.test(''); // V8 compiles on first use: a pattern too large for it fails here, not on a line
  } catch (error) {
    throw new Re2SyntaxError(
      `cannot be matched in linear time (${(error as Error).message})`,
      0,
      'make the expression smaller, e.g. with smaller counts in {n,m}',
    );
  }
  // The backtracking engine is 10 to 100 times faster, but linear only for some patterns; the fallback to the
  // linear engine after 50,000 backtracks was seen not to bound polynomial cases (\s*\s*$|a*a*c: 0.5 s a line).
  const engine = backtrackingIsLinear(node) ? 'backtracking' : 'linear';
  const re = engine === 'linear' ? linear : new RegExp(source, flags);
  re.test('');
  return { re, names: around ? ['', options.around!, ''] : captures ? names : [], source, engine };
}
