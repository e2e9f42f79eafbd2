import { afterEach, describe, expect, it } from 'vitest';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, leftoverProcesses, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  // Every test must leave no process of its own behind.
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: string) => jsonLines(text).map((l) => `${l.logger}: ${l.message}`);

describe('drover start', () => {
  it('retries a crashing process with growing delays, then goes FATAL and exits non-zero', async () => {
    const app = tempDir({
      Procfile: 'web: echo crashing; exit 3\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "200ms"\n\n[processes.web]\nstartretries = 3\n',
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(3);
    const lines = jsonLines(result.stdout);
    const starts = lines.filter((l) => l.message.startsWith('Starting process')).map((l) => Date.parse(l.timestamp));
    expect(starts).toHaveLength(4);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // 200, 400, 800 ms, give or take the time to spawn bash.
    [200, 400, 800].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[i]).toBeLessThan(expected + 250);
    });
    expect(messages(result.stdout)).toContain('web.1: FATAL: exited too quickly (within startsecs = 1s) 4 times in a row; giving up after startretries = 3');
    expect(lines.filter((l) => l.message === 'crashing')).toHaveLength(4);
  });

  it('counts a restart in drover status when it happens, not while it waits in BACKOFF', async () => {
    const app = tempDir({
      Procfile: 'web: echo crashing; exit 3\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "3s"\n\n[processes.web]\nstartretries = 5\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /Restarting in 3s \(failed start 1 of 5\)/);
    const waiting = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    // The first start failed and the restart has not happened yet: none so far.
    expect(waiting.instances[0]).toMatchObject({ name: 'web.1', state: 'BACKOFF', restarts: 0 });
    await waitForLine(child, /Restarting in 6s \(failed start 2 of 5\)/, 10_000);
    const after = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(after.instances[0]).toMatchObject({ state: 'BACKOFF', restarts: 1 });
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('stops a process that traps SIGTERM cleanly and exits 0', async () => {
    const app = tempDir({
      Procfile: `web: trap 'echo got TERM; sleep 1; echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = startDrover(app);
    await waitForLine(child, /"message":"ready"/);
    const stopAt = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(1000);
    expect(messages(result.stdout)).toEqual(
      expect.arrayContaining([
        'web.1: got TERM',
        'web.1: bye',
        'web.1: Stopping process with SIGTERM',
        'web.1: Process exited with status 0',
        'supervisor: Stopped; exit status 0',
      ]),
    );
  });

  it('kills a process that ignores SIGTERM after stopwaitsecs, with its grandchildren', async () => {
    const app = tempDir({
      Procfile: `web: trap '' TERM; sleep 977 & echo ready; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.web]\nstopwaitsecs = "1s"\n',
    });
    const child = startDrover(app);
    await waitForLine(child, /"message":"ready"/);
    const stopAt = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    const took = Date.now() - stopAt;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
    expect(result.exitCode).toBe(137);
    expect(messages(result.stdout).some((m) => m.startsWith('web.1: Error R12 (Exit timeout)'))).toBe(true);
  });

  it('leaves no grandchild behind: bash -c "sleep 1000 & wait"', async () => {
    const app = tempDir({ Procfile: 'web: sleep 1000 & echo ready; wait\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const child = startDrover(app);
    await waitForLine(child, /"message":"ready"/);
    expect(leftoverProcesses().length).toBeGreaterThanOrEqual(2); // drover's node, bash and sleep carry the mark
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
  });

  it('reports the exit of a process whose background job keeps printing into the same pipe, then stops the job', async () => {
    const app = tempDir({
      Procfile: 'web: (while true; do echo tick; sleep 0.1; done) & sleep 0.3; exit 3\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.web]\nautorestart = false\nstartsecs = 0\n',
    });
    const started = Date.now();
    const result = await startDrover(app);
    expect(result.exitCode).toBe(3);
    // 0.3 s to the exit, 250 ms for the pipes, and time to start and stop.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(messages(result.stdout)).toContain('web.1: Process exited with status 3');
  });

  it('does not restart a process that the platform signalled together with drover', async () => {
    const app = tempDir({ Procfile: 'web: echo ready; sleep 30\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"State changed from starting to up"/);
    const { instances } = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    // As on a dyno: SIGTERM to every process at once, the app's first.
    process.kill(-instances[0].pid, 'SIGTERM');
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(messages(result.stdout).filter((m) => m.includes('Starting process'))).toEqual(['web.1: Starting process with command `echo ready; sleep 30`']);
  });

  it('exits with the last status when nothing is left to run', async () => {
    const app = tempDir({
      Procfile: 'web: sleep 0.2; exit 4\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.web]\nautorestart = false\nstartsecs = 0\n',
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(4);
    expect(messages(result.stdout)).toContain('supervisor: Exiting (no process is left running)');
  });

  it('runs the issue example as written: command, numprocs, environment, stopsignal, exitcodes', async () => {
    const app = tempDir({
      Procfile: 'worker: echo "procfile command"\n',
      'bin/worker': `#!/usr/bin/env bash\ntrap 'echo "$DYNO got INT"; exit 0' INT\necho "$DYNO queue=$2 timeout=$QUEUE_TIMEOUT"\nwhile true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100-processes.toml': `[processes.worker]
command = "bin/worker --queue default"   # replaces the Procfile's command for this type
numprocs = 2
autorestart = "unexpected"
exitcodes = [0]
startsecs = 2
startretries = 3
stopsignal = "INT"
stopwaitsecs = 10
environment = { QUEUE_TIMEOUT = "5" }
`,
    });
    await import('node:fs').then((fs) => fs.chmodSync(`${app}/bin/worker`, 0o755));
    const child = startDrover(app);
    await waitForLine(child, /worker\.2 queue=default timeout=5/);
    await waitForLine(child, /worker\.1 queue=default timeout=5/);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    const seen = messages(result.stdout);
    expect(seen).toEqual(expect.arrayContaining(['worker.1: worker.1 got INT', 'worker.2: worker.2 got INT', 'worker.1: Stopping process with SIGINT']));
    expect(seen.join('\n')).not.toContain('procfile command');
  });

  it('gives each instance DYNO and PORT, and .env never overrides a real variable', async () => {
    const app = tempDir({
      Procfile: 'web: echo "$DYNO $PORT $FOO $BAR"; sleep 30\nworker: echo "$DYNO $PORT"; sleep 30\n',
      '.env': 'FOO=from-dotenv\nBAR="from dotenv"\n',
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = startDrover(app, ['web=2,worker=1', '--port', '6000'], { FOO: 'real' });
    await waitForLine(child, /web\.2 6001/);
    await waitForLine(child, /worker\.1 6100/);
    await waitForLine(child, /web\.1 6000/);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen).toEqual(expect.arrayContaining(['web.1: web.1 6000 real from dotenv', 'web.2: web.2 6001 real from dotenv', 'worker.1: worker.1 6100']));
  });

  it('rejects a bad formation with exit status 2', async () => {
    const app = tempDir({ Procfile: 'web: sleep 1\n' });
    const bad = await drover(['start', 'web=x'], { cwd: app });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('invalid count "x" for "web"');
    const unknown = await drover(['start', 'db=1'], { cwd: app });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown process type "db"');
  });

  it('refuses to start with an invalid configuration, listing every error', async () => {
    const app = tempDir({ Procfile: 'web: sleep 1\n', 'drover/100.toml': '[processes.web]\nnumprocs = -1\nstopsignal = "BOGUS"\n' });
    const result = await drover(['start'], { cwd: app });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The configuration has 2 errors');
  });

  it('answers drover status and drover restart over its control socket', async () => {
    const app = tempDir({ Procfile: 'web: echo "up $$"; sleep 30\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"up \d+"/);
    const status = await drover(['status', '--socket', socket]);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST EXIT\nweb\.1\s+(STARTING|RUNNING)\s+\d+\s+\d+s\s+0\s+-/);
    const { statSync } = await import('node:fs');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const restarted = await drover(['restart', 'web', '--socket', socket]);
    expect(restarted.stdout).toBe('restarting web.1');
    await waitForLine(child, /Process was killed by SIGTERM/);
    const json = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(json.instances[0]).toMatchObject({ name: 'web.1', restarts: 1 });
    const unknown = await drover(['restart', 'db', '--socket', socket]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no process named "db" (known: web.1)');
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    const gone = await drover(['status', '--socket', socket]);
    expect(gone.stderr).toContain('no drover supervisor is running');
  });
});

describe('drover run', () => {
  it('runs a one-off command with the app environment and returns its exit status', async () => {
    const app = tempDir({ '.env': 'GREETING=hello\n' });
    const result = await drover(['run', '--', 'bash', '-c', 'echo "$GREETING $DYNO"; exit 7'], { cwd: app });
    expect(result.stdout).toBe('hello run.1');
    expect(result.exitCode).toBe(7);
    const single = await drover(['run', 'echo $GREETING; exit 3'], { cwd: app });
    expect([single.stdout, single.exitCode]).toEqual(['hello', 3]);
  });

  it('passes stdin through', async () => {
    const result = await drover(['run', 'cat'], { cwd: tempDir(), input: 'typed\n' });
    expect(result.stdout).toBe('typed');
  });
});

describe('a second signal', () => {
  afterEach(() => {
    expect(killLeftovers()).toEqual([]);
  });

  it('kills everything at once instead of waiting for stopwaitsecs', async () => {
    const app = tempDir({ Procfile: `web: trap '' TERM INT; echo ready; while true; do sleep 0.1; done\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const child = startDrover(app);
    await waitForLine(child, /"message":"ready"/);
    const stopAt = Date.now();
    child.kill('SIGINT');
    await waitForLine(child, /Stopping process with SIGTERM/);
    child.kill('SIGINT');
    const result = await child;
    expect(Date.now() - stopAt).toBeLessThan(5000); // stopwaitsecs is 25 s
    expect(result.exitCode).toBe(130);
    expect(messages(result.stdout).some((m) => m.includes('Received SIGINT again: killing all processes now'))).toBe(true);
  });
});
