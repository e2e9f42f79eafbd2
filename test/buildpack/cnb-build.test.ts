// CNB end to end: bin/detect and bin/build with the CNB variables, then launch.toml's web process run
// directly (no shell) with the layer's bin on PATH, as the lifecycle's launcher does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import TOML from '@iarna/toml';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killLeftovers } from '../helpers';
import { copyBuildpack, copyFixture, freePort, httpGet, localNodeEnv, runDyno, Scratch, waitFor } from './harness';

const scratch = new Scratch();
let bp: string;
let env: Record<string, string>;

interface Process {
  type: string;
  command: string[];
  default: boolean;
}

/** detect then build, with the directories a CNB lifecycle gives a buildpack; layers persist between builds of one app. */
async function cnb(app: string, layers: string, configVars: Record<string, string> = {}) {
  const platform = scratch.dir('platform');
  mkdirSync(join(platform, 'env'));
  for (const [name, value] of Object.entries(configVars)) writeFileSync(join(platform, 'env', name), value);
  const plan = join(scratch.dir('plan'), 'plan.toml');
  const cnbEnv = { ...env, CNB_PLATFORM_DIR: platform, CNB_BUILDPACK_DIR: bp };
  const detect = await execa(join(bp, 'bin/detect'), [], { cwd: app, reject: false, env: { ...cnbEnv, CNB_BUILD_PLAN_PATH: plan } });
  const bpPlan = join(scratch.dir('bpplan'), 'plan.toml');
  writeFileSync(bpPlan, '[[entries]]\nname = "drover"\n');
  const build = await execa(join(bp, 'bin/build'), [], {
    cwd: app,
    reject: false,
    all: true,
    env: { ...cnbEnv, CNB_LAYERS_DIR: layers, CNB_BP_PLAN_PATH: bpPlan },
  });
  return { app, layers, plan, detect, build };
}
const built: Record<string, Awaited<ReturnType<typeof cnb>>> = {};

