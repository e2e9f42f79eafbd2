// Cloud Foundry end to end: supply then finalize with a deps dir, the droplet moved, launched as CF's launcher does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killLeftovers } from '../helpers';
import { copyBuildpack, copyFixture, copyTree, filesMentioning, freePort, httpGet, localNodeEnv, runDyno, Scratch, waitFor, webCommand } from './harness';

const scratch = new Scratch();
let bp: string;
let cache: string;
let env: Record<string, string>;

/** detect, supply, finalize, release with BUILD CACHE DEPS IDX; deps/0 belongs to an earlier buildpack. */
async function stage(name: string) {
  const app = copyFixture(scratch, name);
  const deps = join(app, '..', 'deps');
  mkdirSync(join(deps, '0/profile.d'), { recursive: true });
  const args = [app, cache, deps, '1'];
  const detect = await execa(join(bp, 'bin/detect'), [app], { reject: false, env });
  const before = listing(app);
  const supply = await execa(join(bp, 'bin/supply'), args, { reject: false, env, all: true });
  const afterSupply = listing(app);
  const finalize = supply.exitCode === 0 ? await execa(join(bp, 'bin/finalize'), args, { reject: false, env, all: true }) : undefined;
  const release = await execa(join(bp, 'bin/release'), [app], { reject: false, env });
  return { app, deps, detect, supply, finalize, release, before, afterSupply };
}
/** Every path under dir with its size and mtime: supply must change none of them. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort().map((p) => {
    const stat = statSync(join(dir, p));
    return `${p} ${stat.size} ${stat.mtimeMs}`;
  });
}
const staged: Record<string, Awaited<ReturnType<typeof stage>>> = {};

beforeAll(async () => {
  bp = copyBuildpack(scratch);
  cache = scratch.dir('cache');
  env = localNodeEnv(scratch);
  for (const name of ['node-web', 'python', 'invalid-config']) staged[name] = await stage(name);
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Moves app and deps as CF does (/tmp/app → /home/vcap/app, /tmp/deps → /home/vcap/deps) and launches web. */
async function launch(name: string) {
  const root = scratch.dir('vcap');
  const app = copyTree(staged[name].app, join(root, 'app'));
  copyTree(staged[name].deps, join(root, 'deps'));
  const port = await freePort();
  return {
    app,
    root,
    port,
    dyno: runDyno({ app, command: webCommand(join(app, 'Procfile')), port, env: { DEPS_DIR: join(root, 'deps'), VCAP_APPLICATION: '{}' } }),
  };
}

describe('Cloud Foundry: supply and finalize', () => {
  it('supply writes only under DEPS_DIR/DEPS_IDX: bin, lib, conf, node, profile.d, config.yml', () => {
    const { app, deps, supply, before, afterSupply } = staged['node-web'];
    expect(supply.exitCode, supply.all).toBe(0);
    expect(readdirSync(join(deps, '1')).sort()).toEqual(['bin', 'code-cache', 'conf', 'config.yml', 'lib', 'node', 'profile.d']);
    expect(readFileSync(join(deps, '1/config.yml'), 'utf8')).toMatch(/^name: drover$/m);
    expect(readFileSync(join(deps, '1/profile.d/drover.sh'), 'utf8')).toContain('export PATH="$DEPS_DIR/1/bin:$PATH"');
    expect(supply.all).toMatch(/^-----> Vendoring Node\.js [\d.]+ into deps\/1\/node/m);
    expect(afterSupply).toEqual(before);
    // finalize then wrote .drover/Procfile, Procfile and .profile.d only.
    expect(readdirSync(app).sort()).toEqual(['.drover', '.profile.d', 'Procfile', 'package.json', 'server.js']);
    expect(readdirSync(join(app, '.drover'))).toEqual(['Procfile']);
  });

  it('finalize writes the launch side: the Procfile runs the deps dir drover; profile.d scripts of every deps dir are launched', () => {
    const { app, finalize, release } = staged['node-web'];
    expect(finalize!.exitCode, finalize!.all).toBe(0);
    expect(readFileSync(join(app, 'Procfile'), 'utf8')).toMatch(/^web: "\$DEPS_DIR\/1\/bin\/drover" start web$/m);
    expect(readFileSync(join(app, '.drover/Procfile'), 'utf8')).toBe('web: node server.js\n');
    expect(existsSync(join(app, '.profile.d/001_drover.sh'))).toBe(true);
    expect(release.stdout).toContain(`web: '"$DEPS_DIR/1/bin/drover" start web'`);
    expect(filesMentioning(join(app, '..'), join(app, '..'))).toEqual([]);
  });

  it('an invalid configuration fails supply with every error', () => {
    const { supply, finalize } = staged['invalid-config'];
    expect(supply.exitCode).toBe(1);
    expect(supply.stderr).toContain('ERROR: the drover configuration has 3 errors');
    expect(finalize).toBeUndefined();
  });

  it('node-web launched as the CF launcher does: drover is PID 1, answers on $PORT, stops on SIGTERM', async () => {
    const { root, port, dyno } = await launch('node-web');
    expect((await httpGet(port)).body).toMatch(/^hello from node-web/);
    const init = dyno.init();
    expect(init.nspid).toBe(1);
    expect(init.cmdline[0]).toBe(`${root}/deps/1/bin/../node/bin/node`);
    await waitFor(dyno, /node-web: GET \/ 200/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });

  it('python launched the same way', async () => {
    const { port, dyno } = await launch('python');
    expect((await httpGet(port)).body).toBe('hello from python-web\n');
    await waitFor(dyno, /python-web: "GET \/ HTTP\/1\.1" 200/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
