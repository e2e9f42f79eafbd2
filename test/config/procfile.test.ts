// Procfile parsing, with cases taken from foreman's and honcho's own test suites (in our words) and the lines
// on which drover knowingly differs (README, "How drover compares").
import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../../src/config/procfile';

const names = (text: string) => parseProcfile(text).types.map((t) => [t.name, t.command]);

describe('parseProcfile', () => {
  it('reads types in order, skipping comments and blank lines', () => {
    const { types, warnings } = parseProcfile('# app\nweb: node server.js\n\nworker:   bin/worker --queue default\r\nclock:bin/clock\n');
    expect(warnings).toEqual([]);
    expect(types).toEqual([
      { name: 'web', command: 'node server.js', line: 2 },
      { name: 'worker', command: 'bin/worker --queue default', line: 4 },
      { name: 'clock', command: 'bin/clock', line: 5 },
    ]);
  });

  it('keeps colons inside the command', () => {
    expect(parseProcfile('web: bash -c "echo a:b"').types[0].command).toBe('bash -c "echo a:b"');
  });

  it('skips a line without a colon and a type with no command, with a warning naming each line, and keeps the rest', () => {
    const { types, warnings } = parseProcfile('This app runs on Heroku.\nweb node server.js\nworker:\nweb: node server.js\n');
    expect(types).toEqual([{ name: 'web', command: 'node server.js', line: 4 }]);
    expect(warnings.map((p) => [p.line, p.message])).toEqual([
      [1, 'skipped line "This app runs on Heroku.": not a process type'],
      [2, 'skipped line "web node server.js": not a process type'],
      [3, 'skipped process type "worker": it has no command'],
    ]);
    expect(warnings[1].hint).toContain('name: command');
  });

  it('takes the later command of a type defined twice, as Heroku does, and warns with both lines', () => {
    const { types, warnings } = parseProcfile('web: a\nworker: w\nweb: b\n');
    expect(types).toEqual([
      { name: 'web', command: 'b', line: 1 },
      { name: 'worker', command: 'w', line: 2 },
    ]);
    expect(warnings).toEqual([
      expect.objectContaining({ line: 3, message: 'process type "web" is defined again (first on line 1): this later command wins, as on Heroku' }),
    ]);
  });

  it('skips names with characters foreman and honcho do not allow, saying which are allowed', () => {
    const { types, warnings } = parseProcfile('web app: x\n+foo: command\n');
    expect(types).toEqual([]);
    expect(warnings.map((w) => w.line)).toEqual([1, 2]);
    expect(warnings[0].hint).toContain('letters, digits');
  });

  it('reads \\r-only line endings as line ends', () => {
    expect(names('web: a\rworker: b\r')).toEqual([
      ['web', 'a'],
      ['worker', 'b'],
    ]);
  });

  describe("foreman's cases", () => {
    it('reads the spec Procfile: a space or a tab after the colon, "-" and "_" in names, a commented-out type', () => {
      const text = 'alpha: ./alpha\n\nbravo:\t./bravo\nfoo_bar:\t./foo_bar\nfoo-bar:\t./foo-bar\n# baz:\t./baz\n';
      expect(names(text)).toEqual([
        ['alpha', './alpha'],
        ['bravo', './bravo'],
        ['foo_bar', './foo_bar'],
        ['foo-bar', './foo-bar'],
      ]);
      expect(parseProcfile(text).warnings).toEqual([]);
    });

    it('finds no type in an empty Procfile (foreman refuses it; drover check says there is nothing to run)', () => {
      expect(parseProcfile('\n')).toEqual({ types: [], warnings: [] });
    });
  });

  describe("honcho's cases", () => {
    it('reads one or several types, with or without a final newline', () => {
      expect(names('web: command\n')).toEqual([['web', 'command']]);
      expect(names('foo: python foo.py\nbar: python bar.py\n')).toEqual([
        ['foo', 'python foo.py'],
        ['bar', 'python bar.py'],
      ]);
      expect(names('web: command')).toEqual([['web', 'command']]);
    });

    it('skips comments and accepts a name that starts with "-"', () => {
      expect(names('#commented: command\n')).toEqual([]);
      expect(names('-foo_bar: command\n')).toEqual([['-foo_bar', 'command']]);
    });

    it('keeps shell metacharacters in the command as written', () => {
      expect(names('web: sh -c "echo $FOOBAR" >/dev/null 2>&1\n')).toEqual([['web', 'sh -c "echo $FOOBAR" >/dev/null 2>&1']]);
    });

    it('keeps the Procfile order', () => {
      expect(names('one: onecommand\ntwo: twocommand\nthree: twocommand\nfour: fourcommand\n').map(([n]) => n)).toEqual(['one', 'two', 'three', 'four']);
    });
  });

  describe('where drover is more lenient than foreman and honcho (listed in the README)', () => {
    it('reads a type indented or with a space before the colon, which they skip', () => {
      expect(names('  web: a\nworker : b\n')).toEqual([
        ['web', 'a'],
        ['worker', 'b'],
      ]);
    });
  });
});
