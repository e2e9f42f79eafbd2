// `npm run package [-- --cached] [--out DIR]`: the buildpack as each platform takes it, in dist/:
//   drover-heroku-vX.tgz        Heroku: a buildpack URL may point at a tarball with bin/ at its root
//   drover-cf-vX.zip            Cloud Foundry: `cf create-buildpack drover drover-cf-vX.zip 1` (downloads Node.js when staging needs it)
//   drover-cf-cached-vX.zip     with --cached: the same plus the pinned Node.js archives, so staging needs no network
//   drover-cnb-vX/ and .tgz     CNB: `pack build --buildpack dist/drover-cnb-vX` (a directory or tarball with buildpack.toml)
// What goes in comes from manifest.yml's include_files; lib/ is packaged as committed (`npm run build` first).
// Environment: DROVER_NODE_INVENTORY packages another inventory (buildpack.toml's format) instead of
// buildpack.toml's, and writes it into the packaged buildpack.toml; DROVER_NODE_MIRROR replaces
// https://nodejs.org/dist when fetching archives for --cached, as it does for bin/support/node-install.sh.
import TOML from '@iarna/toml';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Directories whose every file must be listed in include_files: a new file must not silently stay out of the packages. */
const COVERED = ['bin', 'lib', 'conf'];
/** Heroku and Cloud Foundry entrypoints that a CNB buildpack has no use for. */
const NOT_CNB = new Set(['bin/compile', 'bin/release', 'bin/supply', 'bin/finalize', 'manifest.yml']);

/** A failure meant for the person packaging: printed as one message, not a stack trace. */
class PackageError extends Error {}
function fail(message) {
  throw new PackageError(message);
}

/** Parses the command line: --cached, --out DIR. */
function parseArgs(argv) {
  const args = { cached: false, out: join(ROOT, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cached') args.cached = true;
    else if (argv[i] === '--out' && argv[i + 1]) args.out = resolve(argv[++i]);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('Usage: npm run package [-- --cached] [--out DIR]\nWrites the Heroku, Cloud Foundry and CNB buildpacks to DIR (default dist/).');
      process.exit(0);
    } else fail(`unknown argument ${JSON.stringify(argv[i])}; usage: npm run package [-- --cached] [--out DIR]`);
  }
  return args;
}

/** manifest.yml's top-level keys this script needs. The file is ours, so a line reader is enough: no YAML dependency. */
export function readManifest(text) {
  const lists = { include_files: [], dependencies: [] };
  let section;
  for (const line of text.split('\n')) {
    if (/^[a-z_]+:/.test(line)) section = /^(include_files|dependencies):\s*$/.exec(line)?.[1];
    else if (section === 'include_files' && /^- /.test(line)) lists.include_files.push(line.slice(2).trim());
    else if (section === 'dependencies' && /^- name:/.test(line)) lists.dependencies.push({ name: line.split(':')[1].trim() });
    else if (section === 'dependencies' && /^ {2}(\w+): (\S+)/.test(line)) {
      const [, key, value] = /^ {2}(\w+): (\S+)/.exec(line);
      lists.dependencies[lists.dependencies.length - 1][key] = value;
    }
  }
  return lists;
}

/** The Node.js entries of an inventory file in buildpack.toml's format. */
function readInventory(file) {
  const deps = TOML.parse(readFileSync(file, 'utf8')).metadata?.dependencies ?? [];
  const nodes = deps.filter((d) => d.id === 'node');
  if (!nodes.length) fail(`${file} has no [[metadata.dependencies]] entry with id = "node"`);
  for (const d of nodes)
    if (!d.uri || !/^[0-9a-f]{64}$/.test(d.sha256 ?? '') || !d.version)
      fail(`${file}: every node entry needs version, uri and a sha256 (got ${JSON.stringify(d)})`);
  return nodes;
}

/** Every file an include_files list names, checked to exist and to cover bin/, lib/ and conf/ whole. */
function includedFiles(list) {
  const missing = list.filter((f) => f !== 'VERSION' && !existsSync(join(ROOT, f)));
  if (missing.length) fail(`manifest.yml include_files names files that do not exist: ${missing.join(', ')}`);
  const walk = (dir) => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const unlisted = COVERED.flatMap(walk).filter((f) => !list.includes(f));
  if (unlisted.length) fail(`not in manifest.yml include_files, so not packaged: ${unlisted.join(', ')} (add them, or remove them from the repository)`);
  return list;
}

/** Copies `files` (relative to the repository) into `dir`, keeping modes, and writes VERSION. */
function stage(dir, files, version) {
  for (const file of files) {
    const to = join(dir, file);
    mkdirSync(dirname(to), { recursive: true });
    if (file === 'VERSION') writeFileSync(to, `${version}\n`);
    else {
      copyFileSync(join(ROOT, file), to);
      chmodSync(to, statSync(join(ROOT, file)).mode & 0o777);
    }
  }
}

/** A packaged buildpack.toml whose Node.js inventory is `nodes` (only differs from the repository's with DROVER_NODE_INVENTORY). */
function inventoryToml(nodes) {
  const text = readFileSync(join(ROOT, 'buildpack.toml'), 'utf8');
  const head = text.slice(0, text.indexOf('[[metadata.dependencies]]'));
  const entries = nodes.map(
    (d) =>
      `[[metadata.dependencies]]\nid = "node"\nname = "Node.js"\nversion = "${d.version}"\narch = "${d.arch ?? 'amd64'}"\nuri = "${d.uri}"\nsha256 = "${d.sha256}"\n`,
  );
  return head + entries.join('\n');
}

