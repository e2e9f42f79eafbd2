// Cloud Foundry: `bin/supply BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX` checks the configuration and installs
// drover and its runtime under DEPS_DIR/DEPS_IDX only (bin, lib, conf, node, profile.d, config.yml), as
// every buildpack in a multi-buildpack push may do. finalize (drover is last) writes the launch side.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version';
import { BuildError, formatSize, type Output } from './build-output';
import { findOriginalProcfile } from './procfile';
import { provideRuntime } from './runtime';
import { checkConfig } from './validate';
import { buildpackDir, vendorSupervisor } from './vendor';

/** The four arguments of supply and finalize, checked. */
export function cfArgs(name: string, args: string[]) {
  const [buildDir, cacheDir, depsDir, idx] = args;
  if (!buildDir || !cacheDir || !depsDir || !idx) {
    throw new BuildError(
      `bin/${name} needs BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX`,
      [`received: ${args.join(' ') || '(no arguments)'}`],
      [`Run it as Cloud Foundry does: bin/${name} /tmp/app /tmp/cache /tmp/deps 0`],
    );
  }
  return { buildDir, cacheDir, depsDir, idx, depDir: join(depsDir, idx) };
}

/** The launch-time PATH for the deps dir; CF sets DEPS_DIR at run time (/home/vcap/deps). */
function profileD(idx: string): string {
  return `# Written by the drover buildpack: \`drover\` on PATH in the app and in cf ssh sessions.
export PATH="$DEPS_DIR/${idx}/bin:$PATH"
# The Node.js drover vendored, for an app that has none: last on PATH, so it never shadows the app's own.
if [ -x "$DEPS_DIR/${idx}/node/bin/node" ]; then export PATH="$PATH:$DEPS_DIR/${idx}/node/bin"; fi
`;
}

/** Runs the supply phase; throws BuildError for what the user must fix. */
export function supply(out: Output, args: string[]): void {
  const { buildDir, cacheDir, depDir, idx } = cfArgs('supply', args);
  const bpDir = buildpackDir();
  out.step(`drover ${VERSION}: supplying drover (deps dir ${idx})`);
  const original = findOriginalProcfile(buildDir);
  // CF has no ENV_DIR: the app's environment variables are in the staging environment itself.
  checkConfig(out, { appDir: buildDir, procfile: original.path, defaultsDir: join(bpDir, 'conf'), configVars: {} });

  // The app's .heroku/node would not be found from the deps dir at run time, so the runtime is always ours (cached).
  const runtime = provideRuntime(out, {
    bpDir,
    candidates: [],
    cacheDir: join(cacheDir, 'drover/node'),
    target: join(depDir, 'node'),
    targetLabel: `deps/${idx}/node`,
  });

  out.step(`Installing drover into deps/${idx}`);
  // Cloud Foundry runs the droplet with its deps in /home/vcap/deps: the code cache is made for that path.
  const vendored = vendorSupervisor(bpDir, buildDir, depDir, join('/home/vcap/deps', idx));
  mkdirSync(join(depDir, 'profile.d'), { recursive: true });
  writeFileSync(join(depDir, 'profile.d/drover.sh'), profileD(idx));
  writeFileSync(join(depDir, 'config.yml'), `---\nname: drover\nconfig:\n  version: ${VERSION}\n`);
  out.detail(`bin/drover, lib/drover.js, ${vendored.fragments.length} fragments in conf/, profile.d/drover.sh: ${formatSize(vendored.bytes)}`);
  out.step(`Done in ${out.elapsed()}${runtime.kind === 'vendored' ? ` (Node.js: ${formatSize(runtime.bytes)})` : ''}`);
}
