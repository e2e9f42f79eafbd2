// Builds the buildpack under test from src/ before any test runs, so that an edit in src/ is always what
// the tests exercise (the committed lib/ is guarded by test/build.test.ts, not used by the other tests).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** What a platform gets from a git clone, with lib/ built from the working tree's src/. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'drover-under-test-'));
  // mkdtemp makes it 0700: the tests that run drover as a second local user need to reach bin/drover too.
  chmodSync(dir, 0o755);
  for (const entry of ['bin', 'conf', 'buildpack.toml']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), join(dir, 'lib')], { cwd: ROOT, stdio: 'inherit' });
  cpSync(join(ROOT, 'lib', 'package.json'), join(dir, 'lib', 'package.json'));
  // Test workers are forked after this runs and inherit the environment.
  process.env.DROVER_UNDER_TEST = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
