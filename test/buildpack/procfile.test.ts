import { describe, expect, it } from 'vitest';
import { droverProcfile, findOriginalProcfile } from '../../src/buildpack/procfile';
import { launchToml } from '../../src/buildpack/cnb-build';
import { BuildError } from '../../src/buildpack/build-output';
import { tempDir } from '../helpers';
import { join } from 'node:path';

describe('findOriginalProcfile', () => {
  it("is the app's Procfile on a first build, and none when the app has no Procfile", () => {
    const app = tempDir({ Procfile: 'web: node server.js\n' });
    expect(findOriginalProcfile(app)).toEqual({ path: join(app, 'Procfile'), rebuilt: false });
    expect(findOriginalProcfile(tempDir())).toEqual({ path: undefined, rebuilt: false });
  });

  it('is .drover/Procfile when the Procfile already runs drover (Heroku or Cloud Foundry style)', () => {
    for (const launcher of ['.drover/bin/drover', '"$DEPS_DIR/1/bin/drover"']) {
      const app = tempDir({ Procfile: `web: ${launcher} start web\n`, '.drover/Procfile': 'web: node server.js\n' });
      expect(findOriginalProcfile(app)).toEqual({ path: join(app, '.drover/Procfile'), rebuilt: true });
    }
  });

  it('refuses a Procfile that runs drover with no original kept, naming the line', () => {
    const app = tempDir({ Procfile: 'web: node server.js\nworker: drover start worker\n' });
    expect(() => findOriginalProcfile(app)).toThrow(BuildError);
    try {
      findOriginalProcfile(app);
    } catch (error) {
      expect((error as BuildError).reasons[0]).toBe('Procfile:2: worker: drover start worker');
    }
  });

  it('does not mistake a command that merely mentions drover', () => {
    const app = tempDir({ Procfile: 'web: ./drover-server --start\n' });
    expect(findOriginalProcfile(app).rebuilt).toBe(false);
  });
});

describe('droverProcfile and launchToml', () => {
  it('runs every type through the launcher', () => {
    expect(droverProcfile(['web', 'worker'], '.drover/bin/drover')).toMatch(
      /\nweb: \.drover\/bin\/drover start web\nworker: \.drover\/bin\/drover start worker\n$/,
    );
  });

  it('makes web the default CNB process, else the first type', () => {
    expect(launchToml(['worker', 'web'])).toBe(
      '[[processes]]\ntype = "worker"\ncommand = ["drover", "start", "worker"]\ndefault = false\n\n[[processes]]\ntype = "web"\ncommand = ["drover", "start", "web"]\ndefault = true\n',
    );
    expect(launchToml(['clock'])).toContain('default = true');
  });
});
