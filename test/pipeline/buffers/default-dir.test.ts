// A disk buffer without `path` lives in the user's private drover directory, which nobody else can make first.
import { lstatSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuffer } from '../../../src/pipeline/buffers/buffer';
import { controlDir } from '../../../src/supervisor/control';

const saved = process.env.TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
});

describe('the default disk buffer directory', () => {
  it('is $TMPDIR/drover-<uid>/buffers/<output>, in a directory of mode 0700', async () => {
    process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'drover-private-'));
    try {
      const buffer = createBuffer({ type: 'disk' }, 'papertrail', process.env);
      expect(controlDir()).toBe(join(process.env.TMPDIR, `drover-${process.getuid!()}`));
      expect(lstatSync(controlDir()).mode & 0o777).toBe(0o700);
      expect(lstatSync(join(controlDir(), 'buffers', 'papertrail')).isDirectory()).toBe(true);
      await buffer.close();
    } finally {
      rmSync(process.env.TMPDIR, { recursive: true, force: true });
    }
  });

  it('is refused when someone put a symlink where the private directory goes', () => {
    process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'drover-private-'));
    try {
      const elsewhere = mkdtempSync(join(tmpdir(), 'drover-attacker-'));
      symlinkSync(elsewhere, join(process.env.TMPDIR, `drover-${process.getuid!()}`));
      expect(() => createBuffer({ type: 'disk' }, 'papertrail', process.env)).toThrow(/not a directory/);
      rmSync(elsewhere, { recursive: true, force: true });
    } finally {
      rmSync(process.env.TMPDIR, { recursive: true, force: true });
    }
  });
});
