import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { symlinkSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { drover, FIXTURES, tempDir } from '../helpers';

describe('drover check', () => {
  it('passes a valid app and prints its process types and pipeline', async () => {
    const result = await drover(['check', '--app', join(FIXTURES, 'config/valid')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('worker     bash -c');
    expect(result.stdout).toContain('(numprocs 2)');
    expect(result.stdout).toContain('outputs  stdout (stdout)  match: Logger =~ /^web/ || Severity <= 4');
    expect(result.stdout).toContain('configuration OK');
  });

  it('reports all three broken fragments with file and line, and exits 1', async () => {
    const result = await drover(['check', '--app', join(FIXTURES, 'config/broken')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('3 errors:');
    expect(result.stderr).toContain('drover/100-syntax.toml:3: invalid TOML');
    expect(result.stderr).toContain('drover/110-types.toml:2: [processes.web] option "numprocs" must be an integer, got string "two"');
    expect(result.stderr).toContain('drover/120-unknown.toml:2: [outputs.archive] unknown output type "s3"');
  });

  it('reports Procfile and .env problems beside config problems', async () => {
    const app = tempDir({ Procfile: 'web: a\nweb: b\nnocolon\n', '.env': 'A="open\n', 'drover/100.toml': '' });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Procfile:2: [processes.web] process type "web" is defined twice (first on line 1)');
    expect(result.stderr).toContain('Procfile:3: cannot parse line "nocolon"');
    expect(result.stderr).toContain('.env:1: the value of A opens a double quote that is never closed');
  });

  it('says what to add when there is nothing to run', async () => {
    const result = await drover(['check'], { cwd: tempDir({}) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('there is no Procfile and no [processes] section');
    expect(result.stderr).toContain('[processes.web]');
  });

  it('accepts an app whose processes come only from config', async () => {
    const app = tempDir({ 'drover/100-p.toml': '[processes.web]\ncommand = "node server.js"\n' });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('web        node server.js  (from config)');
  });
});

describe('drover config', () => {
  it('prints each merged section with the fragment it came from', async () => {
    const result = await drover(['config', '--app', join(FIXTURES, 'config/valid')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('# from drover/100-processes.toml:1\n[processes.worker]\nnumprocs = 2');
    expect(result.stdout).toContain('# from drover/150-stdout.toml:1\n[outputs.stdout]\ntype = "stdout"\nformat = "heroku"');
    expect(result.stdout).not.toContain('format = "auto"');
  });
});

describe('drover CLI', () => {
  it('has --help on every command', async () => {
    for (const command of ['check', 'config', 'version', 'help']) {
      const result = await drover([command, '--help']);
      expect(result.exitCode, command).toBe(0);
      expect(result.stdout, command).toMatch(/^Usage: drover /);
    }
  });

  it('prints its version', async () => {
    const result = await drover(['version']);
    expect(result.stdout).toMatch(/^drover \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('rejects an unknown command and an unknown option with exit status 2', async () => {
    const unknown = await drover(['frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await drover(['check', '--bogus']);
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain("Unknown option '--bogus'");
  });

  it('explains when no Node.js >= 18 can be found', async () => {
    // A PATH with bash and dirname but no node.
    const bin = tempDir();
    for (const tool of ['bash', 'dirname']) symlinkSync(execSync(`command -v ${tool}`, { shell: '/bin/sh' }).toString().trim(), join(bin, tool));
    const result = await drover(['version'], { env: { PATH: bin }, extendEnv: false });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('no Node.js >= 18 found');
  });
});
