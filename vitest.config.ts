import { defineConfig } from 'vitest/config';
import { compileWat } from './scripts/wat.mjs';

/** In-process tests of src/ (no child processes, sockets or peers): `npm run test:unit`, well under a minute. */
const UNIT = [
  'test/config/**/*.test.ts',
  'test/pipeline/{decoders,filters,formats,matcher,intake}/**/*.test.ts',
  'test/pipeline/buffers/{memory,disk,default-dir}.test.ts',
  'test/pipeline/inputs/{glob,syslog-parse}.test.ts',
  'test/pipeline/disabled-outputs.test.ts',
  'test/pipeline/delivery/delivery-window.test.ts',
  'test/supervisor/{restart-policy,formation}.test.ts',
  'test/buildpack/{build-output,procfile}.test.ts',
];

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
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files wait on real processes, sockets and timers rather than the CPU: four at a time on two
    // cores keeps the suite near half the time of one per core.
    maxWorkers: 4,
    // `npm test` runs both; `vitest run --project unit` (test:unit) or `--project e2e` (test:e2e) one of them.
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