beforeAll(async () => {
  bp = copyBuildpack(scratch);
  env = localNodeEnv(scratch);
  for (const name of ['python', 'node-web']) built[name] = await cnb(copyFixture(scratch, name), scratch.dir('layers'));
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

const processes = (layers: string) => (TOML.parse(readFileSync(join(layers, 'launch.toml'), 'utf8')) as unknown as { processes: Process[] }).processes;

/** The launch environment of the drover layer: bin/ first on PATH, then env.launch/PATH.append after the rest. */
function launchPath(layer: string): { path: string[]; append: string } {
  const append = existsSync(join(layer, 'env.launch/PATH.append')) ? readFileSync(join(layer, 'env.launch/PATH.append'), 'utf8') : '';
  return { path: [join(layer, 'bin')], append };
}

async function launchWeb(name: string) {
  const { app, layers } = built[name];
  const web = processes(layers).find((p) => p.default)!;
  const port = await freePort();
  const { path, append } = launchPath(join(layers, 'drover'));
  // The launcher runs the command array directly, in the app directory, with the layer's env applied.
  const dyno = runDyno({
    app,
    command: ['bash', '-c', 'export PATH="$PATH${APPEND:+:$APPEND}"; unset APPEND; exec "$@"', 'launcher', ...web.command],
    port,
    path,
    env: { APPEND: append, CNB_APP_DIR: app, CNB_LAYERS_DIR: layers },
  });
  return { port, dyno, web };
}

describe('CNB: bin/detect and bin/build', () => {
  it('detect passes with a build plan, and exits 100 for an app with nothing to run', async () => {
    const { detect, plan } = built.python;
    expect(detect.exitCode).toBe(0);
    expect(TOML.parse(readFileSync(plan, 'utf8'))).toEqual({ provides: [{ name: 'drover' }], requires: [{ name: 'drover' }] });
    const empty = scratch.dir('empty');
    const result = await execa(join(bp, 'bin/detect'), [], {
      cwd: empty,
      reject: false,
      env: { CNB_BUILD_PLAN_PATH: join(empty, 'plan.toml'), CNB_PLATFORM_DIR: empty },
    });
    expect(result.exitCode).toBe(100);
  });

  it('build writes a drover layer (launch + cache) with runtime and supervisor, and one process per type, web the default', () => {
    const { layers, build, app } = built.python;
    expect(build.exitCode, build.all).toBe(0);
    const layerToml = TOML.parse(readFileSync(join(layers, 'drover.toml'), 'utf8')) as { types: Record<string, boolean> };
    expect(layerToml.types).toEqual({ launch: true, cache: true, build: false });
    for (const file of [
      'bin/drover',
      'lib/drover.js',
      'lib/drover-components.js',
      'lib/drover-cron.js',
      'lib/package.json',
      'conf/009-stdout.toml',
      'node/bin/node',
    ])
      expect(existsSync(join(layers, 'drover', file)), file).toBe(true);
    expect(processes(layers)).toEqual([
      { type: 'web', command: ['drover', 'start', 'web'], default: true },
      { type: 'worker', command: ['drover', 'start', 'worker'], default: false },
    ]);
    // The app directory is left as it was: CNB reads launch.toml, not the Procfile.
    expect(readFileSync(join(app, 'Procfile'), 'utf8')).toBe('web: python3 -u web.py\nworker: python3 -u worker.py\n');
  });

  it("the layer holds V8's code cache of the three bundles for its node, which drover uses from its first start", async () => {
    const layer = join(built.python.layers, 'drover');
    const version = String((await execa(join(layer, 'node/bin/node'), ['--version'])).stdout).trim();
    const made = readdirSync(join(layer, 'code-cache')).sort();
    expect(made).toEqual(Array(3).fill(expect.stringMatching(/^drover-[0-9a-f]+\.bin$/)));
    // Its first line says what it is for: this node, the bundle at the layer's path (the bundles loaded on first use
    // too, though the app's configuration needs neither: another configuration, or a later one, may).
    const keys = made.map((name) => readFileSync(join(layer, 'code-cache', name), 'latin1').split('\n')[0]);
    for (const key of keys) expect(key.startsWith(`${version} `)).toBe(true);
    expect(keys.filter((key) => key.includes(` ${join(layer, 'lib', 'drover.js')} `))).toHaveLength(1);
    expect(keys.filter((key) => key.includes(` ${join(layer, 'lib', 'drover-components.js')} `))).toHaveLength(1);
    expect(keys.filter((key) => key.includes(` ${join(layer, 'lib', 'drover-cron.js')} `))).toHaveLength(1);
    // A fresh $TMPDIR, as in a new container: the layer's cache is read, so none is written there.
    const tmp = scratch.dir('tmp-code-cache');
    const run = await execa(join(layer, 'bin/drover'), ['version'], { env: { TMPDIR: tmp } });
    expect(String(run.stdout)).toBe(`drover ${String((await execa(join(bp, 'bin/drover'), ['version'])).stdout).split(' ')[1]} (node ${version})`);
    expect(existsSync(join(tmp, `drover-${process.getuid?.() ?? 0}`, 'code-cache'))).toBe(false);
    expect(readdirSync(join(layer, 'code-cache')).sort()).toEqual(made);
  });

  it('a second build reuses the node in the cached layer', async () => {
    const again = await cnb(built.python.app, built.python.layers);
    expect(again.build.exitCode, again.build.all).toBe(0);
    expect(again.build.all).toMatch(/^ {7}reused from the build cache \(no download\)$/m);
  });

  it('an invalid configuration fails the build with every error', async () => {
    const result = await cnb(copyFixture(scratch, 'invalid-config'), scratch.dir('layers'));
    expect(result.build.exitCode).toBe(1);
    expect(result.build.stderr).toContain('ERROR: the drover configuration has 3 errors');
  });
});

describe("CNB: launch.toml's web process", () => {
  it('python: drover is PID 1, the app answers on $PORT, stops on SIGTERM', async () => {
    const { port, dyno } = await launchWeb('python');
    expect((await httpGet(port)).body).toBe('hello from python-web\n');
    const init = dyno.init();
    expect(init.nspid).toBe(1);
    expect(init.cmdline[0]).toBe(`${built.python.layers}/drover/bin/../node/bin/node`);
    await waitFor(dyno, /python-web: "GET \/ HTTP\/1\.1" 200/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });

  it("node-web: the app's own `node` is the layer's, appended to PATH", async () => {
    const { port, dyno } = await launchWeb('node-web');
    expect((await httpGet(port)).body).toMatch(/^hello from node-web/);
    await waitFor(dyno, /node-web: GET \/ 200/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
