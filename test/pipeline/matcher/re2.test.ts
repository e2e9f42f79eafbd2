import { describe, expect, it } from 'vitest';
import { compileRe2, Re2SyntaxError } from '../../../src/pipeline/matcher/re2';

describe('compileRe2', () => {
  it.each([
    ['\\ATest', 'Test x', true],
    ['\\ATest', 'x Test', false],
    ['Payload\\z', 'a Payload', true],
    ['^[[:alpha:]]+ ', 'abc d', true],
    ['^[[:^digit:]]+$', 'abc', true],
    ['(?i)test payload', 'TEST PAYLOAD', true],
    ['(?i)k', '\u212a', true], // RE2 folds k with the Kelvin sign
    ['(?i:A)b', 'aB', false],
    ['(?i:A)b', 'ab', true],
    ['a(?i)b|c', 'C', true], // a flag lasts to the end of its group, across |
    ['(?P<w>Test)', 'Test', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^a{2,4}$', 'aaaa', true],
    ['^a{2,4}$', 'aaaaa', false],
    ['^(?:ab){3,}$', 'ababab', true],
    ['^x{0}$', '', true],
    ['[^a]', '\n', true], // RE2's negated classes take newlines
    ['.', '\n', false],
    ['(?s).', '\n', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['\\s', '\v', false], // RE2's \s is [\t\n\f\r ]
    ['\\d', '٣', false], // and \d is ASCII
    ['x*?y', 'xxy', true],
    ['(?U)x*y', 'xxy', true],
    ['\\x{1F600}+', '😀😀', true],
    ['\\141\\x62', 'ab', true],
    ['[]a]', ']', true],
    ['[\\d-]+$', '1-2', true],
    ['a\\.b', 'a.b', true],
    ['a{,3}', 'a{,3}', true], // not a repetition in RE2: literal braces
  ])('/%s/ on %j → %s', (pattern, text, expected) => {
    expect(compileRe2(pattern).re.test(text)).toBe(expected);
  });

  it.each([
    ['x(?=y)', 1, 'RE2 has no lookaround'],
    ['(?<!x)y', 0, 'RE2 has no lookaround'],
    ['(a)\\1', 3, 'RE2 has no backreferences'],
    ['(?P<a>x)(?P=a)', 8, 'RE2 has no backreferences'],
    ['\\ytest', 0, 'invalid escape sequence \\y'],
    ['x\\Z', 1, 'invalid escape sequence \\Z'],
    ['\\pL', 0, 'Unicode classes'],
    ['a**', 2, 'invalid nested repetition operator'],
    ['*a', 0, 'missing argument to repetition operator'],
    ['a{1001}', 1, 'invalid repeat count'],
    ['a{3,2}', 1, 'invalid repeat count'],
    ['(?P<n>a)(?P<n>b)', 8, 'duplicate capture group name'],
    ['(?P<a-b>x)', 0, 'invalid named capture'],
    ['(x', 0, 'missing closing )'],
    ['x)', 1, 'unexpected )'],
    ['[a', 0, 'missing closing ]'],
    ['[z-a]', 1, 'invalid character class range'],
    ['[[:alfa:]]', 1, 'invalid character class range [:alfa:]'],
    ['[😀]', 0, 'characters above U+FFFF'],
    ['(?m)^a\\z', 6, 'cannot be mixed'],
    ['(?#c)', 0, 'invalid or unsupported group syntax'],
    ['\\C', 0, '\\C (any byte)'],
    ['x\\', 1, 'trailing backslash'],
  ])('refuses /%s/ at offset %i: %s', (pattern, offset, text) => {
    let error: unknown;
    try {
      compileRe2(pattern, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Re2SyntaxError);
    expect((error as Re2SyntaxError).offset).toBe(offset);
    expect((error as Error).message).toContain(text);
  });

  it('refuses groups nested deeper than RE2 allows, instead of exhausting the stack', () => {
    expect(() => compileRe2('('.repeat(5000) + 'a' + ')'.repeat(5000))).toThrow('groups nest more than 500 deep');
    expect(compileRe2('(?:'.repeat(400) + 'a' + ')'.repeat(400)).re.test('a')).toBe(true);
  });

  it('gives named groups in order, as capture k + 1', () => {
    const { re, names } = compileRe2('(?P<a>x)(y)(?<b>z)?', true);
    expect(names).toEqual(['a', 'b']);
    expect([...re.exec('xy')!]).toEqual(['xy', 'x', undefined]);
  });

  it('refuses a named group inside a counted repetition, whose copies could not share the name', () => {
    expect(() => compileRe2('(?P<h>[0-9a-f]){8}', true)).toThrow('a named group inside a counted repetition');
    expect(compileRe2('(?P<h>(?:[0-9a-f]){8})', true).re.exec('deadbeef')![1]).toBe('deadbeef');
    // Without captures (the matcher) the group is only a group.
    expect(compileRe2('(?P<h>[0-9a-f]){8}').re.test('deadbeef')).toBe(true);
  });

  it('writes counted repetitions out, as large as RE2 allows, and still matches in linear time', () => {
    const { re } = compileRe2('^[0-9a-f]{32}$');
    expect(re.test('0123456789abcdef0123456789abcdef')).toBe(true);
    expect(re.test('0123456789abcdef0123456789abcde')).toBe(false);
    const big = compileRe2('^(?:a?){1000}a{1000}$').re;
    const started = performance.now();
    expect(big.test('a'.repeat(1000))).toBe(true);
    expect(big.test('a'.repeat(999) + '!')).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it.each([
    ['^web', 'backtracking'],
    ['error|warn(ing)?', 'backtracking'],
    ['error|warning', 'backtracking'],
    ['^\\S+ \\d+$', 'backtracking'],
    ['^[a-z]+=[^;]*;', 'backtracking'],
    ['\\d+', 'linear'], // unanchored with a repetition: quadratic when backtracking
    ['\\d+x', 'linear'],
    ['"(GET|POST) /api/[a-z]+/\\d+ HTTP', 'backtracking'], // no repetition takes the " it starts with
    ['"[^"]*"', 'backtracking'], // each attempt ends at the next ", where the next one starts
    ['a[a-z]+!', 'linear'], // an attempt may start inside what [a-z]+ took
    ['^\\S+[^"]*"', 'linear'], // two repetitions that can take the same characters
    ['^(a+)+$', 'linear'],
    ['(?:Test|Text) (?:a|b)', 'backtracking'], // few ways through, no repetition
    ['(?:a|a){40}b', 'linear'], // 2^40 ways through one position
    ['^(?:ab)+$', 'backtracking'], // each round starts with a, and the end cannot
    ['^(?:ab|ac)+$', 'linear'], // two branches start alike
    ['^(?:a|aa)*c', 'linear'], // two ways to take aa: exponential when backtracking
    ['^(?:a|b)*?c$', 'backtracking'],
    ['^(?:a*)*$', 'linear'], // a repetition of what can match nothing
    ['^x(?: [^"]*)?"', 'backtracking'],
    ['^x(?:"[^"]*)?"', 'linear'], // the optional part and what follows both start with "
    ['^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>[^ "]+)(?: [^"]*)?" (?<status>\\d{3}) (?<bytes>\\d+)', 'backtracking'],
  ])('runs /%s/ on the %s engine', (pattern, engine) => {
    expect(compileRe2(pattern).engine).toBe(engine);
  });

  it.each([
    ['^(a+)+$', 'a'.repeat(40) + '!'],
    ['\\s*\\s*x|a*a*c', 'a'.repeat(20000)],
    ['^(a|a)*$', 'a'.repeat(40) + '!'],
    ['^(a|aa)+$', 'a'.repeat(60) + '!'],
    ['(x+x+)+y', 'x'.repeat(5000)],
    ['"[a-z]+/', '"' + 'a'.repeat(20000)],
    ['"[^"]*"x', '""'.repeat(10000)],
    ['^(?:a|aa)*c', 'a'.repeat(5000)],
    ['^(?:ab)*c', 'ab'.repeat(10000)],
    ['(?:a|a){40}b', 'a'.repeat(1000)],
    ['(?:a|ab){30}c', 'ab'.repeat(500)],
    ['^(\\w+\\s?)*$', 'an unmatched sentence that goes on and on and on and on and on and on!'],
  ])('matches %s against a pathological line in milliseconds', (pattern, text) => {
    const { re } = compileRe2(pattern);
    const started = performance.now();
    expect(re.test(text)).toBe(false);
    expect(re.test(text.repeat(20))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
