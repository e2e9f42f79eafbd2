// Heka's message matcher: `Logger =~ /^web/ && Fields[level] != 'debug'`, type-checked and compiled to a closure.
import type { FieldValue, Message } from '../message';
import { MatcherSyntaxError, tokenize, type Token } from './matcher-lexer';

export { MatcherSyntaxError } from './matcher-lexer';

export type Matcher = (message: Message) => boolean;

/**
 * A compiled matcher; `perLine` is false when it reads only what every line of one process stream shares;
 * `notes` say what may surprise (for `drover check`).
 */
export type CompiledMatcher = Matcher & { perLine: boolean; source: string; notes: string[] };

/** How deep parentheses may nest (deeper ones would exhaust the stack while compiling). */
export const MAX_NESTING = 100;

/** Variables that differ from line to line of one stream (the others are fixed per stream until a decoder runs). */
const PER_LINE = new Set(['Payload', 'Timestamp']);

/** Header variables and their types, as in Heka (Timestamp in nanoseconds since the epoch, as in Heka). */
const STRINGS: Record<string, (m: Message) => string> = {
  Type: (m) => m.type,
  Logger: (m) => m.logger,
  Payload: (m) => m.payload,
  Hostname: (m) => m.hostname,
  Stream: (m) => m.stream,
};
const NUMBERS: Record<string, (m: Message) => number> = {
  Timestamp: (m) => m.timestamp * 1e6,
  Severity: (m) => m.severity,
  Pid: (m) => m.pid,
};
const KNOWN = `${Object.keys(STRINGS).join(', ')} (strings), ${Object.keys(NUMBERS).join(', ')} (numbers), Fields[name], TRUE, FALSE`;

type Operand = (Token & { kind: 'string' | 'number' | 'regex' }) | { kind: 'nil' | 'true' | 'false'; at: number };
type Test<T> = (value: T) => boolean;

/** A comparison of two values of one type. */
function relation<T extends string | number>(op: string, literal: T): Test<T> {
  switch (op) {
    case '==':
      return (v) => v === literal;
    case '!=':
      return (v) => v !== literal;
    case '<':
      return (v) => v < literal;
    case '<=':
      return (v) => v <= literal;
    case '>':
      return (v) => v > literal;
    default:
      return (v) => v >= literal;
  }
}

/** Heka's test of a field value: typed (a string never equals a number), and false for an absent field except `== NIL`. */
function fieldTest(op: string, operand: Operand): Test<FieldValue | undefined> {
  if (operand.kind === 'nil') return op === '==' ? (v) => v === undefined : (v) => v !== undefined;
  // The usual cases, without the dispatch on the value's type (a boolean field compares as below: false is true).
  if ((operand.kind === 'string' || operand.kind === 'number') && op === '==') {
    const literal = operand.value;
    return (v) => v === literal || v === false;
  }
  if (operand.kind === 'string' && op === '!=') {
    const literal = operand.value;
    return (v) => (typeof v === 'string' && v !== literal) || v === false;
  }
  const onString: Test<string> =
    operand.kind === 'string'
      ? relation(op, operand.value)
      : operand.kind === 'regex'
        ? op === '=~'
          ? (s) => operand.value.test(s)
          : (s) => !operand.value.test(s)
        : operand.kind === 'number'
          ? () => false
          : relation<string>(op, operand.kind === 'true' ? 'TRUE' : 'FALSE'); // Heka compares a string field with the word
  const onNumber: Test<number> = operand.kind === 'number' ? relation(op, operand.value) : () => false;
  // Heka ignores the operator for a boolean field: the value is compared with TRUE, or else with FALSE.
  const wantTrue = operand.kind === 'true';
  return (v) => (typeof v === 'string' ? onString(v) : typeof v === 'number' ? onNumber(v) : typeof v === 'boolean' ? v === wantTrue : false);
}

