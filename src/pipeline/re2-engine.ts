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
  node.t === 'rep' ? node.min !== node.max || variable(node.node) : node.t === 'group' ? variable(node.node) : node.t === 'cat' || node.t === 'alt' ? node.items.some(variable) : false;

const single = (node: Re2Node): Ranges | undefined => (node.t === 'chars' ? node.ranges : node.t === 'group' ? single(node.node) : undefined);

/**
 * True when every variable repetition is of one character class that nothing after it can start with: a failing
 * attempt then gives back each repeated character once, at constant cost, so one attempt is linear.
 */
function deterministic(node: Re2Node, follow: Ranges): boolean {
  switch (node.t) {
    case 'chars': case 'text': case 'assert':
      return true;
    case 'group':
      return deterministic(node.node, follow);
    case 'alt':
      return node.items.every((item) => deterministic(item, follow));
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
      if (node.min === node.max) return deterministic(node.node, normalize([...first(node.node).set, ...follow]));
      const body = single(node.node);
      return body !== undefined && !overlap(body, follow);
    }
  }
}

const anchored = (node: Re2Node): boolean =>
  node.t === 'assert' ? node.kind === 'bot' : node.t === 'group' ? anchored(node.node) : node.t === 'alt' ? node.items.every(anchored) : node.t === 'cat' ? node.items.length > 0 && anchored(node.items[0]) : false;

/**
 * True when V8's backtracking engine runs the pattern in time linear in the line: no variable repetition at all
 * (each start position costs at most the pattern's size), or anchored at the start of the text with
 * deterministic repetitions. Everything else goes to the linear-time engine.
 */
export function backtrackingIsLinear(node: Re2Node): boolean {
  return !variable(node) || (anchored(node) && deterministic(node, []));
}
