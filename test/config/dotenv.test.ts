// `.env` parsing as dotenv 16: cases from dotenv's, foreman's and honcho's own suites (in our words), and a
// comparison with the real dotenv package on generated files. Differences are listed in the README.
import { describe, expect, it } from 'vitest';
import dotenv from 'dotenv';
import { mergeDotenv, parseDotenv } from '../../src/config/dotenv';

const vars = (text: string) => parseDotenv(text).vars;

describe('parseDotenv', () => {
  it('reads plain, exported, quoted and commented values', () => {
    const text = [
      '# comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = a b  # trailing comment',
      'DOUBLE="line1\\nline2"',
      "SINGLE='raw $HOME \\n'",
      'EMPTY=',
      'MULTI="first',
      'second"',
    ].join('\n');
    const { vars: v, warnings } = parseDotenv(text);
    expect(warnings).toEqual([]);
    expect(v).toEqual({ PLAIN: 'value', EXPORTED: 'yes', SPACED: 'a b', DOUBLE: 'line1\nline2', SINGLE: 'raw $HOME \\n', EMPTY: '', MULTI: 'first\nsecond' });
  });

  it('reads backtick quotes on one line and across lines (the old parser kept the backticks, or failed)', () => {
    expect(vars('A=`one`\nB=`two\nlines` # note\nC=3\n')).toEqual({ A: 'one', B: 'two\nlines', C: '3' });
  });

  it('reads \\r, \\n and \\r\\n line endings alike (a \\r-only file was one variable)', () => {
    const expected = { SERVER: 'localhost', PASSWORD: 'password', DB: 'tests' };
    for (const eol of ['\r', '\n', '\r\n']) expect(vars(['SERVER=localhost', 'PASSWORD=password', 'DB=tests', ''].join(eol))).toEqual(expected);
  });

  it('takes a comment after a closing quote', () => {
    expect(vars(`A="x # y" # a comment\nB='z' #c\n`)).toEqual({ A: 'x # y', B: 'z' });
  });

  it('warns about an unterminated quote with its line, reads it as dotenv does, and keeps the lines after it', () => {
    const { vars: v, warnings } = parseDotenv('A=1\nB="never closed\nC=3\n');
    expect(v).toEqual({ A: '1', B: '"never closed', C: '3' });
    expect(warnings).toEqual([
      expect.objectContaining({
        line: 2,
        message: 'the value of B opens a double quote that is never closed: it is read up to the end of its line, quote included',
      }),
    ]);
  });

  it('warns about a line that is not KEY=value, with its number, and keeps the others', () => {
    const { vars: v, warnings } = parseDotenv('A=1\njust words\n\nB="two\nlines"\n+foo=bar\nC=3');
    expect(v).toEqual({ A: '1', B: 'two\nlines', C: '3' });
    expect(warnings.map((w) => [w.line, w.message])).toEqual([
      [2, 'skipped line "just words": not KEY=value'],
      [6, 'skipped line "+foo=bar": not KEY=value'],
    ]);
  });

  it('warns about text after a closing quote, which makes the whole line the value (as in dotenv)', () => {
    const { vars: v, warnings } = parseDotenv('A="abc" junk\n');
    expect(v).toEqual({ A: '"abc" junk' });
    expect(warnings[0]).toMatchObject({ line: 1, message: expect.stringContaining('has text after its closing double quote') });
  });

  describe("dotenv's cases", () => {
    it('reads empty, quoted and spaced values', () => {
      expect(vars('BASIC=basic\n\n# blank line above\nAFTER_LINE=after_line\nEMPTY=\nE1=\'\'\nE2=""\nE3=``\n')).toEqual({
        BASIC: 'basic',
        AFTER_LINE: 'after_line',
        EMPTY: '',
        E1: '',
        E2: '',
        E3: '',
      });
      expect(vars('S=\'    single    \'\nD="    double    "\nB=`    back    `\n')).toEqual({ S: '    single    ', D: '    double    ', B: '    back    ' });
    });

    it('keeps quotes of the other kinds inside a quoted value', () => {
      expect(vars(`A='say "hi" there'\nB="it's"\nC=\`"both" 'kinds'\`\nD='\`tick\`'\nE={"foo": "bar"}\nF='{"foo": "bar"}'\n`)).toEqual({
        A: 'say "hi" there',
        B: "it's",
        C: `"both" 'kinds'`,
        D: '`tick`',
        E: '{"foo": "bar"}',
        F: '{"foo": "bar"}',
      });
    });

    it('expands \\n only in double quotes', () => {
      expect(vars(`A="x\\ny"\nB=x\\ny\nC='x\\ny'\nD=\`x\\ny\`\n`)).toEqual({ A: 'x\ny', B: 'x\\ny', C: 'x\\ny', D: 'x\\ny' });
    });

    it('starts a comment at # in an unquoted value, even without a space before it', () => {
      expect(vars('A=inline comments # work #very #well\nB=starts at a#number sign\n# C=commented\n')).toEqual({ A: 'inline comments', B: 'starts at a' });
    });

    it('keeps = in values, trims unquoted values, takes spaced and exported keys', () => {
      expect(vars('EQ=equals==\nTRIM=    some spaced out string   \nMAIL=someone@example.tld\n    SPACED_KEY = parsed\nexport   EXP  =some_value\n')).toEqual({
        EQ: 'equals==',
        TRIM: 'some spaced out string',
        MAIL: 'someone@example.tld',
        SPACED_KEY: 'parsed',
        EXP: 'some_value',
      });
    });

    it('lets the last definition of a key win, and reads KEY: value', () => {
      expect(vars('DUP=one\nDUP=two\nCOLON: value\n')).toEqual({ DUP: 'two', COLON: 'value' });
    });
  });

  describe("foreman's cases that dotenv agrees with", () => {
    it('reads plain, double- and single-quoted values and a URL with & and ?', () => {
      expect(vars(`FOO=bar\nBAZ="qux"\nFRED='barney'\nURL="http://example.com/api?foo=bar&baz=1"\n`)).toEqual({
        FOO: 'bar',
        BAZ: 'qux',
        FRED: 'barney',
        URL: 'http://example.com/api?foo=bar&baz=1',
      });
    });

    it('expands \\n in a double-quoted value', () => {
      expect(vars('FOO="bar\\nbaz"\n')).toEqual({ FOO: 'bar\nbaz' });
    });
  });

  describe("honcho's cases that dotenv agrees with", () => {
    it('reads values with or without a final newline, and skips comments', () => {
      expect(vars('FOO=bar\nBAZ=qux\n')).toEqual({ FOO: 'bar', BAZ: 'qux' });
      expect(vars('FOO=bar')).toEqual({ FOO: 'bar' });
      expect(vars('#commented: command\n')).toEqual({});
    });

    it('keeps punctuation, @, unicode values and quotes of the other kind', () => {
      expect(vars(`A='hello"world'\nB="hello'world"\nC='"surrounded"'\nD=user@domain.com\nE=~pun|u@|0n$=\nF=⋃ñᴉ—☪ó∂ǝ\nG='sp ace'\n`)).toEqual({
        A: 'hello"world',
        B: "hello'world",
        C: '"surrounded"',
        D: 'user@domain.com',
        E: '~pun|u@|0n$=',
        F: '⋃ñᴉ—☪ó∂ǝ',
        G: 'sp ace',
      });
    });

    it('skips a key that is not ASCII, with a warning', () => {
      const { vars: v, warnings } = parseDotenv('ṀẎṾẠṚ=value\n');
      expect(v).toEqual({});
      expect(warnings).toHaveLength(1);
    });
  });

  describe('where foreman or honcho differ from dotenv, drover reads as dotenv (listed in the README)', () => {
    it('keeps the backslash of \\" in double quotes (foreman and honcho unescape it)', () => {
      expect(vars('OTHER="escaped\\"quote"\n')).toEqual({ OTHER: 'escaped\\"quote' });
      expect(vars('MYVAR=\\"escaped\\"\n')).toEqual({ MYVAR: '\\"escaped\\"' });
    });

    it('keeps \\t and \\$ as written, even in single quotes (honcho turns \\t into a tab)', () => {
      expect(vars("TABS='foo\\tbar'\nDOLLAR='foo\\$bar'\n")).toEqual({ TABS: 'foo\\tbar', DOLLAR: 'foo\\$bar' });
    });

    it('accepts a key that starts with "-" (honcho skips it)', () => {
      expect(vars('-foo=command\n')).toEqual({ '-foo': 'command' });
    });

    it('ends an unquoted value at # (foreman keeps it): quote a URL with a fragment', () => {
      expect(vars('URL=http://x/#frag\nQUOTED="http://x/#frag"\n')).toEqual({ URL: 'http://x/', QUOTED: 'http://x/#frag' });
    });
  });

  describe('the same values as the dotenv package', () => {
    // Generated files: keys, separators, values of every quoting, comments and line endings mixed at random.
    const pieces = {
      key: ['A', 'B_2', 'x.y', 'k-z', 'export A', 'export', '  C', 'bad key', '#K'],
      sep: ['=', ' = ', '=  ', ': ', ':', '=\t'],
      value: [
        'v',
        'two words',
        '"dq"',
        "'sq'",
        '`bt`',
        '"a\\nb"',
        "'a\\nb'",
        '"open',
        "'open",
        '`open',
        'x # c',
        'x#c',
        '"q" # c',
        '"q"x',
        '"a\\"b"',
        "'a\\'b'",
        '"',
        '',
        '  ',
        '"multi',
        'line"',
        '`',
        '#',
        '\\',
        '"\\\\"',
      ],
      eol: ['\n', '\r\n', '\r', '\n\n', '\n# note\n', '\n  \n'],
    };
    let seed = 42;
    const pick = <T>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % list.length];
    const files: string[] = [];
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const lines = 1 + (n % 5);
      for (let i = 0; i < lines; i++)
        text += pick(pieces.key) + pick(pieces.sep) + pick(pieces.value) + (pick([0, 1, 2]) ? pick(pieces.value) : '') + pick(pieces.eol);
      files.push(text);
    }
    /** Where drover knowingly differs (README): a value that dotenv looks for on the next line. */
    const known = (text: string) => /(?:=|:)[ \t]*(?:\r\n|\r|\n)\s*["'`]|:(?:\r\n|\r|\n)|[\w.-][ \t]*(?:\r\n|\r|\n)\s*=/.test(text);

    it('gives the values dotenv gives for 3,000 generated files', () => {
      const differ = files.filter((text) => !known(text) && JSON.stringify(parseDotenv(text).vars) !== JSON.stringify(dotenv.parse(text)));
      expect(differ.slice(0, 5)).toEqual([]);
      expect(files.filter((t) => !known(t)).length).toBeGreaterThan(2000);
    });

    it('differs only where the README says: a value looked for on the next line', () => {
      expect(dotenv.parse('A=\n"x"')).toEqual({ A: 'x' });
      expect(vars('A=\n"x"')).toEqual({ A: '' });
      expect(dotenv.parse('A:\nB=1')).toEqual({ A: 'B=1' });
      expect(vars('A:\nB=1')).toEqual({ B: '1' });
    });
  });
});

describe('mergeDotenv', () => {
  it('never lets .env override a real variable', () => {
    expect(mergeDotenv({ A: 'real' }, { A: 'dotenv', B: 'dotenv' })).toEqual({ A: 'real', B: 'dotenv' });
  });
});
