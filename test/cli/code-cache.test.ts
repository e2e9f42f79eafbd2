// bin/support/code-cache.cjs: V8's code cache of lib/drover.js, kept where only the user (or the bundle's owner)
// can write, and never used for another bundle.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILDPACK, tempDir } from '../helpers';

const uid = process.getuid?.() ?? 0;

/** A copy of the drover under test; `edit` rewrites its bundle. */
function droverTree(edit?: (bundle: string) => string): string {
  const dir = tempDir();
  for (const entry of ['bin', 'lib', 'conf']) cpSync(join(BUILDPACK, entry), join(dir, entry), { recursive: true });
  if (edit) {
    const file = join(dir, 'lib', 'drover.js');
    const before = readFileSync(file, 'utf8');
    const after = edit(before);
    expect(after.length).toBe(before.length);
    expect(after).not.toBe(before);
    writeFileSync(file, after);
  }
  return dir;
}

/** `drover version` from `tree` with $TMPDIR set to `tmp`: its stdout. */
async function version(tree: string, tmp: string): Promise<string> {
  const result = await execa(join(tree, 'bin', 'drover'), ['version'], { env: { TMPDIR: tmp }, reject: false });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  expect(result.stderr).toBe('');
  return String(result.stdout);
}

/**
 * `drover start` from `tree` with $TMPDIR set to `tmp`, for an app whose one process runs 1.5 s: the cache is written
 * at 1 s. `toml` is more of the app's configuration.
 */
async function start(tree: string, tmp: string, env: Record<string, string> = {}, toml = ''): Promise<void> {
  const app = tempDir({ Procfile: 'web: sleep 1.5\n', 'drover/100.toml': `[processes.web]\nautorestart = false\n${toml}` });
  const result = await execa(join(tree, 'bin', 'drover'), ['start'], { cwd: app, env: { TMPDIR: tmp, ...env }, reject: false });
  expect(result.exitCode, String(result.stderr)).toBe(0);
}

/** The cache files in a directory, name -> content. */
function caches(dir: string): Map<string, Buffer> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    /* not made */
  }
  return new Map(names.map((name) => [name, readFileSync(join(dir, name))]));
}

