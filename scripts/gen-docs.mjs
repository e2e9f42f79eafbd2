// Writes docs/configuration.md from the component schemas (scripts/config-reference.ts): run it after
// changing an option, a doc string or an example; test/docs.test.ts fails until the file is regenerated.
// esbuild bundles the TypeScript in memory, so no TypeScript runner is needed. `--stdout` prints it instead.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { watPlugin } from './wat.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await build({
  entryPoints: [`${root}scripts/config-reference.ts`],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
  define: { DROVER_VERSION: '"docs"' },
  plugins: [watPlugin()],
});
const module = { exports: {} };
new Function('module', 'exports', 'require', '__filename', '__dirname', result.outputFiles[0].text)(
  module,
  module.exports,
  createRequire(import.meta.url),
  `${root}scripts/config-reference.js`,
  `${root}scripts`,
);
const text = module.exports.renderConfigurationReference();
// --stdout prints instead of writing: the docs test checks that this script renders what the test renders.
if (process.argv.includes('--stdout')) process.stdout.write(text);
else {
  const target = `${root}docs/configuration.md`;
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
