// Tokens of Heka's message matcher, read as Heka's lexer reads them (numbers, quotes, Fields[name][i][j], /RE2/).
import { compileRe2, Re2SyntaxError } from './re2';

/** A syntax or type error, with the 1-based column where it was found and a hint on what to write. */
export class MatcherSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly expression: string,
    readonly hint?: string,
  ) {
    super(`${message} at column ${column} of ${JSON.stringify(expression)}`);
    this.name = 'MatcherSyntaxError';
  }
}

export type Token =
  | { kind: 'ident'; value: string; at: number }
  | { kind: 'field'; value: string; field: number; array: number; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'regex'; value: RegExp; text: string; linear: boolean; at: number }
  | { kind: 'end'; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '&&', '||', '<', '>', '(', ')'];

/** Splits an expression into tokens; throws MatcherSyntaxError at the first one Heka would not read. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at = i, hint?: string): never => {
    throw new MatcherSyntaxError(message, at + 1, source, hint);
  };
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === '"' || c === "'") {
      // As in Heka: a backslash escapes the quote that opened the string; any other backslash stays.
      let value = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && source[i + 1] === c) i++;
        else if (source[i] === '\\' && i + 1 < source.length) value += source[i++];
        value += source[i++];
      }
      if (i >= source.length) fail(`unterminated string: no closing ${c}`, at, 'close a string with the quote that opened it');
      i++;
      tokens.push({ kind: 'string', value, at });
      continue;
    }
    if (c === '/') {
      const { re, engine } = regex();
      tokens.push({ kind: 'regex', value: re, text: source.slice(at, i), linear: engine === 'linear', at });
      continue;
    }
    if ((c >= '0' && c <= '9') || c === '.') {
      // Heka reads digits, '.', 'e', '+' and '-' as one number (so .6e1 is 6); there is no leading sign.
      const text = /^[0-9.e+-]+/.exec(source.slice(i))![0];
      const value = Number(text);
      if (!Number.isFinite(value) || !/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text))
        fail(`invalid number ${JSON.stringify(text)}`, at, 'numbers are written like 42, 0.5, .5 or 6e1');
      tokens.push({ kind: 'number', value, at });
      i += text.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'Fields') tokens.push(field(at));
      else tokens.push({ kind: 'ident', value: word[0], at });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) {
      const hint =
        c === '='
          ? 'compare with == (or =~ for a regular expression)'
          : c === '-'
            ? "Heka's numbers have no sign; Severity runs from 0 (emerg) to 7 (debug)"
            : c === '!'
              ? 'negate a comparison with != or !~'
              : undefined;
      fail(`unexpected character ${JSON.stringify(c)}`, i, hint);
    }
    tokens.push({ kind: 'op', value: op!, at });
    i += op!.length;
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;

  /** Fields[name], Fields[name][field index], Fields[name][field index][array index]; i is after "Fields". */
  function field(at: number): Token {
    const parts: string[] = [];
    while (source[i] === '[' && parts.length < 3) {
      const open = i;
      const close = source.indexOf(']', i);
      if (close < 0) fail('missing ] after Fields[', open);
      const text = source.slice(i + 1, close);
      if (text === '') fail(parts.length === 0 ? 'empty field name in Fields[]' : 'empty index in Fields[name][]', open);
      if (parts.length > 0 && !/^\d+$/.test(text)) fail(`index ${JSON.stringify(text)} of Fields[${parts[0]}] must be a number such as 0`, open + 1);
      if (parts.length === 0 && (/^\s|\s$/.test(text) || /^['"]/.test(text))) {
        fail(
          `field name ${JSON.stringify(text)} has quotes or spaces around it`,
          open + 1,
          `as in Heka, everything between the brackets is the name: write Fields[${text.trim().replace(/^['"]|['"]$/g, '')}]`,
        );
      }
      parts.push(text);
      i = close + 1;
    }
    if (parts.length === 0) fail('expected Fields[name]', i);
    if (source[i] === '[') fail('Fields takes at most a name, a field index and an array index: Fields[name][0][0]', i);
    return { kind: 'field', value: parts[0], field: Number(parts[1] ?? 0), array: Number(parts[2] ?? 0), at };
  }

  /** /RE2/: `\/` is a slash (as in Heka), and a `/` inside a class such as [^/] does not end it. */
  function regex() {
    const at = i;
    let body = '';
    const columns: number[] = [];
    let inClass = false;
    i++;
    while (i < source.length && (source[i] !== '/' || inClass)) {
      if (source[i] === '\\' && source[i + 1] === '/') i++;
      else if (source[i] === '\\' && i + 1 < source.length) {
        columns.push(i);
        body += source[i++];
      } else if (source[i] === '[') inClass = true;
      else if (source[i] === ']') inClass = false;
      columns.push(i);
      body += source[i++];
    }
    if (i >= source.length) fail('unterminated regular expression: no closing /', at, 'end it with a slash; write \\/ for a slash inside');
    i++;
    try {
      return compileRe2(body);
    } catch (error) {
      if (!(error instanceof Re2SyntaxError)) throw error;
      return fail(
        `invalid regular expression /${body}/: ${error.message}`,
        columns[error.offset] ?? at,
        error.hint ?? 'regular expressions use RE2 syntax, as in Heka (see the matcher section of the configuration reference)',
      );
    }
  }
}
