// The Node.js runtime step: reuse the slug's own node >= 18 when it has one, else vendor the pinned release
// from the build cache, downloading it (bin/support/node-install.sh, the code path bin/ uses too) when absent.
import { spawnSync } from 'node:child_process';
import { constants, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError, formatSize, type Output } from './build-output';
import { treeSize } from './vendor';

/** A node the slug already has, e.g. `.heroku/node/bin/node` left by the Node.js buildpack. */
export interface NodeCandidate {
  path: string;
  label: string;
}

export interface RuntimeOptions {
  bpDir: string;
  /** Nodes the slug already carries, best first; the first one >= 18 is used and nothing is vendored. */
  candidates: NodeCandidate[];
  /** Where the downloaded release is kept between builds. */
  cacheDir: string;
  /** Where the slug gets its copy (.drover/node); the same as cacheDir for a CNB layer. */
  target: string;
  /** How target is named in the output, e.g. `.drover/node`. */
  targetLabel: string;
}

/** What the step did: `reused` a node in the slug, or `vendored` one, and how many bytes that added. */
export interface RuntimeResult {
  kind: 'reused' | 'vendored';
  bytes: number;
}

/** The major.minor.patch of a node binary, or undefined when it does not run here. */
export function nodeVersion(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = result.status === 0 ? result.stdout.trim().replace(/^v/, '') : '';
  return /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

/** Provides the node drover runs on, and says what it did and how long it took. */
export function provideRuntime(out: Output, options: RuntimeOptions): RuntimeResult {
  for (const candidate of options.candidates) {
    const version = nodeVersion(candidate.path);
    if (version && Number(version.split('.')[0]) >= 18) {
      out.step(`Using the app's Node.js ${version} (${candidate.label}) to run drover`);
      // A rebuilt slug may still carry the node an earlier build vendored: it would only add weight.
      if (options.target !== options.cacheDir && existsSync(options.target)) {
        rmSync(options.target, { recursive: true, force: true });
        out.detail(`removed ${options.targetLabel}, vendored by an earlier build`);
      }
      return { kind: 'reused', bytes: 0 };
    }
  }
  const started = Date.now();
  const how = installNode(options.bpDir, options.cacheDir);
  const marker = readMarker(options.cacheDir);
  out.step(`Vendoring Node.js ${marker.version ?? '(unknown version)'} into ${options.targetLabel} (the app has no node >= 18 of its own)`);
  if (how === 'downloaded') out.detail(`downloaded ${marker.url}, sha256 verified, cached for the next build`);
  else if (process.env.DROVER_NODE_FRESH) out.detail(`downloaded ${marker.url} to run this build, sha256 verified, cached for the next build`);
  else out.detail('reused from the build cache (no download)');
  if (options.target !== options.cacheDir) {
    rmSync(options.target, { recursive: true, force: true });
    // A reflink where the file system can, a copy elsewhere: never a hard link, the slug must not share the cache's inode.
    cpSync(options.cacheDir, options.target, { recursive: true, mode: constants.COPYFILE_FICLONE });
  }
  const bytes = treeSize(options.target);
  out.detail(`${formatSize(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { kind: 'vendored', bytes };
}

/** Runs node-install.sh; resolves to `cached` or `downloaded`, or fails the build with its explanation. */
export function installNode(bpDir: string, dir: string): 'cached' | 'downloaded' {
  const result = spawnSync('bash', [join(bpDir, 'bin/support/node-install.sh'), dir], { encoding: 'utf8' });
  const how = result.stdout.trim().split('\n').pop();
  if (result.status === 0 && (how === 'cached' || how === 'downloaded')) return how;
  const lines = (result.stderr || result.error?.message || `node-install.sh exited with status ${result.status}`).trim().split('\n');
  throw new BuildError(
    'could not install Node.js for drover',
    lines.map((l) => l.replace(/^drover: /, '').replace(/^ {8}/, '')),
    [
      'drover needs Node.js >= 18 at run time. Add the Node.js buildpack before drover (drover then reuses .heroku/node),',
      'or make the download work (network, DROVER_NODE_MIRROR).',
    ],
  );
}

function readMarker(dir: string): { version?: string; url?: string } {
  const file = join(dir, '.drover-node');
  if (!existsSync(file)) return {};
  const fields = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { version: fields.version, url: fields.url };
}
