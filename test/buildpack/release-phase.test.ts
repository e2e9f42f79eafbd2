// Heroku's release phase on a built slug: `release: .drover/bin/drover start release` runs the app's release
// command once, through the pipeline, and exits with its status soon after it ends. The same app's Procfile has
// a free-text line and a type with no command: the build warns and the good types run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { killLeftovers } from '../helpers';
import { copyBuildpack, copyTree, freePort, localNodeEnv, runDyno, Scratch, waitFor } from './harness';

const scratch = new Scratch();
let slug: string;
let compileOutput: string;

beforeAll(async () => {
  const bp = copyBuildpack(scratch);
  const app = join(scratch.dir('release'), 'app');
  mkdirSync(app, { recursive: true });
  // The release command prints when it ends, so the test can measure how long drover takes after that.
  writeFileSync(
    join(app, 'Procfile'),
    'Deployed with drover, see README.\nworker:\nweb: echo web up; sleep 30\nrelease: echo "migrating $DYNO"; sleep 0.5; echo "end $(date +%s%3N)"; exit ${RELEASE_STATUS:-0}\n',
  );
  const compile = await execa(join(bp, 'bin/compile'), [app, scratch.dir('cache'), scratch.dir('env')], {
    reject: false,
    env: localNodeEnv(scratch),
    all: true,
  });
  compileOutput = compile.all ?? '';
  expect(compile.exitCode, compileOutput).toBe(0);
  slug = copyTree(app, join(scratch.dir('run'), 'app'));
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** The release command of the slug's Procfile, as the platform runs it: a one-off dyno named release.N. */
async function runRelease(env: Record<string, string> = {}) {
  const line = readFileSync(join(slug, 'Procfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('release:'));
  expect(line).toBe('release: .drover/bin/drover start release');
  const dyno = runDyno({ app: slug, command: line!.slice('release:'.length).trim(), port: await freePort(), env: { DYNO: 'release.1234', ...env } });
  const result = await dyno;
  const ended = Number(/end (\d+)/.exec(result.all ?? '')?.[1]);
  return { result, after: Date.now() - ended, output: result.all ?? '' };
}

describe('a Procfile with a free-text line and a type with no command', () => {
  it('builds, warning about both lines, and writes a Procfile of the good types', () => {
    expect(compileOutput).toContain('Procfile:1: skipped line "Deployed with drover, see README.": not a process type');
    expect(compileOutput).toContain('Procfile:2: [processes.worker] skipped process type "worker": it has no command');
    expect(readFileSync(join(slug, 'Procfile'), 'utf8')).toMatch(/^web: \.drover\/bin\/drover start web\nrelease: \.drover\/bin\/drover start release\n$/m);
  });

  it('runs the web type on a dyno', async () => {
    const dyno = runDyno({ app: slug, command: '.drover/bin/drover start web', port: await freePort() });
    await waitFor(dyno, /web up/);
    const result = await dyno.stop();
    expect(result.exitCode).toBe(0);
  });
});

describe('the release phase of a built slug', () => {
  it('runs the release command once and exits 0 within 2 s of its end', async () => {
    const { result, after, output } = await runRelease();
    expect(result.exitCode, output).toBe(0);
    expect(output.match(/migrating release\.1234/g)).toHaveLength(1);
    expect(after).toBeLessThan(2000);
    expect(output).not.toContain('FATAL');
  });

  it('exits with the command status, 3, once', async () => {
    const { result, after, output } = await runRelease({ RELEASE_STATUS: '3' });
    expect(result.exitCode, output).toBe(3);
    expect(output.match(/migrating release/g)).toHaveLength(1);
    expect(after).toBeLessThan(2000);
  });
});
