import { describe, expect, it } from 'vitest';
import { compileMatcher, MatcherSyntaxError } from '../../../src/pipeline/matcher/matcher';
import { Message } from '../../../src/pipeline/message';

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
    ['Fields[status] >= 500', message('x', 'web.1', { status: 503 }), true],
    ['Fields[status] >= 500', message('x', 'web.1', { status: 200 }), false],
    // Typed as in Heka: a string field never equals or orders against a number, nor a number against a string.
    ['Fields[status] >= 500', message('x', 'web.1', { status: '503' }), false],
    ['Fields[n] == 43', message('x', 'web.1', { n: '43' }), false],
    ["Fields[n] == '43'", message('x', 'web.1', { n: '43' }), true],
    ['Fields[n] =~ /999/', message('x', 'web.1', { n: 999 }), false],
    ['Fields[n] !~ /999/', message('x', 'web.1', { n: 999 }), false],
    // Heka compares a boolean field with TRUE, or else with FALSE, whatever the operator and literal.
    ["Fields[b] == 'x'", message('x', 'web.1', { b: false } as never), true],
    ["Fields[b] != 'x'", message('x', 'web.1', { b: true } as never), false],
    ['Fields[b] == TRUE', message('x', 'web.1', { b: true } as never), true],
    // Absent fields: every comparison is false except == NIL.
    ["Fields[level] != 'debug'", message('x'), false],
    ["Fields[level] == NIL || Fields[level] != 'debug'", message('x'), true],
    ['Fields[level] !~ /debug/', message('x'), false],
    ['Fields[level][0][0] == NIL', message('x'), true],
    ["Fields[level][0][0] == 'info'", message('x', 'web.1', { level: 'info' }), true],
    ["Fields[level][1] == 'info'", message('x', 'web.1', { level: 'info' }), false],
    ['Fields[constructor] == NIL', message('x', 'web.1', {}), true],
    // Heka's literal forms.
    ['Severity == .6e1', message('x'), true],
    ['Severity == 6.0', message('x'), true],
    // Heka keeps a backslash unless it escapes the quote that opened the string.
    [String.raw`Payload == 'a\b'`, message(String.raw`a\b`), true],
    [String.raw`Payload == 'it\'s'`, message("it's"), true],
    [String.raw`Payload == "a\nb"`, message(String.raw`a\nb`), true],
    // RE2 syntax in regular expressions.
    ['Payload =~ /\\ATest/', message('Test Payload'), true],
    ['Payload =~ /\\ATest/', message('A Test'), false],
    ['Payload =~ /Payload\\z/', message('Test Payload'), true],
    ['Payload =~ /^[[:alpha:]]+ /', message('Test Payload'), true],
    ['Payload =~ /(?i)test payload/', message('Test Payload'), true],
    ['Payload =~ /(?P<w>Test)/', message('Test Payload'), true],
    ['Payload =~ /\\Qa.b\\E/', message('axb'), false],
    ['Payload =~ /a\\/b/', message('a/b'), true],
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

  it('refuses parentheses nested too deep with the column, instead of exhausting the stack', () => {
    const deep = '('.repeat(5000) + 'TRUE' + ')'.repeat(5000);
    let error: unknown;
    try {
      compileMatcher(deep);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MatcherSyntaxError);
    expect((error as MatcherSyntaxError).column).toBe(101);
    expect((error as Error).message).toContain('parentheses nest more than 100 deep');
    expect(compileMatcher('('.repeat(100) + 'TRUE' + ')'.repeat(100))(message('x'))).toBe(true);
  });

  it('evaluates a long chain of && and || without deep recursion', () => {
    const chain = Array.from({ length: 20000 }, () => 'Severity <= 7').join(' && ');
    expect(compileMatcher(chain)(message('x'))).toBe(true);
    expect(compileMatcher(chain + ' && FALSE || Pid == 42')(message('x'))).toBe(true);
  });

  it('matches in linear time: ^(a+)+$ against 40 a and a "!" takes milliseconds', () => {
    const m = compileMatcher('Payload =~ /^(a+)+$/');
    const started = performance.now();
    expect(m(message('a'.repeat(40) + '!'))).toBe(false);
    expect(m(message('a'.repeat(100000) + '!'))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads Timestamp in nanoseconds, as Heka does', () => {
    const m = message('x');
    m.timestamp = 1_700_000_000_000;
    expect(compileMatcher('Timestamp == 1.7e18')(m)).toBe(true);
  });

  it('binds && tighter than ||, and honours parentheses', () => {
    expect(compileMatcher('TRUE || FALSE && FALSE')(message('x'))).toBe(true);
    expect(compileMatcher('(TRUE || FALSE) && FALSE')(message('x'))).toBe(false);
  });

  it.each([
    ['Logger = "x"', 8, 'unexpected character "="'],
    ['Logger == ', 11, 'expected a string, a number, a /regular expression/, TRUE, FALSE or NIL'],
    ['Loger == "x"', 1, 'unknown variable "Loger"'],
    ['Logger =~ "web"', 11, 'needs a regular expression'],
    ['Payload =~ /(/', 13, 'missing closing )'],
    // Comparisons Heka refuses: the column of the offending part, and the type expected.
    ["Pid == 'test='", 8, 'Pid is a number'],
    ['Pid =~ /6/', 5, 'Pid is a number: =~ and !~ work on strings'],
    ['Pid !~ /6/', 5, 'Pid is a number'],
    ['Type == NIL', 9, 'Type is a string'],
    ['Fields[test] > NIL', 14, 'NIL works only with == and !='],
    ["Severity != 'x'", 13, 'Severity is a number'],
    ['Severity == -1', 13, 'unexpected character "-"'],
    ['Fields[bool] != TRUE', 14, 'TRUE and FALSE work only with =='],
    ['Type == 5', 9, 'Type is a string'],
    ["Fields['level'] == 'x'", 8, 'has quotes or spaces around it'],
    ['Fields[a][0][0][0] == 1', 16, 'at most a name, a field index and an array index'],
    ['EnvVersion == "0.8"', 1, "Heka's EnvVersion is not in drover's messages"],
    // Regular expressions RE2 does not have: the column inside the expression.
    ['Payload =~ /x(?=y)/', 14, 'RE2 has no lookaround'],
    ['Payload =~ /(a)\\1/', 16, 'RE2 has no backreferences'],
    ['Type =~ /\\ytest/', 10, 'invalid escape sequence \\y'],
    ['Payload =~ /a**/', 15, 'invalid nested repetition operator'],
    ['Payload =~ /\\pL/', 13, 'Unicode classes'],
    ['Payload =~ /x{1001}/', 14, 'invalid repeat count'],
    ['1.2.3 == 1', 1, 'invalid number'],
    ['Severity == 1e', 13, 'invalid number'],
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
