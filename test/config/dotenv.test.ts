import { describe, expect, it } from 'vitest';
import { mergeDotenv, parseDotenv } from '../../src/config/dotenv';

describe('parseDotenv', () => {
  it('reads plain, exported, quoted and commented values', () => {
    const text = [
      '# comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = a b  # trailing comment',
      'DOUBLE="line1\\nline2 \\"q\\""',
      "SINGLE='raw $HOME \\n'",
      'HASH=a#b',
      'EMPTY=',
      'MULTI="first',
      'second"',
    ].join('\n');
    const { vars, problems } = parseDotenv(text);
    expect(problems).toEqual([]);
    expect(vars).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SPACED: 'a b',
      DOUBLE: 'line1\nline2 "q"',
      SINGLE: 'raw $HOME \\n',
      HASH: 'a#b',
      EMPTY: '',
      MULTI: 'first\nsecond',
    });
  });

  it('reports an unterminated quote with its line', () => {
    const { problems } = parseDotenv('A=1\nB="never closed\nC=3\n');
    expect(problems).toEqual([expect.objectContaining({ line: 2, message: 'the value of B opens a double quote that is never closed' })]);
  });

  it('reports a line that is not KEY=value', () => {
    expect(parseDotenv('just words').problems[0]).toMatchObject({ line: 1, hint: 'write each variable as KEY=value' });
  });
});

describe('mergeDotenv', () => {
  it('never lets .env override a real variable', () => {
    expect(mergeDotenv({ A: 'real' }, { A: 'dotenv', B: 'dotenv' })).toEqual({ A: 'real', B: 'dotenv' });
  });
});
