// Heroku v2: `bin/compile BUILD_DIR CACHE_DIR ENV_DIR` turns the app into a slug whose processes run under drover.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version';
import { BuildError, formatSize, type Output } from './build-output';
import { droverProcfile, EMPTY_ORIGINAL, findOriginalProcfile, ORIGINAL_PROCFILE } from './procfile';
import { provideRuntime } from './runtime';
import { checkConfig, readEnvDir } from './validate';
import { buildpackDir, vendorSupervisor } from './vendor';

/** Puts drover on PATH for one-off dynos (`heroku run drover status`). $HOME is the app on Heroku and CF. */
const PROFILE_D = `# Written by the drover buildpack. \`drover\` on PATH, for one-off dynos (heroku run drover status).
export PATH="$HOME/.drover/bin:$PATH"
# The Node.js drover vendored, for an app that has none: last on PATH, so it never shadows the app's own.
if [ -x "$HOME/.drover/node/bin/node" ]; then export PATH="$PATH:$HOME/.drover/node/bin"; fi
`;

/** Runs the Heroku build; throws BuildError for what the user must fix. */
export function compile(out: Output, args: string[]): void {
  const [buildDir, cacheDir, envDir] = args;
  if (!buildDir || !cacheDir)
    throw new BuildError(
      'bin/compile needs BUILD_DIR and CACHE_DIR',
      [`received: ${args.join(' ') || '(no arguments)'}`],
      ['Run it as the platform does: bin/compile BUILD_DIR CACHE_DIR ENV_DIR'],
    );
  const bpDir = buildpackDir();
  out.step(`drover ${VERSION}: the app's processes will run under drover`);

  const original = findOriginalProcfile(buildDir);
  if (original.rebuilt) out.detail(`already built by drover: using the original Procfile kept at ${ORIGINAL_PROCFILE}`);
  const app = checkConfig(out, { appDir: buildDir, procfile: original.path, defaultsDir: join(bpDir, 'conf'), configVars: readEnvDir(envDir) });

  const runtime = provideRuntime(out, {
    bpDir,
    candidates: [{ path: join(buildDir, '.heroku/node/bin/node'), label: '.heroku/node, left by an earlier buildpack' }],
    cacheDir: join(cacheDir, 'drover/node'),
    target: join(buildDir, '.drover/node'),
    targetLabel: '.drover/node',
  });

  out.step('Vendoring drover into .drover/');
  const originalText = original.path ? readFileSync(original.path, 'utf8') : EMPTY_ORIGINAL;
  // The slug runs from /app on Heroku (and Dokku, herokuish): the code cache is made for that path.
  const vendored = vendorSupervisor(bpDir, buildDir, join(buildDir, '.drover'), '/app/.drover');
  out.detail(
    `bin/drover, lib/drover.js, ${vendored.fragments.length} fragment${vendored.fragments.length === 1 ? '' : 's'} in conf/: ${formatSize(vendored.bytes)}`,
  );

  out.step('Writing the Procfile: each process type runs under drover');
  writeFileSync(join(buildDir, ORIGINAL_PROCFILE), originalText);
  const procfile = droverProcfile(
    app.processes.map((p) => p.name),
    '.drover/bin/drover',
  );
  writeFileSync(join(buildDir, 'Procfile'), procfile);
  for (const p of app.processes) out.detail(`${p.name}: .drover/bin/drover start ${p.name}`);
  out.detail(`the original is kept at ${ORIGINAL_PROCFILE}`);
  mkdirSync(join(buildDir, '.profile.d'), { recursive: true });
  writeFileSync(join(buildDir, '.profile.d/drover.sh'), PROFILE_D);
  writeExport(bpDir, buildDir);

  const extra = vendored.bytes + Buffer.byteLength(procfile) + Buffer.byteLength(originalText) + Buffer.byteLength(PROFILE_D);
  const node = runtime.kind === 'vendored' ? ` plus ${formatSize(runtime.bytes)} of Node.js` : ", no Node.js (reused the app's)";
  out.step(`Done in ${out.elapsed()}: the slug gains ${formatSize(extra)}${node}`);
}

/**
 * Heroku's `export` file, which later buildpacks source: they can run `drover check` during their build.
 * It names the build directory on purpose — it is for this build only and never enters the slug.
 */
function writeExport(bpDir: string, buildDir: string): void {
  const node = existsSync(join(buildDir, '.drover/node/bin/node')) ? `export PATH="$PATH:${buildDir}/.drover/node/bin"\n` : '';
  try {
    writeFileSync(join(bpDir, 'export'), `export PATH="${buildDir}/.drover/bin:$PATH"\n${node}`);
  } catch {
    // A read-only buildpack directory (some CI runners): later buildpacks just will not see drover on PATH.
  }
}
