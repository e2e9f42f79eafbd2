import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../../src/config/procfile';

describe('parseProcfile', () => {
  it('reads types in order, skipping comments and blank lines', () => {
    const { types, problems } = parseProcfile('# app\nweb: node server.js\n\nworker:   bin/worker --queue default\r\nclock:bin/clock\n');
    expect(problems).toEqual([]);
    expect(types).toEqual([
      { name: 'web', command: 'node server.js', line: 2 },
      { name: 'worker', command: 'bin/worker --queue default', line: 4 },
      { name: 'clock', command: 'bin/clock', line: 5 },
    ]);
  });

  it('keeps colons inside the command', () => {
    expect(parseProcfile('web: bash -c "echo a:b"').types[0].command).toBe('bash -c "echo a:b"');
  });

  it('reports a duplicate type with both line numbers', () => {
    const { types, problems } = parseProcfile('web: a\nweb: b\n');
    expect(types).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ line: 2, message: 'process type "web" is defined twice (first on line 1)' })]);
  });

  it('reports a line without a colon, and an empty command', () => {
    const { problems } = parseProcfile('web node server.js\nworker:\n');
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'cannot parse line "web node server.js"'],
      [2, 'process type "worker" has no command'],
    ]);
    expect(problems[0].hint).toContain('name: command');
  });

  it('rejects names with characters foreman does not allow', () => {
    expect(parseProcfile('web app: x').problems[0].hint).toContain('letters, digits');
  });
});
