// Heka's message matcher: `Logger =~ /^web/ && Fields[level] != 'debug'`, compiled once to a closure.
import type { Message, FieldValue } from './message';

export type Matcher = (message: Message) => boolean;

/** A compiled matcher; `perLine` is false when it reads only what every line of one process stream shares. */
export type CompiledMatcher = Matcher & { perLine: boolean; source: string };

/** Variables that differ from line to line of one stream (the others are fixed per stream until a decoder runs). */
const PER_LINE = new Set(['Payload', 'Timestamp']);

/** A syntax error, with the 1-based column where it was found. */
export class MatcherSyntaxError extends Error {
  constructor(message: string, readonly column: number, readonly expression: string) {
    super(`${message} at column ${column} of ${JSON.stringify(expression)}`);
    this.name = 'MatcherSyntaxError';
  }
}

type Token =
  | { kind: 'ident'; value: string; at: number }
  | { kind: 'field'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'regex'; value: RegExp; at: number }
  | { kind: 'end'; at: number };

type Value = FieldValue | null | undefined;

const VARIABLES: Record<string, (m: Message) => Value> = {
  Timestamp: (m) => m.timestamp,
  Type: (m) => m.type,
  Logger: (m) => m.logger,
  Stream: (m) => m.stream,
  Severity: (m) => m.severity,
  Payload: (m) => m.payload,
  Hostname: (m) => m.hostname,
  Pid: (m) => m.pid,
};

const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '&&', '||', '<', '>', '(', ')'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw new MatcherSyntaxError(message, at + 1, source);
  };
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        value += source[i++];
      }
      if (i >= source.length) fail(`unterminated string`, at);
      i++;
      tokens.push({ kind: 'string', value, at });
      continue;
    }
    if (c === '/') {
      let body = '';
      i++;
      // A `/` inside a character class ([^/]) does not end the expression.
      let inClass = false;
      while (i < source.length && (source[i] !== '/' || inClass)) {
        if (source[i] === '\\' && i + 1 < source.length) body += source[i++];
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        body += source[i++];
      }
      if (i >= source.length) fail('unterminated regular expression', at);
      i++;
      try {
        tokens.push({ kind: 'regex', value: new RegExp(body), at });
      } catch (error) {
        fail(`invalid regular expression /${body}/ (${(error as Error).message})`, at);
      }
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'Fields') {
        const field = /^\[\s*([^\]]+?)\s*\]/.exec(source.slice(i));
        if (!field) fail('expected Fields[name]', i);
        i += field![0].length;
        tokens.push({ kind: 'field', value: field![1].replace(/^['"]|['"]$/g, ''), at });
      } else tokens.push({ kind: 'ident', value: word[0], at });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: 'op', value: op!, at });
    i += op!.length;
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;
}

/** Compiles an expression; throws MatcherSyntaxError naming the column of the first problem. */
export function compileMatcher(source: string): CompiledMatcher {
  const tokens = tokenize(source);
  let pos = 0;
  let perLine = false;
  const peek = () => tokens[pos];
  const fail = (message: string, token: Token = peek()): never => {
    throw new MatcherSyntaxError(message, token.at + 1, source);
  };
  const isOp = (value: string) => {
    const t = peek();
    return t.kind === 'op' && t.value === value;
  };

  function parseOr(): Matcher {
    let left = parseAnd();
    while (isOp('||')) {
      pos++;
      const a = left;
      const b = parseAnd();
      left = (m) => a(m) || b(m);
    }
    return left;
  }

  function parseAnd(): Matcher {
    let left = parseTerm();
    while (isOp('&&')) {
      pos++;
      const a = left;
      const b = parseTerm();
      left = (m) => a(m) && b(m);
    }
    return left;
  }

  function parseTerm(): Matcher {
    const t = peek();
    if (t.kind === 'op' && t.value === '(') {
      pos++;
      const inner = parseOr();
      if (!isOp(')')) fail('expected ")"');
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
    let get: (m: Message) => Value;
    if (subject.kind === 'field') {
      perLine = true;
      const name = subject.value;
      get = (m) => m.fields?.[name];
    } else if (subject.kind === 'ident' && Object.hasOwn(VARIABLES, subject.value)) {
      get = VARIABLES[subject.value];
      if (PER_LINE.has(subject.value)) perLine = true;
    } else if (subject.kind === 'ident') {
      return fail(`unknown variable "${subject.value}" (known: ${Object.keys(VARIABLES).join(', ')}, Fields[name], TRUE, FALSE)`);
    } else {
      return fail(subject.kind === 'end' ? 'unexpected end of expression' : 'expected a variable such as Logger, Severity or Fields[name]');
    }
    pos++;
    const op = peek();
    if (op.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>=', '=~', '!~'].includes(op.value)) {
      return fail('expected a comparison operator (== != < <= > >= =~ !~)');
    }
    pos++;
    const operand = peek();
    pos++;
    if (op.value === '=~' || op.value === '!~') {
      if (operand.kind !== 'regex') return fail(`"${op.value}" needs a regular expression between slashes, e.g. /^web/`, operand);
      const re = operand.value;
      const want = op.value === '=~';
      return (m) => {
        const v = get(m);
        return v !== undefined && v !== null && re.test(String(v)) === want;
      };
    }
    let literal: FieldValue | null;
    if (operand.kind === 'string' || operand.kind === 'number') literal = operand.value;
    else if (operand.kind === 'ident' && operand.value === 'NIL') literal = null;
    else if (operand.kind === 'ident' && (operand.value === 'TRUE' || operand.value === 'FALSE')) literal = operand.value === 'TRUE';
    else return fail('expected a string, a number or NIL', operand);
    return comparison(get, op.value, literal);
  }

  const matcher = parseOr();
  if (peek().kind !== 'end') fail('expected "&&", "||" or the end of the expression');
  return Object.assign(matcher, { perLine, source });
}

function comparison(get: (m: Message) => Value, op: string, literal: FieldValue | null): Matcher {
  if (literal === null) {
    if (op === '==') return (m) => get(m) === undefined || get(m) === null;
    if (op === '!=') return (m) => get(m) !== undefined && get(m) !== null;
    return () => false;
  }
  // Numbers compare as numbers when both sides are numeric (Fields decoded from text are often strings).
  const numeric = typeof literal === 'number';
  const coerce = (v: Value): FieldValue | undefined => (v === undefined || v === null ? undefined : numeric && typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : v);
  switch (op) {
    case '==':
      return (m) => coerce(get(m)) === literal;
    case '!=':
      return (m) => coerce(get(m)) !== literal;
    case '<':
      return (m) => { const v = coerce(get(m)); return v !== undefined && v < literal; };
    case '<=':
      return (m) => { const v = coerce(get(m)); return v !== undefined && v <= literal; };
    case '>':
      return (m) => { const v = coerce(get(m)); return v !== undefined && v > literal; };
    default:
      return (m) => { const v = coerce(get(m)); return v !== undefined && v >= literal; };
  }
}
