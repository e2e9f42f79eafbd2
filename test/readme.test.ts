// The README's commands and names, checked against what they refer to: the drover commands and their flags,
// the examples, the `drover check` lines (run as written), and the files `npm run package` makes.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DROVER, drover, ROOT } from './helpers';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('README.md', () => {
  it('keeps the two commands at the top', () => {
    expect(README).toContain(
      '## Two commands\n\n```sh\nnpm ci && npm run demo     # the demo: builds the fixture app and runs it under drover\nnpm ci && npm test         # the tests (type check + vitest)\n```',
    );
    expect(README.indexOf('## Two commands')).toBeLessThan(README.indexOf('## Quick start'));
  });

  it('lists exactly the commands of `drover --help`, each with a working --help that has the flags the README names', async () => {
    const help = String((await drover(['--help'])).stdout);
    const commands = [...help.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    const listed = [...README.matchAll(/^drover (\w+) {2,}/gm)].map((m) => m[1]);
    expect(listed).toEqual(commands);
    const flags: Record<string, string[]> = {
      start: ['-a, --app', '-f, --procfile', '-e, --env', '-p, --port'],
      run: ['-a, --app', '-f, --procfile', '-e, --env'],
      check: ['-a, --app', '-f, --procfile', '-e, --env'],
      config: ['-a, --app', '-f, --procfile', '-e, --env'],
      status: ['--json', '-a, --app', '-s, --socket'],
      restart: ['--json'],
    };
    for (const command of commands) {
      const result = await drover([command, '--help']);
      expect(result.exitCode, command).toBe(0);
      for (const flag of flags[command] ?? []) expect(result.stdout, `${command} ${flag}`).toContain(flag);
    }
  });

  it('runs every `cd examples/NAME && ../../bin/drover check` it shows, from that directory', async () => {
    const lines = [...README.matchAll(/cd (examples\/[\w-]+) && \.\.\/\.\.\/bin\/drover check/g)];
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const [, dir] of lines) {
      const result = await execa(DROVER, ['check'], { cwd: join(ROOT, dir), reject: false, env: { DYNO: '', PORT: '' } });
      expect(result.exitCode, `${dir}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/configuration OK$/);
    }
  });

  it('links every example, each with a README, a Procfile and drover/ config, and links none that is missing', () => {
    const examples = readdirSync(join(ROOT, 'examples')).sort();
    const linked = [...README.matchAll(/\]\(examples\/([\w-]+)\)/g)].map((m) => m[1]);
    expect([...new Set(linked)].sort()).toEqual(examples);
    for (const name of examples) {
      for (const file of ['README.md', 'Procfile', 'drover']) expect(existsSync(join(ROOT, 'examples', name, file)), `${name}/${file}`).toBe(true);
    }
  });

  it("names the packaged files as `npm run package` writes them, with package.json's version", () => {
    const named = new Set([...README.matchAll(/dist\/(drover-[\w.-]+?)(\/|`| )/g)].map((m) => m[1]));
    const made = [
      `drover-heroku-v${version}.tgz`,
      `drover-cf-v${version}.zip`,
      `drover-cf-cached-v${version}.zip`,
      `drover-cnb-v${version}`,
      `drover-cnb-v${version}.tgz`,
    ];
    expect([...named].sort()).toEqual(made.sort());
    expect(readFileSync(join(ROOT, 'scripts/package.mjs'), 'utf8')).toContain('--cached');
  });
});