// The same length as the original: V8 alone would take the original's cache for it (it compares lengths only). The
// version is set by top-level code, which every cache holds compiled.
const mark = (bundle: string) => bundle.replace(/var VERSION = true \? "([^"]*)"/, (_, v: string) => `var VERSION = true ? "${'X'.repeat(v.length)}"`);
const MARKED = /^drover X+ \(node /;
const UNMARKED = /^drover [^X ]\S* \(node /;

describe('the code cache of lib/drover.js', () => {
  it('is written to $TMPDIR/drover-<uid>/code-cache (0700) by the first start, and read, unchanged, by every command after', async () => {
    const tree = droverTree();
    const tmp = tempDir();
    const dir = join(tmp, `drover-${uid}`, 'code-cache');
    // A command that ends within a second writes none: the cache holds what the supervisor runs.
    expect(await version(tree, tmp)).toMatch(/^drover \S+ \(node v\d+/);
    expect(caches(dir).size).toBe(0);
    await start(tree, tmp);
    expect(statSync(join(tmp, `drover-${uid}`)).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const first = caches(dir);
    expect([...first.keys()]).toEqual([expect.stringMatching(/^drover-[0-9a-f]+\.bin$/)]);
    const [name] = first.keys();
    const written = statSync(join(dir, name)).mtimeMs;
    expect(await version(tree, tmp)).toMatch(/^drover \S+ \(node v\d+/);
    await start(tree, tmp);
    expect(caches(dir)).toEqual(first);
    expect(statSync(join(dir, name)).mtimeMs).toBe(written);
  });

  it("keeps the 8 newest caches in the private directory: other paths' caches do not pile up", async () => {
    const tree = droverTree();
    const tmp = tempDir();
    const dir = join(tmp, `drover-${uid}`, 'code-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(join(tmp, `drover-${uid}`), 0o700);
    // Caches of 12 drovers that ran from other paths, an hour apart, and a file of someone else's naming.
    for (let k = 0; k < 12; k++) {
      const file = join(dir, `drover-${(0xa000 + k).toString(16)}.bin`);
      writeFileSync(file, 'old cache\n');
      utimesSync(file, new Date(Date.now() - (k + 1) * 3600_000), new Date(Date.now() - (k + 1) * 3600_000));
    }
    writeFileSync(join(dir, 'notes.txt'), 'kept');
    await start(tree, tmp);
    const left = [...caches(dir).keys()].sort();
    // This drover's own, and the 7 newest of the others.
    expect(left.filter((n) => n.endsWith('.bin'))).toHaveLength(8);
    for (let k = 0; k < 7; k++) expect(left).toContain(`drover-${(0xa000 + k).toString(16)}.bin`);
    expect(left).toContain('notes.txt');
  });

  it('is never used for another bundle at the same path, even one of the same length', async () => {
    const tree = droverTree();
    const tmp = tempDir();
    await start(tree, tmp);
    const file = join(tree, 'lib', 'drover.js');
    writeFileSync(file, mark(readFileSync(file, 'utf8')));
    expect(await version(tree, tmp)).toMatch(MARKED);
    // The next start replaces the old bundle's cache with the new one's: one file per path, not one per build.
    await start(tree, tmp);
    const dir = join(tmp, `drover-${uid}`, 'code-cache');
    expect(caches(dir).size).toBe(1);
    expect(String([...caches(dir).values()][0].subarray(0, 200))).toContain(String(statSync(file).mtimeMs));
    expect(await version(tree, tmp)).toMatch(MARKED);
  });

  it('in <drover>/code-cache, is never used for another build of the bundle (where every file has the same time, as in a CNB image)', async () => {
    const tree = droverTree();
    mkdirSync(join(tree, 'code-cache'), { mode: 0o755 });
    chmodSync(join(tree, 'code-cache'), 0o755);
    await start(tree, tempDir());
    expect(caches(join(tree, 'code-cache')).size).toBe(1);
    // Another build: another bundle with its own hash line, of the same length and the same time.
    const file = join(tree, 'lib', 'drover.js');
    const { atime, mtime } = statSync(file);
    const body = mark(readFileSync(file, 'utf8')).replace(/\/\/ drover-bundle-sha256 \w+\n$/, '');
    writeFileSync(file, `${body}// drover-bundle-sha256 ${createHash('sha256').update(body).digest('hex')}\n`);
    utimesSync(file, atime, mtime);
    expect(await version(tree, tempDir())).toMatch(MARKED);
  });

  it('is read only from a directory nobody else can write into: a cache put there is code drover runs', async () => {
    // A cache made from the marked bundle, under the name of the original's: what someone could plant.
    const original = droverTree();
    const scratch = tempDir();
    await start(original, scratch);
    const [[name, made]] = caches(join(scratch, `drover-${uid}`, 'code-cache'));
    const other = tempDir();
    await start(droverTree(mark), other);
    const [theirs] = caches(join(other, `drover-${uid}`, 'code-cache')).values();
    // The file's first line says what it was made for: the original's line, then the marked bundle's V8 cache.
    const planted = Buffer.concat([made.subarray(0, made.indexOf(10) + 1), theirs.subarray(theirs.indexOf(10) + 1)]);

    // In the private directory, it is used (so the cache is real, and only its owner may write it).
    const tmp = tempDir();
    const dir = join(tmp, `drover-${uid}`, 'code-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(join(tmp, `drover-${uid}`), 0o700);
    writeFileSync(join(dir, name), planted);
    expect(await version(original, tmp)).toMatch(MARKED);
    // Opened up to others, it is not, and nothing is written there.
    chmodSync(join(tmp, `drover-${uid}`), 0o777);
    expect(await version(original, tmp)).toMatch(UNMARKED);
    await start(original, tmp);
    expect([...caches(dir).keys()]).toEqual([name]);

    // <drover>/code-cache (the buildpack's, in the slug) likewise: used while only its owner can write it.
    const shipped = join(original, 'code-cache');
    mkdirSync(shipped);
    chmodSync(shipped, 0o755);
    await start(original, tempDir());
    const [[shippedName, shippedMade]] = caches(shipped);
    writeFileSync(join(shipped, shippedName), Buffer.concat([shippedMade.subarray(0, shippedMade.indexOf(10) + 1), theirs.subarray(theirs.indexOf(10) + 1)]));
    expect(await version(original, tempDir())).toMatch(MARKED);
    chmodSync(shipped, 0o777);
    const fresh = tempDir();
    expect(await version(original, fresh)).toMatch(UNMARKED);
    // It then falls back to the private directory.
    await start(original, fresh);
    expect(caches(join(fresh, `drover-${uid}`, 'code-cache')).size).toBe(1);
  });

  it('covers lib/drover-components.js, in a file of its own, when a start loads it (a decoder here)', async () => {
    const tree = droverTree();
    const tmp = tempDir();
    const dir = join(tmp, `drover-${uid}`, 'code-cache');
    const decoder = '[decoders.json]\ntype = "json"\n';
    await start(tree, tmp, {}, decoder);
    const first = caches(dir);
    const made = (bundle: string) => [...first].filter(([, data]) => String(data.subarray(0, data.indexOf(10))).includes(` ${join(tree, 'lib', bundle)} `));
    expect(made('drover.js')).toHaveLength(1);
    expect(made('drover-components.js')).toHaveLength(1);
    const times = [...first.keys()].map((name) => statSync(join(dir, name)).mtimeMs);
    // Both are read at the next start: a cache V8 rejected would be written again.
    await start(tree, tmp, {}, decoder);
    expect(caches(dir)).toEqual(first);
    expect([...first.keys()].map((name) => statSync(join(dir, name)).mtimeMs)).toEqual(times);
    // A start without it leaves its cache alone.
    await start(tree, tmp);
    expect(caches(dir)).toEqual(first);
  });

  it('is neither read nor written with DROVER_CODE_CACHE=0', async () => {
    const tmp = tempDir();
    await start(droverTree(), tmp, { DROVER_CODE_CACHE: '0' });
    expect(caches(join(tmp, `drover-${uid}`, 'code-cache')).size).toBe(0);
  });
});
