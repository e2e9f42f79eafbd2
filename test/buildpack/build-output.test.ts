import { describe, expect, it } from 'vitest';
import { BuildError, formatSize, Output } from '../../src/buildpack/build-output';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const output = new Output({ write: (s: string) => out.push(s) } as never, { write: (s: string) => err.push(s) } as never);
  return { output, out: () => out.join(''), err: () => err.join('') };
}

describe('Output', () => {
  it("writes Heroku's levels: steps, 7-space details (each line), warnings", () => {
    const c = capture();
    c.output.step('Installing drover');
    c.output.detail('one\ntwo');
    c.output.warn('careful');
    expect(c.out()).toBe('-----> Installing drover\n       one\n       two\n !     careful\n');
  });

  it('writes an error block to stderr: header, cause, what to do', () => {
    const c = capture();
    c.output.error(new BuildError('the drover configuration has 1 error', ['drover/1.toml:2: bad'], ['Fix it.']));
    expect(c.err()).toBe('\n !     ERROR: the drover configuration has 1 error\n !\n !     drover/1.toml:2: bad\n !\n !     Fix it.\n\n');
    expect(c.out()).toBe('');
  });
});

describe('formatSize', () => {
  it('says KB below a megabyte and MB above', () => {
    expect(formatSize(250_000)).toBe('244 KB');
    expect(formatSize(98_932_688)).toBe('94.3 MB');
    expect(formatSize(10)).toBe('1 KB');
  });
});
