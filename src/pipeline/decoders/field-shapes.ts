// Making the Fields object of a flat JSON line. Assigning its keys one by one (`fields[name] = value`) was a quarter
// of the json decoder's time: every line grew a fresh object through the same transitions with generic keyed
// stores. An app's lines mostly repeat the same keys in the same order, so for such a sequence of keys a function
// returning an object literal is compiled once: it makes each line's object in one allocation, values in place.
import type { FieldValue } from '../message';

type Fields = Record<string, FieldValue>;

/** A sequence of distinct keys, and the function that makes an object of them from values in that order. */
interface Shape {
  names: string[];
  make: (values: FieldValue[]) => Fields;
}

/** Shapes kept: an app with a few kinds of lines alternates between a few. */
const KEPT = 8;
/** Longer lines are assigned key by key (a literal per such line would be large for little gain). */
const MAX_KEYS = 32;
/**
 * Compiling costs tens of microseconds: at most this many in a row, then one per LINES_PER_COMPILE lines, so that
 * an app whose keys never repeat (ids as keys) costs about what assigning did.
 */
const MAX_BUDGET = 16;
const LINES_PER_COMPILE = 256;

/** False once compiling was refused: code generation from strings is off in this process. */
let canCompile = true;

/** Makes Fields objects for one decoder. */
export class FieldShapes {
  private readonly kept: Shape[] = [];
  private last = 0;
  private evict = 0;
  private budget = MAX_BUDGET;

  /**
   * An object with values[k] under names[k] for k < n, its keys in that order, as assigning them in that order
   * would make it (a repeated name keeps its first place and takes its last value). `__proto__` must not be a name.
   */
  make(names: string[], values: FieldValue[], n: number): Fields {
    const budget = this.budget + 1 / LINES_PER_COMPILE;
    this.budget = budget < MAX_BUDGET ? budget : MAX_BUDGET;
    const kept = this.kept;
    const last = kept[this.last];
    if (last !== undefined && sameNames(last.names, names, n)) return last.make(values);
    for (let s = 0; s < kept.length; s++) {
      if (sameNames(kept[s].names, names, n)) {
        this.last = s;
        return kept[s].make(values);
      }
    }
    if (n > MAX_KEYS || this.budget < 1 || !canCompile) return assign(names, values, n);
    this.budget -= 1;
    let shape: Shape;
    try {
      shape = compile(names.slice(0, n));
    } catch {
      // node --disallow-code-generation-from-strings (in NODE_OPTIONS, say): assigning does the same, more slowly.
      canCompile = false;
      return assign(names, values, n);
    }
    if (kept.length < KEPT) this.last = kept.push(shape) - 1;
    else {
      kept[this.evict] = shape;
      this.last = this.evict;
      this.evict = (this.evict + 1) % KEPT;
    }
    return shape.make(values);
  }
}

/** Key names come internalized (see FlatJsonReader.keyAt): comparing them compares pointers. */
function sameNames(known: string[], names: string[], n: number): boolean {
  if (known.length !== n) return false;
  for (let k = 0; k < n; k++) if (known[k] !== names[k]) return false;
  return true;
}

function assign(names: string[], values: FieldValue[], n: number): Fields {
  const fields: Fields = {};
  for (let k = 0; k < n; k++) fields[names[k]] = values[k];
  return fields;
}

function compile(names: string[]): Shape {
  // JSON.stringify spells any name as a string literal of that name. A repeated name in a literal keeps its first
  // place and takes its last value, as assigning does. `__proto__` as a literal key would set the prototype instead
  // of making a field: the reader never passes it, and here it is refused all the same.
  if (names.includes('__proto__')) return { names, make: (values) => assign(names, values, names.length) };
  const body = names.map((name, k) => `${JSON.stringify(name)}: v[${k}]`).join(', ');
  return { names, make: new Function('v', `return { ${body} };`) as Shape['make'] };
}
