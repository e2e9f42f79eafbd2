// `npm run package`: each packaged buildpack is unpacked and builds a fixture app, which then runs as a dyno.
// The cached Cloud Foundry zip is made from a local mirror (the real release cannot be downloaded here) and
// staged with no node on PATH and DROVER_NODE_MIRROR pointing at a port that refuses: it needs no network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import TOML from '@iarna/toml';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killLeftovers, ROOT } from '../helpers';
import {
  copyFixture,
  copyTree,
  freePort,
  httpGet,
  inventoryFile,
  localNodeEnv,
  nodeTarball,
  runDyno,
  Scratch,
  toolsPath,
  waitFor,
  webCommand,
} from '../buildpack/harness';

const scratch = new Scratch();
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const DIST = join(ROOT, 'dist');
const REFUSED = 'http://127.0.0.1:9';
let cachedOut: string;
let packaged: { online: Awaited<ReturnType<typeof execa>>; cached: Awaited<ReturnType<typeof execa>> };
let server: Server;

beforeAll(async () => {
  // A mirror of nodejs.org/dist on 127.0.0.1 serving a release made from this machine's node.
  const tarball = nodeTarball();
  const body = readFileSync(tarball.path);
  server = createServer((req, res) => res.writeHead(req.url === `/dist/v${tarball.version}/node-v${tarball.version}-linux-x64.tar.gz` ? 200 : 404).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const inventory = inventoryFile(scratch, {
    version: tarball.version,
    sha256: tarball.sha256,
    uri: `https://nodejs.org/dist/v${tarball.version}/node-v${tarball.version}-linux-x64.tar.gz`,
  });
  cachedOut = scratch.dir('dist');
  const mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}/dist`;
  // The README's command as written, then the cached flavour into a directory of its own.
  const online = await execa('npm', ['run', 'package'], { cwd: ROOT, reject: false, all: true });
  const cached = await execa('node', ['scripts/package.mjs', '--cached', '--out', cachedOut], {
    cwd: ROOT,
    reject: false,
    all: true,
    env: { DROVER_NODE_INVENTORY: inventory, DROVER_NODE_MIRROR: mirror },
  });
  packaged = { online, cached };
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server.close(r));
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Unpacks a .tgz or .zip into a new directory, as a platform does with a buildpack it is given. */
async function unpack(archive: string): Promise<string> {
  const dir = scratch.dir('unpacked');
  if (archive.endsWith('.zip')) await execa('unzip', ['-q', archive, '-d', dir]);
  else await execa('tar', ['-xzf', archive, '-C', dir]);
  return dir;
}

/** CF staging: supply then finalize into a deps dir; returns the staged app and the output of both. */
async function stageCf(bp: string, env: Record<string, string>) {
  const app = copyFixture(scratch, 'python');
  const deps = join(app, '..', 'deps');
  mkdirSync(deps);
  const args = [app, scratch.dir('cache'), deps, '0'];
  const options = { reject: false, all: true, env, extendEnv: false } as const;
  const supply = await execa(join(bp, 'bin/supply'), args, options);
  const finalize = supply.exitCode === 0 ? await execa(join(bp, 'bin/finalize'), args, options) : undefined;
  return { app, deps, supply, finalize };
}

/** Moves a staged app and its deps as CF does, launches web as CF's launcher does, and checks it answers. */
async function launchCf(staged: { app: string; deps: string }) {
  const root = scratch.dir('vcap');
  const app = copyTree(staged.app, join(root, 'app'));
  copyTree(staged.deps, join(root, 'deps'));
  const port = await freePort();
  const dyno = runDyno({ app, command: webCommand(join(app, 'Procfile')), port, env: { DEPS_DIR: join(root, 'deps'), VCAP_APPLICATION: '{}' } });
  expect((await httpGet(port)).body).toBe('hello from python-web\n');
  await waitFor(dyno, /python-web: "GET \/ HTTP\/1\.1" 200/);
  expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
}

/** Only the tools of the system, HOME somewhere empty: what a staging container has. */
const bareEnv = (): Record<string, string> => ({ PATH: toolsPath(), HOME: scratch.dir('home'), LANG: 'C.UTF-8' });

describe('npm run package', () => {
  it('writes the Heroku tarball, the CF zip and the CNB directory and tarball, named with the version', () => {
    expect(packaged.online.exitCode, packaged.online.all as string).toBe(0);
    for (const name of [`drover-heroku-v${version}.tgz`, `drover-cf-v${version}.zip`, `drover-cnb-v${version}.tgz`, `drover-cnb-v${version}/buildpack.toml`])
      expect(existsSync(join(DIST, name)), name).toBe(true);
    expect(packaged.cached.exitCode, packaged.cached.all as string).toBe(0);
    expect(readdirSync(cachedOut).sort()).toEqual([
      `drover-cf-cached-v${version}.zip`,
      `drover-cf-v${version}.zip`,
      `drover-cnb-v${version}`,
      `drover-cnb-v${version}.tgz`,
      `drover-heroku-v${version}.tgz`,
    ]);
  });

  it("packages exactly manifest.yml's include_files (plus the cached archives), and manifest.yml agrees with buildpack.toml", async () => {
    const manifest = readFileSync(join(ROOT, 'manifest.yml'), 'utf8');
    const section = manifest.slice(manifest.indexOf('include_files:')).split('\n').slice(1);
    const include = section
      .slice(
        0,
        section.findIndex((l) => !l.startsWith('- ')),
      )
      .map((l) => l.slice(2));
    const list = async (zip: string) =>
      (await execa('unzip', ['-Z1', zip])).stdout
        .split('\n')
        .filter((f) => !f.endsWith('/'))
        .sort();
    expect(await list(join(DIST, `drover-cf-v${version}.zip`))).toEqual([...include].sort());
    const cached = await list(join(cachedOut, `drover-cf-cached-v${version}.zip`));
    expect(cached.filter((f) => !include.includes(f))).toEqual([`dependencies/${nodeTarball().sha256}/node-v${nodeTarball().version}-linux-x64.tar.gz`]);
    // The shas of the inventory, in both files.
    const inventory = (TOML.parse(readFileSync(join(ROOT, 'buildpack.toml'), 'utf8')) as any).metadata.dependencies as { sha256: string; uri: string }[];
    for (const dep of inventory) expect(manifest).toContain(`  uri: ${dep.uri}\n  sha256: ${dep.sha256}\n`);
    expect(readFileSync(join(DIST, `drover-cnb-v${version}/VERSION`), 'utf8')).toBe(`${version}\n`);
    // The CNB buildpack has no Heroku or CF entrypoints.
    expect(readdirSync(join(DIST, `drover-cnb-v${version}/bin`)).sort()).toEqual(['build', 'detect', 'drover', 'support']);
  });

  it('--cached fails, packaging nothing, when an archive cannot be fetched', async () => {
    const other = inventoryFile(scratch, { version: '99.0.0', sha256: 'a'.repeat(64), uri: 'file:///nonexistent/node.tar.gz' });
    const out = scratch.dir('dist');
    const result = await execa('node', ['scripts/package.mjs', '--cached', '--out', out], {
      cwd: ROOT,
      reject: false,
      all: true,
      env: { DROVER_NODE_INVENTORY: other },
    });
    expect(result.exitCode).toBe(1);
    expect(readdirSync(out)).toEqual([]);
    expect(result.all).toMatch(/^package: could not fetch Node\.js 99\.0\.0 \((amd64|arm64)\) from file:\/\/\/nonexistent\/node\.tar\.gz/m);
  });
});

describe('the packaged buildpacks build an app', () => {
  it('Heroku tarball: detect, compile, release; the slug runs as a dyno', async () => {
    const bp = await unpack(join(DIST, `drover-heroku-v${version}.tgz`));
    const app = copyFixture(scratch, 'python');
    const env = { ...bareEnv(), ...localNodeEnv(scratch) };
    expect((await execa(join(bp, 'bin/detect'), [app], { env })).stdout).toBe('drover');
    const compile = await execa(join(bp, 'bin/compile'), [app, scratch.dir('cache'), scratch.dir('env')], { reject: false, all: true, env, extendEnv: false });
    expect(compile.exitCode, compile.all).toBe(0);
    expect((await execa(join(bp, 'bin/release'), [app])).stdout).toContain('web: ');
    const slug = copyTree(app, join(scratch.dir('run'), 'app'));
    const port = await freePort();
    const dyno = runDyno({ app: slug, command: webCommand(join(slug, 'Procfile')), port });
    expect((await httpGet(port)).body).toBe('hello from python-web\n');
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });

  it('CF zip (online): supply and finalize with the Node.js download, then launched', async () => {
    const staged = await stageCf(await unpack(join(DIST, `drover-cf-v${version}.zip`)), { ...bareEnv(), ...localNodeEnv(scratch) });
    expect(staged.finalize?.exitCode, staged.supply.all as string).toBe(0);
    await launchCf(staged);
  });

  it('CF cached zip: staging with no network to the runtime host uses the archive inside, and the online zip cannot', async () => {
    const env = { ...bareEnv(), DROVER_NODE_MIRROR: REFUSED };
    const cached = await stageCf(await unpack(join(cachedOut, `drover-cf-cached-v${version}.zip`)), env);
    expect(cached.supply.exitCode, cached.supply.all as string).toBe(0);
    expect(cached.supply.all).toMatch(
      /^-----> Downloaded Node\.js to run the build \(no node >= 18 on PATH\)\n {7}file:\/\/.*\/dependencies\/[0-9a-f]{64}\/node-v[\d.]+-linux-x64\.tar\.gz \(sha256 verified\)$/m,
    );
    expect(cached.finalize?.exitCode, cached.finalize?.all as string).toBe(0);
    await launchCf(cached);

    const online = await stageCf(await unpack(join(cachedOut, `drover-cf-v${version}.zip`)), env);
    expect(online.supply.exitCode).toBe(1);
    expect(online.supply.all).toContain(`could not download Node.js ${nodeTarball().version} from ${REFUSED}/v`);
  });

  it('CNB tarball: detect and build with the CNB variables; launch.toml web runs', async () => {
    const bp = await unpack(join(DIST, `drover-cnb-v${version}.tgz`));
    const app = copyFixture(scratch, 'python');
    const [layers, platform] = [scratch.dir('layers'), scratch.dir('platform')];
    const plan = join(scratch.dir('plan'), 'plan.toml');
    writeFileSync(plan, '[[entries]]\nname = "drover"\n');
    const env = { ...bareEnv(), ...localNodeEnv(scratch), CNB_PLATFORM_DIR: platform, CNB_BUILDPACK_DIR: bp };
    expect(
      (await execa(join(bp, 'bin/detect'), [], { cwd: app, reject: false, env: { ...env, CNB_BUILD_PLAN_PATH: join(platform, 'detect-plan.toml') } })).exitCode,
    ).toBe(0);
    const build = await execa(join(bp, 'bin/build'), [], {
      cwd: app,
      reject: false,
      all: true,
      extendEnv: false,
      env: { ...env, CNB_LAYERS_DIR: layers, CNB_BP_PLAN_PATH: plan },
    });
    expect(build.exitCode, build.all).toBe(0);
    const web = (TOML.parse(readFileSync(join(layers, 'launch.toml'), 'utf8')) as any).processes.find((p: { default: boolean }) => p.default);
    expect(web.command).toEqual(['drover', 'start', 'web']);
    const port = await freePort();
    const dyno = runDyno({ app, command: web.command, port, path: [join(layers, 'drover/bin')], env: { CNB_APP_DIR: app, CNB_LAYERS_DIR: layers } });
    expect((await httpGet(port)).body).toBe('hello from python-web\n');
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
