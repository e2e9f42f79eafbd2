import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers';

describe('lib/', () => {
  it('holds exactly what `npm run build` makes from src/ (commit lib/ after every change)', async () => {
    const out = tempDir();
    await execa('node', [join(ROOT, 'scripts/build.mjs'), out], { cwd: ROOT });
    for (const name of readdirSync(out)) {
      const committed = readFileSync(join(ROOT, 'lib', name), 'utf8');
      expect(committed === readFileSync(join(out, name), 'utf8'), `lib/${name} is stale: run npm run build`).toBe(true);
    }
  });
});
