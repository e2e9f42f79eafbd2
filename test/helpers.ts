// Shared by the tests: temporary directories that clean themselves up, and the real `drover` command.
import { execa, type Options } from 'execa';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

export const ROOT = resolve(__dirname, '..');
export const DROVER = join(ROOT, 'bin', 'drover');
export const FIXTURES = join(ROOT, 'fixtures');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test; `files` maps relative paths to contents. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-test-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Runs the real bin/drover (the committed bundle) and never throws on a non-zero exit. */
export function drover(args: string[], options: Options = {}) {
  return execa(DROVER, args, { reject: false, ...options });
}