/** Compiles an expression; throws MatcherSyntaxError naming the column of the first problem and what to write. */
export function compileMatcher(source: string): CompiledMatcher {
  const tokens = tokenize(source);
  let pos = 0;
  let perLine = false;
  const notes: string[] = [];
  const peek = () => tokens[pos];
  const fail = (message: string, token: { at: number } = peek(), hint?: string): never => {
    throw new MatcherSyntaxError(message, token.at + 1, source, hint);
  };
  const isOp = (value: string) => {
    const t = peek();
    return t.kind === 'op' && t.value === value;
  };

  function parseOr(depth: number): Matcher {
    const terms = [parseAnd(depth)];
    while (isOp('||')) {
      pos++;
      terms.push(parseAnd(depth));
    }
    if (terms.length === 1) return terms[0];
    if (terms.length === 2) {
      const [a, b] = terms;
      return (m) => a(m) || b(m);
    }
    return (m) => terms.some((t) => t(m));
  }

  function parseAnd(depth: number): Matcher {
    const terms = [parseTerm(depth)];
    while (isOp('&&')) {
      pos++;
      terms.push(parseTerm(depth));
    }
    if (terms.length === 1) return terms[0];
    if (terms.length === 2) {
      const [a, b] = terms;
      return (m) => a(m) && b(m);
    }
    return (m) => terms.every((t) => t(m));
  }

  function parseTerm(depth: number): Matcher {
    const t = peek();
    if (t.kind === 'op' && t.value === '(') {
      if (depth >= MAX_NESTING)
        fail(`parentheses nest more than ${MAX_NESTING} deep`, t, 'split the expression, or remove parentheses that && and || do not need');
      pos++;
      const inner = parseOr(depth + 1);
      if (!isOp(')')) fail(`expected ")" to close the "(" at column ${t.at + 1}`);
      pos++;
      return inner;
    }
    if (t.kind === 'ident' && (t.value === 'TRUE' || t.value === 'FALSE')) {
      pos++;
      const result = t.value === 'TRUE';
      return () => result;
    }
    return parseComparison();
  }

  function parseComparison(): Matcher {
    const subject = peek();
    if (subject.kind === 'ident' && subject.value === 'NIL')
      fail('NIL alone is not a condition', subject, 'test a field: Fields[name] == NIL (absent) or Fields[name] != NIL (present)');
    if (subject.kind === 'ident' && (subject.value === 'Uuid' || subject.value === 'EnvVersion')) {
      fail(`Heka's ${subject.value} is not in drover's messages`, subject, `drover's messages have ${KNOWN}`);
    }
    if (subject.kind === 'ident' && !Object.hasOwn(STRINGS, subject.value) && !Object.hasOwn(NUMBERS, subject.value)) {
      fail(`unknown variable "${subject.value}"`, subject, `known: ${KNOWN}`);
    }
    if (subject.kind !== 'ident' && subject.kind !== 'field') {
      fail(subject.kind === 'end' ? 'unexpected end of expression' : 'expected a variable such as Logger, Severity or Fields[name]', subject);
    }
    pos++;
    const op = peek();
    if (op.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>=', '=~', '!~'].includes(op.value)) {
      fail('expected a comparison operator (== != < <= > >= =~ !~)', op);
    }
    pos++;
    const operand = readOperand();
    if (operand.kind === 'regex' && operand.linear)
      notes.push(
        `${operand.text} runs on the linear-time engine, 20 to 100 times slower: see "Linear time" in the configuration reference to keep it on the fast one`,
      );
    const opv = (op as { value: string }).value;
    const regexOp = opv === '=~' || opv === '!~';
    const name = subject.kind === 'field' ? `Fields[${subject.value}]` : (subject as { value: string }).value;
    if (regexOp && operand.kind !== 'regex') fail(`"${opv}" needs a regular expression between slashes, e.g. ${name} ${opv} /^web/`, operand);
    if (!regexOp && operand.kind === 'regex') fail(`a regular expression needs =~ or !~, not ${opv}`, op, `write ${name} =~ /.../`);

    if (subject.kind === 'field') {
      perLine = true;
      if (operand.kind === 'nil' && opv !== '==' && opv !== '!=') fail(`NIL works only with == and != (absent or present), not ${opv}`, op);
      if ((operand.kind === 'true' || operand.kind === 'false') && opv !== '==')
        fail(`TRUE and FALSE work only with ==, not ${opv}`, op, `write ${name} == ${operand.kind === 'true' ? 'FALSE' : 'TRUE'}`);
      if ((opv === '!=' || opv === '!~') && operand.kind !== 'nil') {
        notes.push(`${name} ${opv} ... is false for lines without that field, as in Heka; to take them too: ${name} == NIL || ...`);
      }
      const test = fieldTest(opv, operand);
      // A field index or array index beyond the first: drover's fields hold one value, so that value is absent.
      if (subject.field !== 0 || subject.array !== 0) {
        const absent = test(undefined);
        return () => absent;
      }
      const key = subject.value;
      // Only a name that objects inherit (constructor, toString...) needs the slower own-property check.
      if (key in Object.prototype) {
        return (m) => {
          const fields = m.fields;
          return test(fields !== undefined && Object.hasOwn(fields, key) ? fields[key] : undefined);
        };
      }
      return (m) => {
        const fields = m.fields;
        return test(fields === undefined ? undefined : fields[key]);
      };
    }
    const variable = (subject as { value: string }).value;
    if (PER_LINE.has(variable)) perLine = true;
    if (Object.hasOwn(NUMBERS, variable)) {
      if (regexOp)
        fail(
          `${variable} is a number: =~ and !~ work on strings`,
          op,
          `compare it with a number, e.g. ${variable} ${variable === 'Severity' ? '<= 4' : '!= 0'}`,
        );
      if (operand.kind !== 'number')
        fail(
          `${variable} is a number: compare it with a number, not ${describe(operand)}`,
          operand,
          variable === 'Severity' ? 'Severity runs from 0 (emerg) to 7 (debug), e.g. Severity <= 4' : `e.g. ${variable} > 0`,
        );
      const get = NUMBERS[variable];
      const test = relation(opv, (operand as { value: number }).value);
      return (m) => test(get(m));
    }
    if (operand.kind !== 'string' && operand.kind !== 'regex') {
      fail(
        `${variable} is a string: compare it with a string or a regular expression, not ${describe(operand)}`,
        operand,
        operand.kind === 'nil' ? 'NIL tests whether a field exists: Fields[name] == NIL' : `e.g. ${variable} == 'web.1' or ${variable} =~ /^web/`,
      );
    }
    const get = STRINGS[variable];
    if (operand.kind === 'regex') {
      const re = operand.value;
      return opv === '=~' ? (m) => re.test(get(m)) : (m) => !re.test(get(m));
    }
    const test = relation(opv, (operand as { value: string }).value);
    return (m) => test(get(m));
  }

  function readOperand(): Operand {
    const t = peek();
    pos++;
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'regex') return t;
    if (t.kind === 'ident' && t.value === 'NIL') return { kind: 'nil', at: t.at };
    if (t.kind === 'ident' && t.value === 'TRUE') return { kind: 'true', at: t.at };
    if (t.kind === 'ident' && t.value === 'FALSE') return { kind: 'false', at: t.at };
    return fail('expected a string, a number, a /regular expression/, TRUE, FALSE or NIL', t);
  }

  const matcher = parseOr(0);
  if (peek().kind !== 'end') fail(isOp(')') ? 'unexpected ")": no "(" to close' : 'expected "&&", "||" or the end of the expression');
  return Object.assign(matcher, { perLine, source, notes });
}

function describe(operand: Operand): string {
  return operand.kind === 'nil'
    ? 'NIL'
    : operand.kind === 'true'
      ? 'TRUE'
      : operand.kind === 'false'
        ? 'FALSE'
        : operand.kind === 'number'
          ? `the number ${operand.value}`
          : operand.kind === 'string'
            ? `the string ${JSON.stringify(operand.value)}`
            : 'a regular expression';
}
