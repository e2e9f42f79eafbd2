// Heroku v2 end to end: detect, compile and release each fixture app, copy the slug elsewhere, run it as a dyno.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, killLeftovers } from '../helpers';
import { copyBuildpack, copyFixture, copyTree, filesMentioning, freePort, httpGet, localNodeEnv, runDyno, Scratch, waitFor, webCommand } from './harness';

const scratch = new Scratch();
let bp: string;
let cache: string;
let env: Record<string, string>;

/** detect, compile (BUILD CACHE ENV_DIR) and, when compile passed, release: as Heroku's build runs them. */
async function build(app: string, configVars: Record<string, string> = {}) {
  const envDir = scratch.dir('env');
  for (const [name, value] of Object.entries(configVars)) writeFileSync(join(envDir, name), value);
  const detect = await execa(join(bp, 'bin/detect'), [app], { reject: false, env });
  rmSync(join(bp, 'export'), { force: true });
  const compile = await execa(join(bp, 'bin/compile'), [app, cache, envDir], { reject: false, env, all: true });
  // Later buildpacks source the export file; each build rewrites it.
  const exported = existsSync(join(bp, 'export')) ? readFileSync(join(bp, 'export'), 'utf8') : undefined;
  const release = compile.exitCode === 0 ? await execa(join(bp, 'bin/release'), [app], { env }) : undefined;
  return { app, detect, compile, release, exported };
}
type Built = Awaited<ReturnType<typeof build>>;
const built: Record<string, Built> = {};

