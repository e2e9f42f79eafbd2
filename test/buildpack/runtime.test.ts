// The Node.js download path, against a local HTTP server (127.0.0.1) standing in for nodejs.org through
// DROVER_NODE_MIRROR: a good tarball made from this machine's node, a corrupted one, and a missing one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';
import { copyBuildpack, copyFixture, inventoryFile, nodeTarball, Scratch, toolsPath } from './harness';

const scratch = new Scratch();
let bp: string;
let server: Server;
let mirror: string;
const requests: string[] = [];
const files = new Map<string, Buffer>();

beforeAll(async () => {
  bp = copyBuildpack(scratch);
  const tarball = nodeTarball();
  const good = readFileSync(tarball.path);
  const corrupt = Buffer.from(good);
  corrupt[corrupt.length >> 1] ^= 0xff;
  files.set(`/dist/v${tarball.version}/good.tar.gz`, good);
  files.set(`/dist/v${tarball.version}/corrupt.tar.gz`, corrupt);
  server = createServer((req, res) => {
    requests.push(req.url!);
    const body = files.get(req.url!);
    res.writeHead(body ? 200 : 404).end(body ?? 'not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}/dist`;
}, 30_000);

afterAll(async () => {
  await new Promise((r) => server.close(r));
  scratch.cleanup();
});

/** An inventory whose uri is an official-looking nodejs.org URL: only DROVER_NODE_MIRROR makes it local. */
function inventory(file: string): string {
  const { version, sha256 } = nodeTarball();
  return inventoryFile(scratch, { version, sha256, uri: `https://nodejs.org/dist/v${version}/${file}` });
}

/** bin/compile with the mirror; `noNode` leaves node off PATH, so the shim itself must download one to run the build. */
function compile(app: string, cache: string, file: string, noNode: boolean) {
  const env = { DROVER_NODE_INVENTORY: inventory(file), DROVER_NODE_MIRROR: mirror, HOME: scratch.dir('home'), PATH: noNode ? toolsPath() : process.env.PATH! };
  return execa(join(bp, 'bin/compile'), [app, cache, scratch.dir('env')], { reject: false, all: true, env, extendEnv: false });
}

describe('Node.js download', () => {
  it('with no node on PATH, the shim downloads the release, verifies it, caches it, and the slug gets it', async () => {
    const cache = scratch.dir('cache');
    const app = copyFixture(scratch, 'node-web');
    requests.length = 0;
    const result = await compile(app, cache, 'good.tar.gz', true);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/^-----> Downloaded Node\.js to run the build \(no node >= 18 on PATH\)$/m);
    expect(result.stdout).toContain(`       ${mirror}/v${nodeTarball().version}/good.tar.gz (sha256 verified)`);
    expect(result.stdout).toContain('to run this build, sha256 verified, cached for the next build');
    expect(requests).toEqual([`/dist/v${nodeTarball().version}/good.tar.gz`]);
    expect(existsSync(join(cache, 'drover/node/bin/node'))).toBe(true);
    expect(existsSync(join(app, '.drover/node/bin/node'))).toBe(true);
    // Only bin/node and the licence are kept: no npm, headers or docs.
    expect(
      (await execa('find', [join(app, '.drover/node'), '-type', 'f'])).stdout
        .split('\n')
        .map((p) => p.slice(app.length + 1))
        .sort(),
    ).toEqual(['.drover/node/.drover-node', '.drover/node/LICENSE', '.drover/node/bin/node']);

    requests.length = 0;
    const second = await compile(copyFixture(scratch, 'node-web'), cache, 'good.tar.gz', true);
    expect(second.exitCode, second.all).toBe(0);
    expect(second.stdout).not.toContain('Downloaded');
    expect(second.stdout).toMatch(/^ {7}reused from the build cache \(no download\)$/m);
    expect(requests).toEqual([]);
  });

  it('with node on PATH, the build step downloads the runtime for the slug through the same installer', async () => {
    const cache = scratch.dir('cache');
    const result = await compile(copyFixture(scratch, 'python'), cache, 'good.tar.gz', false);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^       downloaded ${mirror}/v[\\d.]+/good\\.tar\\.gz, sha256 verified, cached for the next build$`, 'm'));
  });

  it('a checksum mismatch fails with both checksums, and installs nothing (shim and build step alike)', async () => {
    for (const noNode of [true, false]) {
      const cache = scratch.dir('cache');
      const result = await compile(copyFixture(scratch, 'node-web'), cache, 'corrupt.tar.gz', noNode);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain(`checksum mismatch for Node.js ${nodeTarball().version} from ${mirror}/`);
      expect(result.stderr).toContain(`expected sha256 ${nodeTarball().sha256}`);
      expect(result.stderr).toMatch(/received sha256 [0-9a-f]{64}/);
      expect(result.stderr).toContain('nothing was installed');
      if (!noNode) expect(result.stderr).toContain(' !     ERROR: could not install Node.js for drover');
      expect(existsSync(join(cache, 'drover/node'))).toBe(false);
    }
  });

  it('a failed download fails with the URL and what to do', async () => {
    const result = await compile(copyFixture(scratch, 'node-web'), scratch.dir('cache'), 'missing.tar.gz', true);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`could not download Node.js ${nodeTarball().version} from ${mirror}/v${nodeTarball().version}/missing.tar.gz`);
    expect(result.stderr).toContain('404');
    expect(result.stderr).toContain('DROVER_NODE_MIRROR');
  });

  it("the production inventory (buildpack.toml) pins an official release for this arch, and the mirror replaces nodejs.org's host", async () => {
    const script = `. "${join(ROOT, 'bin/support/node-install.sh')}"; drover_inventory_node "${join(ROOT, 'buildpack.toml')}" "$(drover_arch)"`;
    const [version, uri, sha256] = (await execa('bash', ['-c', script])).stdout.split(' ');
    // Node.js 24 LTS (20 reached end of life in April 2026); the official tarballs' sha256 from SHASUMS256.txt.
    expect(version).toBe('24.15.0');
    expect(uri).toMatch(new RegExp(`^https://nodejs\\.org/dist/v${version}/node-v${version}-linux-(x64|arm64)\\.tar\\.xz$`));
    const official: Record<string, string> = {
      x64: '472655581fb851559730c48763e0c9d3bc25975c59d518003fc0849d3e4ba0f6',
      arm64: 'f3d5a797b5d210ce8e2cb265544c8e482eaedcb8aa409a8b46da7e8595d0dda0',
    };
    expect(sha256).toBe(official[/linux-(x64|arm64)/.exec(uri)![1]]);
    // manifest.yml (Cloud Foundry) carries the same release; the package script refuses to build when they differ.
    expect(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')).toContain(`  version: ${version}\n  uri: ${uri}\n  sha256: ${sha256}\n`);
    // Same code path as production, pointed at the local server: the request names the pinned file.
    requests.length = 0;
    const result = await execa('bash', [join(bp, 'bin/support/node-install.sh'), join(scratch.dir('cache'), 'node')], {
      reject: false,
      env: { DROVER_NODE_MIRROR: mirror },
    });
    expect(result.exitCode).toBe(1);
    expect(requests).toEqual([uri.replace('https://nodejs.org', '')]);
  });
});
