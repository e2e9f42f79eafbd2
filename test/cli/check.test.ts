import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chmodSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { execFileSync, execSync } from 'node:child_process';
import { BUILDPACK, drover, FIXTURES, tempDir } from '../helpers';

describe('drover check', () => {
  it('passes a valid app and prints its process types and pipeline', async () => {
    const result = await drover(['check', '--app', join(FIXTURES, 'config/valid')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('worker     bash -c');
    expect(result.stdout).toContain('(numprocs 2)');
    expect(result.stdout).toContain('outputs  stdout (stdout)  match: Logger =~ /^web/ || Severity <= 4');
    expect(result.stdout).toContain('configuration OK');
  });

  it('warns about two outputs writing the same stream, and matches nothing this formation produces can satisfy', async () => {
    const app = tempDir({
      Procfile: 'web: serve\nworker: work\n',
      'drover/100.toml': [
        '[outputs.again]\ntype = "stdout"\nformat = "json"',
        '[outputs.papertrail]\ntype = "syslog"\nurl = "syslog+tls://logs.example.com:1234"\nmatch = "Logger == \'web\' && Fields[level] == \'error\'"',
        '[filters.loud]\ntype = "drop"\nmatch = "Severity > 7 || Type == \'app\'"',
        // Fine: instance names, a formation may run web.3, drover's own lines, Fields undecided.
        "[filters.ok]\ntype = \"drop\"\nmatch = \"Logger == 'web.3' || Logger =~ /^worker\\\\./ && Stream == 'stderr' || Logger == 'supervisor' || Fields[x] == 1 && Type == 'log'\"",
      ].join('\n\n'),
    });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).toBe(0);
    const warnings = String(result.stdout)
      .split('\n')
      .filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: drover/100.toml:1: [outputs.again] writes standard output, as [outputs.stdout] does: a line both match is written twice',
      "warning: drover/100.toml:5: [outputs.papertrail] match \"Logger == 'web' && Fields[level] == 'error'\" accepts no message this app produces, so this output never runs",
      'warning: drover/100.toml:10: [filters.loud] match "Severity > 7 || Type == \'app\'" accepts no message this app produces, so this filter never runs',
    ]);
    expect(result.stdout).toContain("hint: Logger is an instance such as web.1 (Logger =~ /^web\\./ for every web), or supervisor for drover's own lines");
  });

  it('reports all three broken fragments with file and line, and exits 1', async () => {
    const result = await drover(['check', '--app', join(FIXTURES, 'config/broken')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('3 errors:');
    expect(result.stderr).toContain('drover/100-syntax.toml:3: invalid TOML');
    expect(result.stderr).toContain('drover/110-types.toml:2: [processes.web] option "numprocs" must be an integer, got string "two"');
    expect(result.stderr).toContain('drover/120-unknown.toml:2: [outputs.archive] unknown output type "s3"');
  });

  it('warns about skipped Procfile and .env lines, naming each line, and passes; --strict makes them errors', async () => {
    const app = tempDir({ Procfile: 'web: a\nweb: b\nnocolon\nworker:\n', '.env': 'A="open\nB=2\n', 'drover/100.toml': '' });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain(
      'warning: Procfile:2: [processes.web] process type "web" is defined again (first on line 1): this later command wins, as on Heroku',
    );
    expect(result.stdout).toContain('warning: Procfile:3: skipped line "nocolon": not a process type');
    expect(result.stdout).toContain('warning: Procfile:4: [processes.worker] skipped process type "worker": it has no command');
    expect(result.stdout).toContain('warning: .env:1: the value of A opens a double quote that is never closed');
    expect(result.stdout).toMatch(/web +b\n/);
    const strict = await drover(['check', '--strict'], { cwd: app });
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toContain('4 errors:');
    expect(strict.stderr).toContain('Procfile:3: skipped line "nocolon"');
  });

  it('says what to add when there is nothing to run', async () => {
    const result = await drover(['check'], { cwd: tempDir({}) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('there is no Procfile and no [processes] section');
    expect(result.stderr).toContain('[processes.web]');
  });

  it('refuses each malformed match expression with file, line, column and a hint', async () => {
    const bad: [string, string, string][] = [
      ["Pid == 'test='", 'Pid is a number: compare it with a number, not the string "test=" at column 8', 'e.g. Pid > 0'],
      ['Pid =~ /6/', 'Pid is a number: =~ and !~ work on strings at column 5', 'compare it with a number'],
      ['Pid !~ /6/', 'Pid is a number: =~ and !~ work on strings at column 5', 'compare it with a number'],
      ['Type == NIL', 'Type is a string: compare it with a string or a regular expression, not NIL at column 9', 'NIL tests whether a field exists'],
      ['Fields[test] > NIL', 'NIL works only with == and != (absent or present), not > at column 14', 'see the matcher section'],
      ["Severity != 'x'", 'Severity is a number: compare it with a number, not the string "x" at column 13', 'Severity runs from 0 (emerg) to 7 (debug)'],
      ['Severity == -1', 'unexpected character "-" at column 13', "Heka's numbers have no sign"],
      ['Payload =~ /(?=x)/', 'RE2 has no lookaround at column 13', 'match the text itself'],
      ['Payload =~ /(a)\\\\1/', 'RE2 has no backreferences at column 16', 'match the text again'],
      ['('.repeat(5000) + 'TRUE' + ')'.repeat(5000), 'parentheses nest more than 100 deep at column 101', 'split the expression'],
    ];
    const fragment = bad.map(([expression], k) => `[filters.f${k}]\ntype = "drop"\nmatch = "${expression.replace(/"/g, '\\"')}"\n`).join('\n');
    const app = tempDir({ Procfile: 'web: true\n', 'drover/100-match.toml': fragment });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).toBe(1);
    const stderr = String(result.stderr);
    expect(stderr).toContain(`${bad.length} errors:`);
    expect(stderr).not.toContain('RangeError');
    for (const [k, [, message, hint]] of bad.entries()) {
      const at = stderr.indexOf(`drover/100-match.toml:${k * 4 + 3}: [filters.f${k}] option "match": `);
      expect(at, message).toBeGreaterThanOrEqual(0);
      const [line, hintLine] = stderr.slice(at).split('\n');
      expect(line).toContain(message);
      expect(hintLine, message).toContain(`hint: ${hint}`);
    }
  });

  it('notes under a valid match what may surprise: an absent field, and a pattern on the linear-time engine', async () => {
    const app = tempDir({
      Procfile: 'web: true\n',
      'drover/100-match.toml': '[filters.f]\ntype = "drop"\nmatch = "Fields[level] != \'debug\' && Payload =~ /x+y/ && Logger =~ /^web/"\n',
    });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'note: Fields[level] != ... is false for lines without that field, as in Heka; to take them too: Fields[level] == NIL || ...',
    );
    expect(result.stdout).toContain('note: /x+y/ runs on the linear-time engine');
    expect(result.stdout).not.toContain('note: /^web/');
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
    expect(option.stderr).toContain('drover check: unknown option --bogus');
  });

  it('explains when no Node.js >= 18 can be found', async () => {
    // A PATH with bash and dirname but no node.
    const bin = tempDir();
    for (const tool of ['bash', 'dirname']) symlinkSync(execSync(`command -v ${tool}`, { shell: '/bin/sh' }).toString().trim(), join(bin, tool));
    const result = await drover(['version'], { env: { PATH: bin }, extendEnv: false });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('no Node.js >= 18 found');
  });

  it('says so when the node on PATH is older than 18 (the shim does not run it to ask)', async () => {
    // The real bundle on the real node, told by a preloaded script that it is Node.js 16.
    const dir = tempDir({ 'old.cjs': "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '16.20.2' } });\n" });
    const result = await drover(['version'], { env: { NODE_OPTIONS: `--require ${dir}/old.cjs` } });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('is too old: drover needs Node.js >= 18');
  });

  it('takes a vendored node by the version the buildpack recorded, without running it', () => {
    const slug = tempDir({ 'bin/.keep': '' });
    const node = execSync('command -v node', { shell: '/bin/sh' }).toString().trim();
    // A node that leaves a mark when run; the record says which version it is.
    const vendor = (version: string) => {
      mkdirSync(join(slug, 'node/bin'), { recursive: true });
      const answer = version === '20.18.0' ? `exec ${node} "$@"` : `[ "$1" = --version ] && echo v${version} && exit 0; exec ${node} "$@"`;
      writeFileSync(join(slug, 'node/bin/node'), `#!/bin/sh\ntouch ${slug}/ran\n${answer}\n`, { mode: 0o755 });
      writeFileSync(join(slug, 'node/.drover-node'), `version=${version}\nsha256=0\nurl=x\n`);
    };
    // What the shim picks when it sits in the slug's bin/.
    const findNode = () =>
      execFileSync('bash', ['-c', `. ${BUILDPACK}/bin/support/find-node.sh; drover_find_node "$1/bin" && echo "$DROVER_NODE_BIN"`, 'find', slug])
        .toString()
        .trim();
    vendor('20.18.0');
    expect(findNode()).toBe(`${slug}/bin/../node/bin/node`);
    expect(existsSync(join(slug, 'ran'))).toBe(false);
    // Recorded as too old (and saying so when run): passed over for the node on PATH.
    vendor('16.20.2');
    expect(findNode()).not.toContain(slug);
  });

  it('finds node in a PATH entry written with ~, as bash itself would', async () => {
    const home = tempDir();
    mkdirSync(join(home, 'tools'));
    symlinkSync(execSync('command -v node', { shell: '/bin/sh' }).toString().trim(), join(home, 'tools/node'));
    // Only bash besides: no other node to be found.
    const bin = tempDir();
    symlinkSync(execSync('command -v bash', { shell: '/bin/sh' }).toString().trim(), join(bin, 'bash'));
    const result = await drover(['version'], { env: { HOME: home, PATH: `~/tools:${bin}` }, extendEnv: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^drover \d/);
  });

  it('falls back to a node that runs when the vendored one cannot be executed', async () => {
    // A slug whose vendored node is built for another machine (here: not a program at all), recorded as 20.
    const slug = tempDir({ 'node/bin/node': '\x7fELF not for this machine', 'node/.drover-node': 'version=20.18.0' });
    chmodSync(join(slug, 'node/bin/node'), 0o755);
    cpSync(join(BUILDPACK, 'bin'), join(slug, 'bin'), { recursive: true });
    cpSync(join(BUILDPACK, 'lib'), join(slug, 'lib'), { recursive: true });
    const result = await execa(join(slug, 'bin/drover'), ['version'], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^drover \d/);
    expect(result.stderr).toContain(`could not run ${slug}/bin/../node/bin/node; using`);
  });
});
