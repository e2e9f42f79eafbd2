import { defineConfig } from 'vitest/config';
import { compileWat } from './scripts/wat.mjs';

export default defineConfig({
  plugins: [
    {
      // `import bytes from './x.wat'` in src/: the compiled module's bytes, as the esbuild bundle has them.
      name: 'wat',
      async load(id: string) {
        if (!id.endsWith('.wat')) return null;
        const base64 = Buffer.from(await compileWat(id)).toString('base64');
        return `export default new Uint8Array(Buffer.from(${JSON.stringify(base64)}, 'base64'));`;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files wait on real processes, sockets and timers rather than the CPU: four at a time on two
    // cores keeps the suite near half the time of one per core.
    maxWorkers: 4,
  },
});
