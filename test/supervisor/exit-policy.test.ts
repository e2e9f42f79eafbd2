// The exit-code-aware restart policy on real processes: one-shots, expected exits, crash-loop backoff, and the
// exit status of drover once nothing is left to run.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: unknown) => jsonLines(String(text)).map((l) => `${l.logger}: ${l.message}`);
const starts = (text: unknown, name = 'web.1') => messages(text).filter((m) => m.startsWith(`${name}: Starting process`)).length;
const app = (procfile: string, config: string) => tempDir({ Procfile: procfile, 'drover/009-stdout.toml': JSON_STDOUT, 'drover/100.toml': config });

describe('exits that are final', () => {
  it('runs a process with autorestart = false that exits 0 at once only once, and exits 0', async () => {
    const result = await startDrover(app('web: echo ready\n', '[processes.web]\nautorestart = false\n'));
    expect(result.exitCode).toBe(0);
    expect(starts(result.stdout)).toBe(1);
    expect(messages(result.stdout)).toContain('web.1: Not restarting (autorestart = false)');
    expect(result.stdout).not.toContain('FATAL');
  });

  it('never restarts autorestart = false, even after a quick failure, and exits with its status', async () => {
    const result = await startDrover(app('web: exit 6\n', '[processes.web]\nautorestart = false\n'));
    expect(result.exitCode).toBe(6);
    expect(starts(result.stdout)).toBe(1);
  });

  it('does not restart autorestart = "unexpected" after an expected exit at once', async () => {
    const result = await startDrover(app('web: echo done\n', '[processes.web]\nautorestart = "unexpected"\n'));
    expect(result.exitCode).toBe(0);
    expect(starts(result.stdout)).toBe(1);
    const codes = await startDrover(app('web: exit 2\n', '[processes.web]\nautorestart = "unexpected"\nexitcodes = [0, 2]\n'));
    expect(codes.exitCode).toBe(0); // 2 is expected
    expect(starts(codes.stdout)).toBe(1);
  });

  it('retries autorestart = "unexpected" after an unexpected quick exit, then goes FATAL with its status', async () => {
    const result = await startDrover(
      app('web: exit 3\n', '[supervisor]\nbackoff_initial = "100ms"\n\n[processes.web]\nautorestart = "unexpected"\nstartretries = 2\n'),
    );
    expect(result.exitCode).toBe(3);
    expect(starts(result.stdout)).toBe(3);
    expect(messages(result.stdout).some((m) => m.startsWith('web.1: FATAL'))).toBe(true);
  });

  it('still backs off to FATAL with autorestart = true and quick exits, even exit 0', async () => {
    const result = await startDrover(app('web: echo hi\n', '[supervisor]\nbackoff_initial = "100ms"\n\n[processes.web]\nstartretries = 2\n'));
    expect(result.exitCode).toBe(1);
    expect(starts(result.stdout)).toBe(3);
    expect(messages(result.stdout).some((m) => m.startsWith('web.1: FATAL'))).toBe(true);
  });

  it('runs a oneshot type once beside a long-running one, whatever its status', async () => {
    const a = app('web: echo up; sleep 30\ntask: echo task ran; exit 4\n', '[processes.task]\noneshot = true\n');
    const child = startDrover(a);
    await waitForLine(child, /Not restarting \(oneshot = true\)/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull(); // web runs on
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0); // a requested stop
    expect(starts(result.stdout, 'task.1')).toBe(1);
    expect(messages(result.stdout)).toContain('task.1: task ran');
  });
});

describe('the release type', () => {
  it('is left out of a bare drover start and of all=1 (as heroku local), and runs once when named', async () => {
    const a = app('web: echo web ran\nrelease: echo release ran\n', '[processes.web]\noneshot = true\n');
    for (const args of [[], ['all=1']]) {
      const result = await startDrover(a, args);
      expect(messages(result.stdout)).toContain('web.1: web ran');
      expect(result.stdout).not.toContain('release ran');
    }
    const named = await startDrover(a, ['release']);
    expect(named.exitCode).toBe(0);
    expect(messages(named.stdout).filter((m) => m === 'release.1: release ran')).toHaveLength(1);
    const check = await drover(['check'], { cwd: a });
    expect(check.stdout).toContain('release    echo release ran  (oneshot)  (runs only when named)');
  });

  it('is a normal type when configured so', async () => {
    const result = await startDrover(app('release: echo ran\n', '[processes.release]\noneshot = false\nautostart = true\nautorestart = "unexpected"\n'));
    expect(messages(result.stdout)).toContain('release.1: Not restarting (exit status 0 is in exitcodes and autorestart = "unexpected")');
  });
});

