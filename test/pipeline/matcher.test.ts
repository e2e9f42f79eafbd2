import { describe, expect, it } from 'vitest';
import { compileMatcher, MatcherSyntaxError } from '../../src/pipeline/matcher';
import { Message } from '../../src/pipeline/message';

function message(payload: string, logger = 'web.1', fields?: Record<string, string | number>) {
  const m = new Message(Buffer.from(payload), logger, 'stdout', 42, 'host');
  m.fields = fields;
  return m;
}

describe('compileMatcher', () => {
  const cases: [string, Message, boolean][] = [
    ['TRUE', message('x'), true],
    ['FALSE', message('x'), false],
    ['Logger == "web.1"', message('x'), true],
    ["Logger != 'web.1'", message('x'), false],
    ['Logger =~ /^web/', message('x', 'worker.1'), false],
    ['Logger !~ /^web/', message('x', 'worker.1'), true],
    ['Payload =~ /err(or)?\\b/', message('an error here'), true],
    ['Severity <= 6', message('x'), true],
    ['Severity < 6', message('x'), false],
    ['Stream == "stdout" && Pid == 42', message('x'), true],
    ["Fields[level] == 'debug'", message('x', 'web.1', { level: 'debug' }), true],
    ['Fields[status] >= 500', message('x', 'web.1', { status: '503' }), true],
    ['Fields[status] >= 500', message('x', 'web.1', { status: '200' }), false],
    ['Fields[missing] == NIL', message('x'), true],
    ['Fields[level] != NIL', message('x'), false],
    ['(Logger == "a" || Logger == "web.1") && !~ ', message('x'), false],
  ];
  for (const [expression, m, expected] of cases.slice(0, -1)) {
    it(`${expression} → ${expected}`, () => expect(compileMatcher(expression)(m)).toBe(expected));
  }

  it('reads a / inside a character class as part of the regular expression', () => {
    expect(compileMatcher('Payload =~ /^GET [^/]+\\/x/')(message('GET host/x'))).toBe(true);
  });

  it('knows only its own variables, not names inherited by every object', () => {
    expect(() => compileMatcher("constructor != 'x'")).toThrow('unknown variable "constructor"');
  });

  it('binds && tighter than ||, and honours parentheses', () => {
    expect(compileMatcher('TRUE || FALSE && FALSE')(message('x'))).toBe(true);
    expect(compileMatcher('(TRUE || FALSE) && FALSE')(message('x'))).toBe(false);
  });

  it.each([
    ['Logger = "x"', 8, 'unexpected character "="'],
    ['Logger == ', 11, 'expected a string, a number or NIL'],
    ['Loger == "x"', 1, 'unknown variable "Loger"'],
    ['Logger =~ "web"', 11, 'needs a regular expression'],
    ['Payload =~ /(/', 12, 'invalid regular expression'],
    ['(TRUE', 6, 'expected ")"'],
    ['TRUE FALSE', 6, 'expected "&&", "||" or the end'],
    ["Logger == 'open", 11, 'unterminated string'],
  ])('reports %j at column %i', (expression, column, text) => {
    let error: unknown;
    try {
      compileMatcher(expression);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MatcherSyntaxError);
    expect((error as MatcherSyntaxError).column).toBe(column);
    expect((error as Error).message).toContain(text);
  });
});
