// CNB: `bin/build` (CNB_LAYERS_DIR, CNB_PLATFORM_DIR, CNB_BP_PLAN_PATH; the app is the working directory).
// One layer, `drover`, with launch and cache set, holds the runtime and the supervisor; its bin/ is on PATH
// at launch. launch.toml declares one process per type, run directly (no shell): drover start TYPE.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version';
import { BuildError, formatSize, type Output } from './build-output';
import { findOriginalProcfile } from './procfile';
import { provideRuntime } from './runtime';
import { checkConfig, readEnvDir } from './validate';
import { buildpackDir, vendorSupervisor } from './vendor';

/** A TOML basic string: the process types and paths we write are plain, but quotes and backslashes are escaped anyway. */
function str(value: string): string {
  return JSON.stringify(value);
}

/** launch.toml for the types, `web` (else the first type) the default process. */
export function launchToml(types: string[]): string {
  const defaultType = types.includes('web') ? 'web' : types[0];
  return types.map((t) => `[[processes]]\ntype = ${str(t)}\ncommand = ["drover", "start", ${str(t)}]\ndefault = ${t === defaultType}\n`).join('\n');
}

/** Runs the CNB build; throws BuildError for what the user must fix. */
export function cnbBuild(out: Output, _args: string[]): void {
  const layers = process.env.CNB_LAYERS_DIR;
  if (!layers)
    throw new BuildError(
      'bin/build needs CNB_LAYERS_DIR',
      ['CNB_LAYERS_DIR is not set: bin/build is the Cloud Native Buildpacks entrypoint.'],
      ['Run it through pack or a CNB lifecycle; on Heroku and Cloud Foundry the entrypoints are bin/compile and bin/supply.'],
    );
  const appDir = process.cwd();
  const bpDir = buildpackDir();
  const layer = join(layers, 'drover');
  out.step(`drover ${VERSION}: the app's processes will run under drover`);
  const original = findOriginalProcfile(appDir);
  const configVars = readEnvDir(process.env.CNB_PLATFORM_DIR ? join(process.env.CNB_PLATFORM_DIR, 'env') : undefined);
  const app = checkConfig(out, { appDir, procfile: original.path, defaultsDir: join(bpDir, 'conf'), configVars });

  // The layer is its own cache: the node it held last time comes back with it, and is reused when it matches.
  const runtime = provideRuntime(out, { bpDir, candidates: [], cacheDir: join(layer, 'node'), target: join(layer, 'node'), targetLabel: 'the drover layer' });

  out.step('Installing drover into the drover layer');
  const vendored = vendorSupervisor(bpDir, appDir, layer);
  out.detail(`bin/drover, lib/drover.js, ${vendored.fragments.length} fragments in conf/: ${formatSize(vendored.bytes)}`);
  // The layer's node after everything else on PATH at launch, for an app that has none (Heroku's profile.d does the same).
  mkdirSync(join(layer, 'env.launch'), { recursive: true });
  writeFileSync(join(layer, 'env.launch/PATH.append'), join(layer, 'node/bin'));
  writeFileSync(join(layer, 'env.launch/PATH.delim'), ':');
  writeFileSync(join(layers, 'drover.toml'), `[types]\nlaunch = true\ncache = true\nbuild = false\n\n[metadata]\ndrover_version = ${str(VERSION)}\n`);

  const types = app.processes.map((p) => p.name);
  writeFileSync(join(layers, 'launch.toml'), launchToml(types));
  out.step(`Processes in launch.toml: ${types.map((t) => `${t}${t === (types.includes('web') ? 'web' : types[0]) ? ' (default)' : ''}`).join(', ')}`);
  for (const t of types) out.detail(`${t}: drover start ${t}`);
  if (original.path && original.rebuilt) out.detail(`(the Procfile runs drover already; the original at ${original.path} is used)`);
  out.step(`Done in ${out.elapsed()}${runtime.kind === 'vendored' ? ` (Node.js: ${formatSize(runtime.bytes)})` : ''}`);
}
