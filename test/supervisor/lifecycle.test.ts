// Edge cases of the process lifecycle: restarts that overlap, spawns that fail, signals during a stop.
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { drover, DROVER, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: unknown) => jsonLines(String(text)).map((l) => `${l.logger}: ${l.message}`);

describe('supervisor lifecycle', () => {
  it('joins two overlapping restarts into one, leaving a single child', async () => {
    // Slow to stop (1 s), so that the second request surely arrives while the first restart is under way.
    const app = tempDir({ Procfile: `web: trap 'sleep 1; exit 0' TERM; echo up; while true; do sleep 0.1; done\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"up"/);
    await Promise.all([drover(['restart', 'web', '--socket', socket]), drover(['restart', 'web', '--socket', socket])]);
    // The restarted process is up once a second "up" line has been printed; give a third start a moment to show.
    for (const until = Date.now() + 10_000; (child.output().match(/"message":"up"/g) ?? []).length < 2 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(messages(result.stdout).filter((m) => m.includes('Starting process'))).toHaveLength(2);
  });

  it('counts a process that cannot be spawned as a failed start, and goes FATAL', async () => {
    const app = tempDir({
      Procfile: 'web: echo never\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "50ms"\n\n[processes.web]\ndirectory = "no-such-dir"\nstartretries = 1\n',
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(127);
    const seen = messages(result.stdout);
    expect(seen.filter((m) => m.startsWith('web.1: Failed to start: spawn bash ENOENT'))).toHaveLength(2);
    expect(seen.some((m) => m.startsWith('web.1: FATAL'))).toBe(true);
    expect(seen).not.toContain('web.1: State changed from starting to up');
  });

  it('exits 0 after a clean stop even if an earlier restart had to SIGKILL', async () => {
    const app = tempDir({
      // The first run ignores SIGTERM (and is killed); the run after the restart exits on it.
      Procfile: `web: if [ -f ran ]; then trap 'exit 0' TERM; else touch ran; trap '' TERM; fi; echo "up $$"; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.web]\nstopwaitsecs = "500ms"\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"up \d+"/);
    await drover(['restart', 'web', '--socket', socket]);
    await waitForLine(child, /Error R12/);
    await new Promise((r) => setTimeout(r, 1200));
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('takes the first SIGTERM during its own stop (after FATAL) as the platform stopping it, not as a second signal', async () => {
    const app = tempDir({
      Procfile: `web: exit 1\nworker: trap 'sleep 1; exit 0' TERM; echo ready; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "600ms"\n\n[processes.web]\nstartretries = 1\n',
    });
    const child = startDrover(app);
    await waitForLine(child, /Stopping all processes \(web\.1 is FATAL\)/);
    child.kill('SIGTERM');
    const result = await child;
    const seen = messages(result.stdout);
    expect(seen).toContain('supervisor: Received SIGTERM: already stopping');
    expect(seen.join('\n')).not.toContain('killing all processes now');
    expect(seen).toContain('worker.1: Process exited with status 0');
  });

  it('keeps lines whole and in order while its stdout reader is slow', async () => {
    const app = tempDir({
      Procfile: 'web: seq 1 400000\n',
      'drover/009-stdout.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\n',
      'drover/100.toml': '[processes.web]\nautorestart = false\nstartsecs = 0\n',
    });
    const [k, v] = TEST_MARK.split('=');
    const child = execa(DROVER, ['start'], { cwd: app, reject: false, buffer: false, env: { [k]: v } });
    // Read nothing for 1.5 s (longer than the partial-line and pipe-close timeouts, with drover's queue full and
    // its reading paused), then everything.
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    let text = '';
    for await (const chunk of child.stdout!) text += chunk.toString();
    await child;
    const lines = text.trimEnd().split('\n');
    const app_lines = lines.filter((l) => /^\d+$/.test(l));
    expect(app_lines.length).toBe(400000);
    expect(app_lines.every((l, i) => l === String(i + 1))).toBe(true);
    const exited = lines.findIndex((l) => l.includes('Process exited'));
    expect(exited).toBeGreaterThan(lines.indexOf('400000'));
  }, 60_000);

  it('refuses to take over the control socket of a running supervisor', async () => {
    const app = tempDir({ Procfile: 'web: echo up; sleep 30\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const first = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(first, /"message":"up"/);
    const second = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(second, /another drover supervisor answers on/);
    second.kill('SIGTERM');
    await second;
    const status = await drover(['status', '--json', '--socket', socket]);
    expect(JSON.parse(String(status.stdout)).pid).toBe(first.pid);
    first.kill('SIGTERM');
    await first;
  });

  // Real failures inside the running supervisor, planted by a preloaded script: an exception thrown from a
  // signal handler, a promise rejected with no handler, and spawn throwing for the second process type.
  it.each([
    ['an uncaught exception', "process.on('SIGUSR2', () => { throw new Error('planted failure'); });", 'Error: planted failure'],
    ['an unhandled rejection', "process.on('SIGUSR2', () => { Promise.reject(new Error('planted rejection')); });", 'Error: planted rejection'],
    [
      'spawn failing while it starts the processes',
      "const cp = require('child_process'); const spawn = cp.spawn; let n = 0;\ncp.spawn = function (...args) { if (++n === 2) { const start = Date.now(); while (Date.now() - start < 300); throw new Error('planted spawn failure'); } return spawn.apply(this, args); };",
      'Error: planted spawn failure',
    ],
  ])('stops every process and exits 70 when drover itself fails: %s', async (how, preload, error) => {
    const app = tempDir({
      'crash.cjs': `${preload}\n`,
      Procfile: `web: echo "web up"; while true; do sleep 0.1; done\nstubborn: trap '' TERM; echo "stubborn up"; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = startDrover(app, [], { NODE_OPTIONS: `--require ${app}/crash.cjs` });
    await waitForLine(child, /"message":"web up"/);
    const failedAt = Date.now();
    if (how.startsWith('spawn')) {
      // spawn failed for stubborn (after a pause, so that web has printed): drover stops web and exits.
      expect(child.output()).not.toContain('"message":"stubborn up"');
    } else {
      await waitForLine(child, /"message":"stubborn up"/);
      child.kill('SIGUSR2');
    }
    const result = await child;
    expect(result.exitCode).toBe(70);
    expect(result.stderr).toContain(`drover: unexpected error: ${error}`);
    expect(result.stderr).toContain('stopping every process');
    // web stops on SIGTERM at once; stubborn, when it runs, ignores it and takes the SIGKILL 3 s later.
    // afterEach checks that nothing is left.
    const took = Date.now() - failedAt;
    if (!how.startsWith('spawn')) expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(6000);
  });
});

describe('drover run arguments', () => {
  it('passes a -- that comes after the command on to the command', async () => {
    const result = await drover(['run', 'echo', 'a', '--', 'b'], { cwd: tempDir() });
    expect(result.stdout).toBe('a -- b');
    const leading = await drover(['run', '--', 'echo', '--', 'c'], { cwd: tempDir() });
    expect(leading.stdout).toBe('-- c');
  });

  it('says which option names a missing file', async () => {
    const result = await drover(['run', '-e', 'missing.env', 'true'], { cwd: tempDir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('option --env: no such file missing.env');
  });
});
