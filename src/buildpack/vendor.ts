// The vendor step: the supervisor (shim, bundle, defaults merged with the app's fragments) copied into the
// slug's .drover/, Cloud Foundry's deps dir or the CNB layer — the same tree in all three.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The buildpack's root: the nearest directory above the running code that holds buildpack.toml. */
export function buildpackDir(): string {
  const start = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'buildpack.toml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`drover: cannot find buildpack.toml above ${start}: run the buildpack from its own directory`);
  }
}

/** What vendoring wrote: the files and their total size, for the build output and the size budget. */
export interface Vendored {
  files: string[];
  bytes: number;
  fragments: string[];
}

/**
 * Copies the supervisor into `dest` (bin/drover, bin/support/find-node.sh, node-check.cjs and code-cache.cjs,
 * lib/drover.js, lib/drover-components.js, lib/drover-cron.js, lib/package.json), fills code-cache/ for the supervisor found at `runAt` at run time (warmCodeCache)
 * and merges conf/: the buildpack's defaults, then the app's drover/*.toml, a same-named file replacing a
 * default (an empty one disables it). lib/package.json says commonjs: without it the bundle would be read as
 * an ES module wherever the app's package.json says "type": "module".
 */
export function vendorSupervisor(bpDir: string, appDir: string, dest: string, runAt = dest): Vendored {
  const files = [
    'bin/drover',
    'bin/support/find-node.sh',
    'bin/support/node-check.cjs',
    'bin/support/code-cache.cjs',
    'lib/drover.js',
    'lib/drover-components.js',
    'lib/drover-cron.js',
    'lib/package.json',
  ];
  for (const file of files) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(bpDir, file), join(dest, file));
  }
  chmodSync(join(dest, 'bin/drover'), 0o755);
  const conf = join(dest, 'conf');
  rmSync(conf, { recursive: true, force: true });
  mkdirSync(conf, { recursive: true });
  const merged = new Map<string, string>();
  for (const dir of [join(bpDir, 'conf'), join(appDir, 'drover')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.toml'))) merged.set(name, join(dir, name));
  }
  for (const [name, from] of merged) copyFileSync(from, join(conf, name));
  const fragments = [...merged.keys()].sort().map((n) => `conf/${n}`);
  const all = [...files, ...fragments, ...warmCodeCache(dest, runAt, appDir)];
  return { files: all, fragments, bytes: all.reduce((sum, f) => sum + statSync(join(dest, f)).size, 0) };
}

/**
 * Fills `dest`/code-cache with V8's code cache of lib/drover.js and of the bundles it loads on first use
 * (bin/support/code-cache.cjs; with DROVER_CODE_CACHE_FOR set, drover loads them all), made by running the
 * vendored drover's check of the app once with the Node.js its shim finds there, as at run time: a dyno's first start, in a fresh
 * container with an empty $TMPDIR, then skips compiling the bundle too. Best effort: without it drover only
 * starts a few milliseconds slower. V8 keeps the bundle's path in the cache, and Node.js 18 and 20 show it in
 * stack traces: the cache is made for `runAt`, where `dest` will be at run time. Returns the files made.
 */
export function warmCodeCache(dest: string, runAt: string, appDir: string): string[] {
  const dir = join(dest, 'code-cache');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Writable by its owner only, whatever the umask: code-cache.cjs trusts it only then.
  chmodSync(dir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DROVER_CODE_CACHE;
  env.DROVER_CODE_CACHE_FOR = join(runAt, 'lib', 'drover.js');
  // `drover check` runs the configuration loader, most of what a start runs before the processes start.
  spawnSync('bash', [join(dest, 'bin/drover'), 'check', '--app', appDir], { stdio: 'ignore', timeout: 30_000, env });
  return readdirSync(dir)
    .filter((name) => name.endsWith('.bin'))
    .map((name) => `code-cache/${name}`);
}

/** The total size of a directory tree, symlinks not followed (a walk of our own: Node 18's readdir lacks parentPath). */
export function treeSize(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  return readdirSync(path).reduce((sum, name) => sum + treeSize(join(path, name)), 0);
}
