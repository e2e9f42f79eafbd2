// foreman parity on real processes: its flags, PS, `run NAME`, PORT from .env, drover's own message for a wrong
// flag, and foreman's CLI cases (from its spec, in our words); plus .env and Procfile lines read the same way
// by `drover start` and `drover run`.
import { afterEach, describe, expect, it } from 'vitest';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: unknown) => jsonLines(String(text)).map((l) => `${l.logger}: ${l.message}`);
const ONCE = '[processes.web]\noneshot = true\n\n[processes.worker]\noneshot = true\n';

describe("foreman's flags", () => {
  it('takes the formation with -m and --formation', async () => {
    const app = tempDir({ Procfile: 'web: echo "$PS $PORT"\nworker: echo "$PS $PORT"\n', 'drover/009-stdout.toml': JSON_STDOUT, 'drover/100.toml': ONCE });
    for (const flag of ['-m', '--formation']) {
      const result = await startDrover(app, [flag, 'web=2,worker=1']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(messages(result.stdout)).toEqual(expect.arrayContaining(['web.1: web.1 5000', 'web.2: web.2 5001', 'worker.1: worker.1 5100']));
    }
    const both = await drover(['start', 'web', '-m', 'web=2'], { cwd: app });
    expect([both.exitCode, both.stderr]).toEqual([2, expect.stringContaining('give the formation once')]);
  });

  it('takes the app directory with -d/--root, the Procfile with -f and several .env files with -e a,b', async () => {
    const app = tempDir({
      'Procfile.dev': 'web: echo "$A $B"\n',
      'one.env': 'A=1\nB=1\n',
      'two.env': 'B=2\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.web]\noneshot = true\n',
    });
    const result = await drover(['start', '-d', app, '-f', `${app}/Procfile.dev`, '-e', `${app}/one.env,${app}/two.env`]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(messages(result.stdout)).toContain('web.1: 1 2');
  });

  it('uses -t/--timeout as stopwaitsecs for every type', async () => {
    const app = tempDir({ Procfile: `web: trap '' TERM; echo ready; while true; do sleep 0.1; done\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const child = startDrover(app, ['-t', '1']);
    await waitForLine(child, /"message":"ready"/);
    const stopAt = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(Date.now() - stopAt).toBeLessThan(4000); // not stopwaitsecs' 25 s
    expect(messages(result.stdout).some((m) => m.includes('did not exit within 1s'))).toBe(true);
  });

  it("answers an unknown flag with drover's own message and the usage, not the argument parser's", async () => {
    const app = tempDir({ Procfile: 'web: true\n' });
    const unknown = await drover(['start', '--colour'], { cwd: app });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^drover start: unknown option --colour\n\nUsage: drover start/);
    expect(unknown.stderr).not.toContain('To specify a positional argument');
    const near = await drover(['start', '--formaton', 'web=1'], { cwd: app });
    expect(near.stderr).toContain('unknown option --formaton (did you mean --formation?)');
    const missing = await drover(['start', '-p'], { cwd: app });
    expect(missing.stderr).toMatch(/^drover start: option --port needs a value, e.g. --port 5000\n/);
    const check = await drover(['check', '-x'], { cwd: app });
    expect(check.stderr).toMatch(/^drover check: unknown option -x\n\nUsage: drover check/);
  });
});

describe('PORT, PS and foreman start', () => {
  it('takes PORT from .env as the base port, as foreman does (drover used 5000)', async () => {
    const app = tempDir({
      Procfile: 'web: echo "$PORT"\nworker: echo "$PORT"\n',
      '.env': 'PORT=9000\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': ONCE,
    });
    const result = await startDrover(app, [], { PORT: undefined as unknown as string });
    expect(messages(result.stdout)).toEqual(expect.arrayContaining(['web.1: 9000', 'worker.1: 9100']));
    const flag = await startDrover(app, ['-p', '7000'], { PORT: undefined as unknown as string });
    expect(messages(flag.stdout)).toEqual(expect.arrayContaining(['web.1: 7000', 'worker.1: 7100']));
  });

  it('runs a single type, or all, and sets PS (foreman: "can run a single command", "sets PS")', async () => {
    const app = tempDir({
      Procfile: 'echo: echo echoing\nps: echo "PS env var is $PS"\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.echo]\noneshot = true\n\n[processes.ps]\noneshot = true\n',
    });
    const one = await startDrover(app, ['ps']);
    expect(messages(one.stdout)).toContain('ps.1: PS env var is ps.1');
    expect(messages(one.stdout).some((m) => m.startsWith('echo.1'))).toBe(false);
  });

  it('fails when a process fails (foreman: Procfile.bad)', async () => {
    const app = tempDir({
      Procfile: 'good: sleep 1\nbad: false\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "50ms"\n',
    });
    const result = await startDrover(app);
    expect(result.exitCode).not.toBe(0);
  });
});

describe('drover run NAME', () => {
  it("runs the Procfile's command for a type name, with ARGS appended; another word runs as a command", async () => {
    const app = tempDir({ Procfile: 'test: echo testing\nargs: printf "%s|" \n' });
    expect((await drover(['run', 'test'], { cwd: app })).stdout).toBe('testing');
    expect((await drover(['run', 'args', 'a b', 'c'], { cwd: app })).stdout).toBe('a b|c|');
    expect((await drover(['run', 'echo', '1'], { cwd: app })).stdout).toBe('1');
  });

  it('does not parse options meant for the command, and exits with its status (foreman cases)', async () => {
    const app = tempDir({ Procfile: 'web: true\n', '.env': 'FOO=bar\n' });
    expect((await drover(['run', 'grep', '-e', 'FOO', '.env'], { cwd: app })).stdout).toBe('FOO=bar');
    expect((await drover(['run', 'bash', '-c', 'echo $FOO'], { cwd: app })).stdout).toBe('bar');
    expect((await drover(['run', 'date', 'invalid_date'], { cwd: app })).exitCode).toBe(1);
  });

  it('sends the output through the pipeline with --logs, and exits with the status', async () => {
    const app = tempDir({ Procfile: 'web: true\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const result = await drover(['run', '--logs', '--', 'bash', '-c', 'echo one-off; exit 3'], { cwd: app });
    expect(result.exitCode).toBe(3);
    expect(messages(result.stdout)).toContain('run.1: one-off');
  });
});

describe('.env and Procfile lines, read the same way by start and run', () => {
  const files = {
    Procfile: 'This app is deployed with drover.\nworker:\nweb: echo "$A $C"\n',
    '.env': 'A=1\nB="never closed\nC=3\nnot a variable\n',
    'drover/009-stdout.toml': JSON_STDOUT,
    'drover/100.toml': '[processes.web]\noneshot = true\n',
  };

  it('drover run warns about each bad .env line, naming it, and applies the others (it dropped them silently)', async () => {
    const result = await drover(['run', 'echo "$A $B $C"'], { cwd: tempDir(files) });
    expect(result.stdout).toBe('1 "never closed 3');
    expect(result.stderr).toContain('drover run: warning: .env:2: the value of B opens a double quote that is never closed');
    expect(result.stderr).toContain('drover run: warning: .env:4: skipped line "not a variable"');
  });

  it('drover start warns about the same lines and the skipped Procfile lines, and runs the good types', async () => {
    const result = await startDrover(tempDir(files));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(messages(result.stdout)).toContain('web.1: 1 3');
    expect(result.stderr).toContain('drover: warning: .env:2: the value of B opens a double quote');
    expect(result.stderr).toContain('drover: warning: Procfile:1: skipped line "This app is deployed with drover.": not a process type');
    expect(result.stderr).toContain('drover: warning: Procfile:2: [processes.worker] skipped process type "worker": it has no command');
  });
});
