import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { BUILDPACK, tempDir } from '../helpers';

const release = (app: string) => execa(join(BUILDPACK, 'bin/release'), [app]);

describe('bin/release', () => {
  it("prints the Procfile's types as default_process_types, YAML-quoted", async () => {
    const app = tempDir({ Procfile: "# comment\nweb: .drover/bin/drover start web\nodd: echo 'it''s' \"# not a comment\"\n" });
    expect((await release(app)).stdout).toBe(`---\ndefault_process_types:\n  web: '.drover/bin/drover start web'\n  odd: 'echo ''it''''s'' "# not a comment"'`);
  });

  it('prints an empty map when there is no Procfile', async () => {
    expect((await release(tempDir())).stdout).toBe('---\ndefault_process_types: {}');
  });
});
