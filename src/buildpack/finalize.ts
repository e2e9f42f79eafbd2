// Cloud Foundry: `bin/finalize BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX`, run only when drover is the last
// buildpack: the launch side. The app's Procfile is kept at .drover/Procfile and the Procfile the
// platform runs starts each type under the drover supply installed in the deps dir.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadApp } from '../config/app';
import { BuildError, type Output } from './build-output';
import { droverProcfile, EMPTY_ORIGINAL, findOriginalProcfile, ORIGINAL_PROCFILE } from './procfile';
import { cfArgs } from './supply';

/** Runs the finalize phase; throws BuildError for what the user must fix. */
export function finalize(out: Output, args: string[]): void {
  const { buildDir, depsDir, depDir, idx } = cfArgs('finalize', args);
  if (!existsSync(join(depDir, 'bin/drover'))) {
    throw new BuildError(
      `drover is not installed in deps/${idx}`,
      [`${join(depDir, 'bin/drover')} does not exist: bin/supply has not run for this index.`],
      ['Cloud Foundry runs supply before finalize; when running the phases by hand, run bin/supply with the same arguments first.'],
    );
  }
  out.step('Writing the Procfile: each process type runs under drover');
  const original = findOriginalProcfile(buildDir);
  const originalText = original.path ? readFileSync(original.path, 'utf8') : EMPTY_ORIGINAL;
  // supply has validated the configuration; the types are read again with the conf/ it installed.
  const app = loadApp({
    appDir: buildDir,
    dirs: [join(depDir, 'conf')],
    procfile: original.path ?? join(buildDir, 'Procfile'),
    env: process.env,
    mode: 'build',
  });
  mkdirSync(join(buildDir, '.drover'), { recursive: true });
  writeFileSync(join(buildDir, ORIGINAL_PROCFILE), originalText);
  // $DEPS_DIR is set by the CF launcher (/home/vcap/deps): no staging path is written into the droplet.
  const launcher = `"$DEPS_DIR/${idx}/bin/drover"`;
  writeFileSync(
    join(buildDir, 'Procfile'),
    droverProcfile(
      app.processes.map((p) => p.name),
      launcher,
    ),
  );
  for (const p of app.processes) out.detail(`${p.name}: ${launcher} start ${p.name}`);
  out.detail(`the original is kept at ${ORIGINAL_PROCFILE}`);

  // The final buildpack makes every supply buildpack's profile.d scripts run at launch, as libbuildpack does.
  mkdirSync(join(buildDir, '.profile.d'), { recursive: true });
  const copied: string[] = [];
  for (const dep of readdirSync(depsDir)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(a) - Number(b))) {
    const dir = join(depsDir, dep, 'profile.d');
    if (!existsSync(dir)) continue;
    for (const script of readdirSync(dir).sort()) {
      copyFileSync(join(dir, script), join(buildDir, '.profile.d', `${dep.padStart(3, '0')}_${script}`));
      copied.push(`deps/${dep}/profile.d/${script}`);
    }
  }
  out.detail(`.profile.d/: ${copied.join(', ')}`);
  out.step(`Done in ${out.elapsed()}`);
}
