// Which V8 engine may run a pattern: backtracking (fast) only where it is linear in the line length by construction.
import { normalize, type Ranges } from './re2-classes';
import type { Re2Node } from './re2-parse';

const overlap = (a: Ranges, b: Ranges): boolean => {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i++;
    else if (b[j][1] < a[i][0]) j++;
    else return true;
  }
  return false;
};

/** The units a match of `node` can start with, and whether it can match the empty string. */
function first(node: Re2Node): { set: Ranges; nullable: boolean } {
  switch (node.t) {
    case 'chars':
      return { set: node.ranges, nullable: false };
    case 'text':
      return { set: [[node.units.charCodeAt(0), node.units.charCodeAt(0)]], nullable: false };
    case 'assert':
      return { set: [], nullable: true };
    case 'group':
      return first(node.node);
    case 'rep': {
      const inner = first(node.node);
      return { set: inner.set, nullable: inner.nullable || node.min === 0 };
    }
    case 'alt': {
      const parts = node.items.map(first);
      return { set: normalize(parts.flatMap((p) => p.set)), nullable: parts.some((p) => p.nullable) };
    }
    case 'cat': {
      const set: Ranges = [];
      for (const item of node.items) {
        const f = first(item);
        set.push(...f.set);
        if (!f.nullable) return { set: normalize(set), nullable: false };
      }
      return { set: normalize(set), nullable: true };
    }
  }
}

const variable = (node: Re2Node): boolean =>
  node.t === 'rep'
    ? node.min !== node.max || variable(node.node)
    : node.t === 'group'
      ? variable(node.node)
      : node.t === 'cat' || node.t === 'alt'
        ? node.items.some(variable)
        : false;

/** Every unit some part of `node` can take. */
function consumable(node: Re2Node): Ranges {
  switch (node.t) {
    case 'chars':
      return node.ranges;
    case 'text':
      return normalize([...node.units].flatMap((_, k) => [[node.units.charCodeAt(k), node.units.charCodeAt(k)] as [number, number]]));
    case 'assert':
      return [];
    case 'group':
    case 'rep':
      return consumable(node.node);
    case 'cat':
    case 'alt':
      return normalize(node.items.flatMap(consumable));
  }
}

/**
 * True when the pattern is LL(1): at every choice (a repetition going on or stopping, a branch of |) the next
 * character tells which way can succeed. A failing attempt then drops each choice after one look, so one
 * attempt is linear in what it read. Repetitions of a part that can match the empty string are refused.
 */
function deterministic(node: Re2Node, follow: Ranges): boolean {
  switch (node.t) {
    case 'chars':
    case 'text':
    case 'assert':
      return true;
    case 'group':
      return deterministic(node.node, follow);
    case 'alt': {
      const starts = node.items.map((item) => {
        const f = first(item);
        return f.nullable ? normalize([...f.set, ...follow]) : f.set;
      });
      for (let a = 0; a < starts.length; a++) for (let b = a + 1; b < starts.length; b++) if (overlap(starts[a], starts[b])) return false;
      return node.items.every((item) => deterministic(item, follow));
    }
    case 'cat': {
      let after = follow;
      for (let k = node.items.length - 1; k >= 0; k--) {
        if (!deterministic(node.items[k], after)) return false;
        const f = first(node.items[k]);
        after = f.nullable ? normalize([...f.set, ...after]) : f.set;
      }
      return true;
    }
    case 'rep': {
      const body = first(node.node);
      const next = node.max === 1 ? follow : normalize([...body.set, ...follow]);
      if (node.min === node.max) return deterministic(node.node, next);
      return !body.nullable && !overlap(body.set, follow) && deterministic(node.node, next);
    }
  }
}

const anchored = (node: Re2Node): boolean =>
  node.t === 'assert'
    ? node.kind === 'bot'
    : node.t === 'group'
      ? anchored(node.node)
      : node.t === 'alt'
        ? node.items.every(anchored)
        : node.t === 'cat'
          ? node.items.length > 0 && anchored(node.items[0])
          : false;

/** The character classes of every variable repetition. */
function repeated(node: Re2Node, into: Ranges[] = []): Ranges[] {
  if (node.t === 'rep' && node.min !== node.max) into.push(consumable(node.node));
  if (node.t === 'rep' || node.t === 'group') repeated(node.node, into);
  if (node.t === 'cat' || node.t === 'alt') for (const item of node.items) repeated(item, into);
  return into;
}

/**
 * True when an attempt cannot begin inside what a repetition of an earlier attempt took: no repetition can
 * take a character the pattern starts with, so a character is looked at by at most as many attempts as the
 * pattern has fixed elements.
 */
function startsApart(node: Re2Node): boolean {
  const start = first(node);
  return !start.nullable && repeated(node).every((body) => !overlap(body, start.set));
}

/** How many ways through a pattern without variable repetition backtracking may try at one position. */
function paths(node: Re2Node): number {
  switch (node.t) {
    case 'chars':
    case 'text':
    case 'assert':
      return 1;
    case 'group':
      return paths(node.node);
    case 'rep':
      return paths(node.node) ** node.min;
    case 'cat':
      return node.items.reduce((n, item) => n * paths(item), 1);
    case 'alt':
      return node.items.reduce((n, item) => n + paths(item), 0);
  }
}

/** Ways through one position above which a pattern without repetition still goes to the linear engine ((a|a){40}). */
const MAX_PATHS = 10_000;

/**
 * True when V8's backtracking engine runs the pattern in time linear in the line: no variable repetition and
 * few ways through it (each start position then costs at most that many times the pattern's size), or LL(1)
 * and anchored at the start of the text or starting with what no repetition takes. Everything else goes to
 * the linear-time engine.
 */
export function backtrackingIsLinear(node: Re2Node): boolean {
  if (!variable(node) && paths(node) <= MAX_PATHS) return true;
  return deterministic(node, []) && (anchored(node) || startsApart(node));
}
