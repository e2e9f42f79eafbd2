// What the example tests share: an example built by the buildpack in the repository (Heroku's detect, compile
// and release, or Cloud Foundry's supply and finalize), the slug moved elsewhere, and its Procfile read.
import { execa } from 'execa';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../helpers';
import { copyBuildpack, copyTree, localNodeEnv, type Scratch } from '../buildpack/harness';

export const EXAMPLES = join(ROOT, 'examples');

/** A copy of examples/NAME in a new directory (a platform's BUILD_DIR). */
export function copyExample(scratch: Scratch, name: string): string {
  const dir = join(scratch.dir(name), 'app');
  cpSync(join(EXAMPLES, name), dir, { recursive: true });
  return dir;
}

/** Builds examples/NAME as Heroku does and returns the slug, moved as Heroku moves /tmp/build_x to /app. */
export async function buildHeroku(scratch: Scratch, name: string): Promise<{ slug: string; compile: string }> {
  const bp = copyBuildpack(scratch);
  const app = copyExample(scratch, name);
  const env = localNodeEnv(scratch);
  expect((await execa(join(bp, 'bin/detect'), [app], { env })).stdout).toBe('drover');
  const compile = await execa(join(bp, 'bin/compile'), [app, scratch.dir('cache'), scratch.dir('env')], { reject: false, all: true, env });
  expect(compile.exitCode, compile.all).toBe(0);
  return { slug: copyTree(app, join(scratch.dir('run'), 'app')), compile: compile.all };
}

/** Stages examples/NAME as Cloud Foundry does (drover the only buildpack: deps index 0), moved to /home/vcap-like dirs. */
export async function stageCf(scratch: Scratch, name: string): Promise<{ app: string; deps: string }> {
  const bp = copyBuildpack(scratch);
  const app = copyExample(scratch, name);
  const deps = join(app, '..', 'deps');
  mkdirSync(deps);
  const env = localNodeEnv(scratch);
  const args = [app, scratch.dir('cache'), deps, '0'];
  for (const phase of ['supply', 'finalize']) {
    const result = await execa(join(bp, 'bin', phase), args, { reject: false, all: true, env });
    expect(result.exitCode, result.all).toBe(0);
  }
  const root = scratch.dir('vcap');
  return { app: copyTree(app, join(root, 'app')), deps: copyTree(deps, join(root, 'deps')) };
}

/** The command of a process type in a Procfile. */
export function procfileCommand(procfile: string, type: string): string {
  const line = readFileSync(procfile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${type}:`));
  if (!line) throw new Error(`no ${type} in ${procfile}`);
  return line.slice(type.length + 1).trim();
}
