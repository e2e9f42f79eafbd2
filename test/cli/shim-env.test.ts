// bin/drover tunes the supervisor's own memory (one malloc arena) without changing the app's environment.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const PROCFILE = 'web: echo "arena=${MALLOC_ARENA_MAX-unset} restore=${DROVER_RESTORE_ENV-unset}"; exec sleep 1000\n';

describe('MALLOC_ARENA_MAX', () => {
  it.each([
    ['unset', undefined],
    ['set by the user', '7'],
  ])(
    'the supervisor runs with one arena; the app gets it as drover found it (%s)',
    async (_label, value) => {
      const app = tempDir({ Procfile: PROCFILE });
      const env: Record<string, string> = value === undefined ? {} : { MALLOC_ARENA_MAX: value };
      const saved = process.env.MALLOC_ARENA_MAX;
      delete process.env.MALLOC_ARENA_MAX;
      const child = startDrover(app, [], env);
      if (saved !== undefined) process.env.MALLOC_ARENA_MAX = saved;
      try {
        const line = await waitForLine(child, /arena=[^$]/, 30_000);
        expect(line).toContain(`arena=${value ?? 'unset'} restore=unset`);
        // The supervisor itself (bin/drover execs node): glibc read its MALLOC_ARENA_MAX at start.
        const environ = readFileSync(`/proc/${child.pid}/environ`, 'latin1').split('\0');
        expect(environ).toContain('MALLOC_ARENA_MAX=1');
      } finally {
        child.kill('SIGTERM');
        await child;
      }
    },
    60_000,
  );
});