describe("a one-shot's lines and the drains", () => {
  it('delivers a release (drover start release) and a one-off (drover run --logs) to an HTTP drain before drover exits', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(
          ...body
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l).message),
        );
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      // A batch interval far longer than the run: only the flush at exit can deliver the lines in time.
      const drain = `[outputs.drain]\ntype = "http"\nurl = "http://127.0.0.1:${(server.address() as { port: number }).port}/logs"\nformat = "ndjson"\nbatch_interval = "60s"\n`;
      const a = tempDir({ Procfile: 'release: echo migrated; exit 3\n', 'drover/009-stdout.toml': JSON_STDOUT, 'drover/200-drain.toml': drain });
      const started = Date.now();
      const release = await startDrover(a, ['release']);
      expect(release.exitCode, release.all).toBe(3);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(received).toContain('migrated');
      const run = await drover(['run', '--logs', '--', 'echo', 'one-off done'], { cwd: a });
      expect(run.exitCode).toBe(0);
      expect(received).toContain('one-off done');
    } finally {
      server.close();
    }
  });
});

describe('the exit status once every process has finished', () => {
  it('is 0 when every exit was expected, else the status of the first unexpected one', async () => {
    const fine = await startDrover(app('a: exit 0\nb: sleep 0.3; exit 0\n', '[processes.a]\noneshot = true\n\n[processes.b]\noneshot = true\n'));
    expect(fine.exitCode).toBe(0);
    const mixed = await startDrover(
      app(
        'a: sleep 0.2; exit 5\nb: sleep 0.8; exit 7\nc: exit 0\n',
        '[processes.a]\noneshot = true\n\n[processes.b]\noneshot = true\n\n[processes.c]\noneshot = true\n',
      ),
    );
    expect(mixed.exitCode).toBe(5);
    expect(messages(mixed.stdout)).toContain('supervisor: Exiting (no process is left running)');
  });
});

describe('crash loops after startsecs', () => {
  it('backs off a process that crashes every 1.2 s with startsecs = 1: at most 4 runs in 9 s', async () => {
    const a = app('crashy: sleep 1.2; exit 3\n', '[processes.crashy]\nstartsecs = 1\n');
    const socket = `${a}/control.sock`;
    const child = startDrover(a, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /Restarting in 2s \(restart 2 in a row\)/, 15_000);
    const status = await drover(['status', '--socket', socket]);
    expect(status.stdout).toMatch(/crashy\.1\s+BACKOFF \(restart in [0-2]\.\d+s\)/);
    const json = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(Date.parse(json.instances[0].nextStart)).toBeGreaterThan(Date.now() - 500);
    await new Promise((r) => setTimeout(r, Math.max(0, 9000 - (Date.now() - Date.parse(jsonLines(child.output())[0].timestamp)))));
    child.kill('SIGTERM');
    const result = await child;
    const runs = starts(result.stdout, 'crashy.1');
    // The old code restarted it at once, every 1.2 s: 8 runs in 9 s. Delays of 1, 2, 4 s allow 3 (4 on a slow machine).
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(4);
    expect(messages(result.stdout)).toEqual(
      expect.arrayContaining(['crashy.1: Restarting in 1s (restart 1 in a row)', 'crashy.1: Restarting in 2s (restart 2 in a row)']),
    );
  }, 20_000);
});

describe('the environment of each instance', () => {
  it('sets PS to the instance name, as foreman does', async () => {
    const result = await startDrover(app('web: echo "ps=$PS"\n', '[processes.web]\noneshot = true\nnumprocs = 2\n'));
    expect(messages(result.stdout)).toEqual(expect.arrayContaining(['web.1: ps=web.1', 'web.2: ps=web.2']));
  });
});
