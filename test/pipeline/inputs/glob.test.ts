// The file input's globs against a real directory tree.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob } from '../../../src/pipeline/inputs/glob';
import { tempDir } from '../../helpers';

describe('expandGlob', () => {
  it('matches *, ?, [..] and ** relative to the base, files only, not hidden ones', () => {
    const dir = tempDir({
      'logs/a.log': '',
      'logs/b.log': '',
      'logs/.hidden.log': '',
      'logs/c.txt': '',
      'logs/x1/deep.log': '',
      'logs/x1/y/deeper.log': '',
      'logs/dir.log/f': '',
    });
    const names = (pattern: string) => [...expandGlob(pattern, dir).keys()].map((p) => p.slice(dir.length + 1)).sort();
    expect(names('logs/*.log')).toEqual(['logs/a.log', 'logs/b.log']);
    expect(names('logs/?.log')).toEqual(['logs/a.log', 'logs/b.log']);
    expect(names('logs/[a].log')).toEqual(['logs/a.log']);
    expect(names('logs/[!a].log')).toEqual(['logs/b.log']);
    expect(names('logs/**/*.log')).toEqual(['logs/a.log', 'logs/b.log', 'logs/x1/deep.log', 'logs/x1/y/deeper.log']);
    expect(names(join(dir, 'logs/c.txt'))).toEqual(['logs/c.txt']);
    expect(names('missing/*.log')).toEqual([]);
  });

  it('survives a symlink loop under **', () => {
    const dir = tempDir({ 'logs/a.log': '' });
    symlinkSync(join(dir, 'logs'), join(dir, 'logs/loop'));
    expect(expandGlob('logs/**/a.log', dir).size).toBeGreaterThanOrEqual(1);
  });
});