/** The manifest.yml of the cached zip: its dependencies list is the inventory actually packaged. */
function manifestFor(nodes) {
  const text = readFileSync(join(ROOT, 'manifest.yml'), 'utf8');
  const deps = nodes.map(
    (d) =>
      `- name: node\n  version: ${d.version}\n  uri: ${d.uri}\n  sha256: ${d.sha256}\n  file: dependencies/${d.sha256}/${basename(d.uri)}\n  cf_stacks:\n  - cflinuxfs4\n`,
  );
  return text.slice(0, text.lastIndexOf('\ndependencies:') + 1) + 'dependencies:\n' + deps.join('');
}

/** The archive of one inventory entry, through DROVER_NODE_MIRROR as the installer would fetch it, checksum verified. */
async function fetchArchive(entry) {
  const mirror = process.env.DROVER_NODE_MIRROR;
  const url =
    mirror && entry.uri.startsWith('https://nodejs.org/dist') ? mirror.replace(/\/$/, '') + entry.uri.slice('https://nodejs.org/dist'.length) : entry.uri;
  let body;
  try {
    if (url.startsWith('file://')) body = readFileSync(fileURLToPath(url));
    else {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = Buffer.from(await response.arrayBuffer());
    }
  } catch (error) {
    fail(
      `could not fetch Node.js ${entry.version} (${entry.arch}) from ${url}: ${error.cause?.message ?? error.message}. Set DROVER_NODE_MIRROR to a mirror of https://nodejs.org/dist.`,
    );
  }
  const sha = createHash('sha256').update(body).digest('hex');
  if (sha !== entry.sha256) fail(`checksum mismatch for ${url}: expected ${entry.sha256}, received ${sha}; nothing was packaged`);
  return body;
}

/** Runs a packing command in `cwd`; tar and zip keep the modes that make bin/* executable. */
function pack(cwd, command, args) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Moves a finished artifact into place in one rename, so a concurrent reader never sees half of one. */
function publish(from, to) {
  rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const manifest = readManifest(readFileSync(join(ROOT, 'manifest.yml'), 'utf8'));
  const files = includedFiles(manifest.include_files);
  const customInventory = process.env.DROVER_NODE_INVENTORY;
  const nodes = readInventory(customInventory ?? join(ROOT, 'buildpack.toml'));
  if (!customInventory) {
    const key = (d) => `${d.version} ${d.uri} ${d.sha256}`;
    const [a, b] = [
      manifest.dependencies
        .filter((d) => d.name === 'node')
        .map(key)
        .sort(),
      nodes.map(key).sort(),
    ];
    if (a.join('\n') !== b.join('\n'))
      fail(
        `manifest.yml dependencies differ from buildpack.toml's [[metadata.dependencies]]:\n  manifest.yml:   ${a.join('\n                  ')}\n  buildpack.toml: ${b.join('\n                  ')}\nUpdate both together.`,
      );
  }

  mkdirSync(args.out, { recursive: true });
  const work = join(args.out, `.staging-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const made = [];
  try {
    const flavour = (name, list, extra = () => {}) => {
      const dir = join(work, name);
      stage(dir, list, version);
      if (customInventory) writeFileSync(join(dir, 'buildpack.toml'), inventoryToml(nodes));
      extra(dir);
      return dir;
    };
    const entries = (dir) => readdirSync(dir).sort();

    const heroku = flavour(
      'heroku',
      files.filter((f) => f !== 'manifest.yml'),
    );
    pack(heroku, 'tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', join(work, 'heroku.tgz'), ...entries(heroku)]);
    made.push([join(work, 'heroku.tgz'), `drover-heroku-v${version}.tgz`]);

    const cf = flavour('cf', files);
    pack(cf, 'zip', ['-qrX', join(work, 'cf.zip'), ...entries(cf)]);
    made.push([join(work, 'cf.zip'), `drover-cf-v${version}.zip`]);

    if (args.cached) {
      const archives = [];
      for (const node of nodes) archives.push([node, await fetchArchive(node)]);
      const cached = flavour('cf-cached', files, (dir) => {
        for (const [node, body] of archives) {
          mkdirSync(join(dir, 'dependencies', node.sha256), { recursive: true });
          writeFileSync(join(dir, 'dependencies', node.sha256, basename(node.uri)), body);
        }
        writeFileSync(join(dir, 'manifest.yml'), manifestFor(nodes));
      });
      pack(cached, 'zip', ['-qrX', join(work, 'cf-cached.zip'), ...entries(cached)]);
      made.push([join(work, 'cf-cached.zip'), `drover-cf-cached-v${version}.zip`]);
    }

    const cnb = flavour(
      'cnb',
      files.filter((f) => !NOT_CNB.has(f)),
    );
    pack(cnb, 'tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', join(work, 'cnb.tgz'), ...entries(cnb)]);
    made.push([join(work, 'cnb.tgz'), `drover-cnb-v${version}.tgz`], [cnb, `drover-cnb-v${version}`]);

    for (const [from, name] of made) publish(from, join(args.out, name));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const [, name] of made) {
    const path = join(args.out, name);
    const size = statSync(path).isDirectory() ? 'directory' : `${(statSync(path).size / 1024).toFixed(0)} KB`;
    console.log(`${relative(process.cwd(), path) || path}  (${size})`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((error) => {
    if (!(error instanceof PackageError)) throw error;
    console.error(`package: ${error.message}`);
    process.exitCode = 1;
  });
}