beforeAll(async () => {
  bp = copyBuildpack(scratch);
  cache = scratch.dir('cache');
  env = localNodeEnv(scratch);
  // In order: node-web is the first build (the runtime is installed into the cache), the rest reuse it.
  for (const name of ['node-web', 'python', 'shell', 'after-nodejs', 'invalid-config', 'no-procfile']) {
    const app = copyFixture(scratch, name);
    if (name === 'after-nodejs') {
      // What the Node.js buildpack leaves behind: a node in .heroku/node.
      mkdirSync(join(app, '.heroku/node/bin'), { recursive: true });
      symlinkSync(process.execPath, join(app, '.heroku/node/bin/node'));
    }
    built[name] = await build(app);
  }
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Copies the slug to a new place (as Heroku moves /tmp/build_x to /app) and starts its web dyno. */
async function startWeb(name: string) {
  const slug = copyTree(built[name].app, join(scratch.dir('run'), 'app'));
  const port = await freePort();
  const dyno = runDyno({ app: slug, command: webCommand(join(slug, 'Procfile')), port });
  return { slug, port, dyno };
}

describe('bin/detect', () => {
  it('passes (printing "drover") for an app with a Procfile or drover/*.toml, and fails for one with neither', async () => {
    for (const b of Object.values(built)) expect([b.detect.exitCode, b.detect.stdout]).toEqual([0, 'drover']);
    const empty = scratch.dir('empty');
    const result = await execa(join(bp, 'bin/detect'), [empty], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no Procfile and no drover/*.toml');
  });
});

describe('bin/compile', () => {
  it('writes the slug layout: .drover/{bin,lib,conf,node,Procfile}, a Procfile running drover, .profile.d, export', () => {
    const { app, compile, release, exported } = built['node-web'];
    expect(compile.exitCode, compile.all).toBe(0);
    expect(statSync(join(app, '.drover/bin/drover')).mode & 0o111).toBeTruthy();
    expect(existsSync(join(app, '.drover/bin/support/find-node.sh'))).toBe(true);
    expect(existsSync(join(app, '.drover/lib/drover.js'))).toBe(true);
    // The app's package.json says "type": "module": the bundle needs its own package.json to stay CommonJS.
    expect(JSON.parse(readFileSync(join(app, '.drover/lib/package.json'), 'utf8')).type).toBe('commonjs');
    expect(existsSync(join(app, '.drover/conf/009-stdout.toml'))).toBe(true);
    expect(existsSync(join(app, '.drover/node/bin/node'))).toBe(true);
    expect(readFileSync(join(app, '.drover/Procfile'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'apps/node-web/Procfile'), 'utf8'));
    expect(readFileSync(join(app, 'Procfile'), 'utf8')).toMatch(/^web: \.drover\/bin\/drover start web$/m);
    expect(readFileSync(join(app, '.profile.d/drover.sh'), 'utf8')).toContain('export PATH="$HOME/.drover/bin:$PATH"');
    expect(exported).toContain(`export PATH="${app}/.drover/bin:$PATH"`);
    expect(release!.stdout).toBe("---\ndefault_process_types:\n  web: '.drover/bin/drover start web'");
    // Nothing in the slug names the directory it was built in: it runs wherever it is moved.
    expect(filesMentioning(app, app)).toEqual([]);
  });

  it("speaks Heroku's style: steps, indented details, what was vendored and how long it took", () => {
    const out = built['node-web'].compile.all;
    expect(out).toMatch(/^-----> Checking the drover configuration$/m);
    expect(out).toMatch(/^ {7}web: node server\.js$/m);
    expect(out).toMatch(/^-----> Vendoring Node\.js [\d.]+ into \.drover\/node/m);
    expect(out).toMatch(/^ {7}downloaded file:\/\/.*, sha256 verified, cached for the next build$/m);
    expect(out).toMatch(/^-----> Vendoring drover into \.drover\/$/m);
    expect(out).toMatch(/^-----> Done in \d+(\.\d)? m?s: the slug gains \d+ KB plus [\d.]+ MB of Node\.js$/m);
    // The gain apart from the runtime stays under 1 MB.
    expect(Number(/the slug gains (\d+) KB/.exec(out)![1])).toBeLessThan(1024);
  });

  it('reuses the cached runtime on the next build and says so; building an already built app again works', async () => {
    const again = await build(built['node-web'].app);
    expect(again.compile.exitCode, again.compile.all).toBe(0);
    expect(again.compile.all).toContain('already built by drover: using the original Procfile kept at .drover/Procfile');
    expect(again.compile.all).toMatch(/^ {7}reused from the build cache \(no download\)$/m);
    expect(readFileSync(join(again.app, '.drover/Procfile'), 'utf8')).toBe('web: node server.js\n');
    expect(readFileSync(join(again.app, 'Procfile'), 'utf8')).toMatch(/^web: \.drover\/bin\/drover start web$/m);
  });

  it('reuses the node an earlier buildpack left in .heroku/node and vendors none', () => {
    const { app, compile } = built['after-nodejs'];
    expect(compile.exitCode, compile.all).toBe(0);
    expect(compile.all).toMatch(/^-----> Using the app's Node\.js [\d.]+ \(\.heroku\/node, left by an earlier buildpack\) to run drover$/m);
    expect(existsSync(join(app, '.drover/node'))).toBe(false);
    expect(compile.all).toContain("no Node.js (reused the app's)");
  });

  it('fails on an invalid configuration, listing every error, with the unset ${VAR} only a warning', () => {
    const { compile } = built['invalid-config'];
    expect(compile.exitCode).toBe(1);
    expect(compile.stderr).toContain(' !     ERROR: the drover configuration has 3 errors');
    expect(compile.stderr).toContain(' !     drover/100-broken.toml:3: [outputs.archive] unknown output type "s3"');
    expect(compile.stderr).toContain(' !     drover/100-broken.toml:6: [processes.web] option "numprocs" must be an integer, got string "two"');
    expect(compile.stderr).toContain(' !     drover/100-broken.toml:9: unknown section [filtres]');
    expect(compile.stderr).toContain(' !     Fix them and push again.');
    expect(compile.stdout).toMatch(
      /^ ! {5}drover\/100-broken\.toml:7: \[processes\.web\] option "environment\.TOKEN" uses \$\{API_TOKEN\}, which is not set$/m,
    );
  });

  it('fails for an app with no Procfile and no [processes], showing what to add', () => {
    const { compile } = built['no-procfile'];
    expect(compile.exitCode).toBe(1);
    expect(compile.stderr).toContain('there is no Procfile and no [processes] section: drover has nothing to run');
    expect(compile.stderr).toContain('`web: node server.js`');
    expect(compile.stderr).toContain('[processes.web]');
  });

  it('reads config vars from ENV_DIR for ${VAR} checks without printing them', async () => {
    const files = { Procfile: 'web: echo hi\n', 'drover/100-env.toml': '[processes.web]\nenvironment = { TOKEN = "${SECRET_TOKEN}" }\n' };
    const make = () => {
      const app = join(scratch.dir('env-app'), 'app');
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(app, path, '..'), { recursive: true });
        writeFileSync(join(app, path), text);
      }
      return app;
    };
    const unset = await build(make());
    expect(unset.compile.exitCode, unset.compile.all).toBe(0);
    expect(unset.compile.stdout).toContain(' !     drover/100-env.toml:2: [processes.web] option "environment.TOKEN" uses ${SECRET_TOKEN}, which is not set');
    const set = await build(make(), { SECRET_TOKEN: 's3cr3t-value' });
    expect(set.compile.exitCode, set.compile.all).toBe(0);
    expect(set.compile.all).toContain('1 config var available for ${VAR} checks (values not shown)');
    expect(set.compile.all).not.toContain('SECRET_TOKEN');
    expect(set.compile.all).not.toContain('s3cr3t-value');
  });

  it('warns, as drover check does, about a drain whose URL is unset (disabled at start) and a match that takes nothing', async () => {
    const app = join(scratch.dir('lint-app'), 'app');
    mkdirSync(join(app, 'drover'), { recursive: true });
    writeFileSync(join(app, 'Procfile'), 'web: echo hi\n');
    writeFileSync(join(app, 'drover/100-drain.toml'), '[outputs.papertrail]\ntype = "syslog"\nurl = "${PAPERTRAIL_URL}"\nmatch = "Logger == \'web\'"\n');
    const { compile } = await build(app);
    expect(compile.exitCode, compile.all).toBe(0);
    expect(compile.stdout).toContain(
      ' !     drover/100-drain.toml:3: [outputs.papertrail] option "url" uses ${PAPERTRAIL_URL}, which is not set; at start [outputs.papertrail] is disabled until it is set, and the processes start regardless',
    );
    expect(compile.stdout).toContain(
      ' !     drover/100-drain.toml:1: [outputs.papertrail] match "Logger == \'web\'" accepts no message this app produces, so this output never runs',
    );
  });

  it('refuses a Procfile that runs drover itself when no original is kept', async () => {
    const app = join(scratch.dir('loop'), 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'Procfile'), 'web: drover start web\n');
    const { compile } = await build(app);
    expect(compile.exitCode).toBe(1);
    expect(compile.stderr).toContain('ERROR: the Procfile runs drover itself');
    expect(compile.stderr).toContain('Procfile:1: web: drover start web');
  });
});

describe('the slug, copied elsewhere and run as a dyno (PID namespace, no node on PATH)', () => {
  it('node-web: drover is PID 1 on the vendored node, the app answers on $PORT, logs, and stops on SIGTERM', async () => {
    const { slug, port, dyno } = await startWeb('node-web');
    const response = await httpGet(port, '/hello');
    expect(response.body).toMatch(/^hello from node-web on v/);
    const init = dyno.init();
    expect(init.nspid).toBe(1);
    expect(init.cmdline[0]).toBe(`${slug}/.drover/bin/../node/bin/node`);
    expect(init.cmdline.find((arg) => arg.endsWith('drover.js'))).toBe(`${slug}/.drover/bin/../lib/drover.js`);
    await waitFor(dyno, /node-web: GET \/hello 200/);
    const result = await dyno.stop();
    expect(result.exitCode, dyno.output()).toBe(0);
    expect(dyno.output()).toContain('node-web: SIGTERM, closing');
  });

  it('python: the web answers and the worker works, each type in its own dyno', async () => {
    const { slug, port, dyno } = await startWeb('python');
    expect((await httpGet(port)).body).toBe('hello from python-web\n');
    await waitFor(dyno, /python-web: "GET \/ HTTP\/1\.1" 200/);
    const workerCommand = readFileSync(join(slug, 'Procfile'), 'utf8').match(/^worker: (.*)$/m)![1];
    const worker = runDyno({ app: slug, command: workerCommand, port: await freePort() });
    await waitFor(worker, /python-worker: job 2 done/);
    expect((await worker.stop()).exitCode, worker.output()).toBe(0);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
    expect(dyno.output()).toContain('python-web: SIGTERM, bye');
  });

  it('shell: web serves on $PORT; the clock ticks with its ${VAR:-default} label', async () => {
    const { slug, port, dyno } = await startWeb('shell');
    expect((await httpGet(port, '/index.html')).body).toBe('hello from the shell app\n');
    const clockCommand = readFileSync(join(slug, 'Procfile'), 'utf8').match(/^clock: (.*)$/m)![1];
    const clock = runDyno({ app: slug, command: clockCommand, port: await freePort() });
    await waitFor(clock, /shell-clock: tick \d+/);
    expect((await clock.stop()).exitCode, clock.output()).toBe(0);
    await waitFor(dyno, /shell-web: serving on \d+/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });

  it("after-nodejs: drover runs on the app's .heroku/node", async () => {
    const { slug, port, dyno } = await startWeb('after-nodejs');
    expect((await httpGet(port)).body).toMatch(/^hello from after-nodejs/);
    expect(dyno.init().cmdline[0]).toBe(`${slug}/.drover/bin/../../.heroku/node/bin/node`);
    await waitFor(dyno, /after-nodejs: GET \/ 200/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
