// Compiles WebAssembly text (src/**/*.wat) to binary, for esbuild (scripts/build.mjs, gen-docs.mjs) and vitest.
import { readFileSync } from 'node:fs';
import initWabt from 'wabt';

let wabt;

/** The WebAssembly binary of the .wat file at `path`; throws with wabt's message, which names line and column. */
export async function compileWat(path) {
  wabt ??= await initWabt();
  const module = wabt.parseWat(path, readFileSync(path, 'utf8'), { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** esbuild: `import bytes from './x.wat'` gives the compiled module's bytes (a Uint8Array), embedded in the bundle. */
export function watPlugin() {
  return {
    name: 'wat',
    setup(build) {
      build.onLoad({ filter: /\.wat$/ }, async ({ path }) => ({ contents: await compileWat(path), loader: 'binary' }));
    },
  };
}
