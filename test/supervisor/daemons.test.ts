// PID 1 duties and daemons: orphans are reaped, a process that double-forks does not leave a daemon per
// restart, and nothing drover started outlives it.
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { drover, DROVER, JSON_STDOUT, killLeftovers, leftoverProcesses, startDrover, tempDir, TEST_MARK, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** state, ppid and session of a process, from /proc/PID/stat. */
function stat(pid: number): { state: string; ppid: number; session: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), session: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

const pids = () =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
};
/** Live daemons: `sleep <seconds>` processes that lead their own session (they called setsid). */
// Each daemon sleeps a length of its own, unique to this run (GNU sleep takes fractions): another run of this file on
// the machine, at the same time, has daemons of its own that must not count here.
const DAEMON_1001 = `1001.${process.pid}`;
const DAEMON_1002 = `1002.${process.pid}`;
const DAEMON_1003 = `1003.${process.pid}`;
const DAEMON_1004 = `1004.${process.pid}`;
const daemons = (seconds: string) => pids().filter((p) => cmdline(p) === `sleep ${seconds}` && stat(p)?.session === p && stat(p)?.state !== 'Z');
const sleepUntil = async (test: () => boolean, timeout = 15_000) => {
  for (const until = Date.now() + timeout; !test() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 25));
  return test();
};

/** Runs `drover start` as PID 1 of a new PID namespace (as in a container), marked for the leftover check. */
function startAsPid1(app: string) {
  const [k, v] = TEST_MARK.split('=');
  const child = execa('unshare', ['--pid', '--fork', '--mount-proc', DROVER, 'start'], {
    cwd: app,
    reject: false,
    all: true,
    env: { DYNO: '', PORT: '', [k]: v },
  });
  let output = '';
  child.all!.on('data', (d: Buffer) => (output += d.toString()));
  const pid1 = () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  return Object.assign(child, { output: () => output, pid1 });
}

describe('as PID 1 (unshare --pid --fork --mount-proc)', () => {
  it('reaps 100 orphans that exit: no zombie is left after 1 s', async () => {
    const app = tempDir({
      // Each `( sleep & )` leaves a sleep whose parent is gone: it is reparented to PID 1 and exits 0.2 s later.
      Procfile: 'web: for i in $(seq 100); do (sleep 0.2 &); done; echo orphans made; exec sleep 1000\n',
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = startAsPid1(app);
    await waitForLine(child, /orphans made/, 20_000);
    await new Promise((r) => setTimeout(r, 1200));
    const init = child.pid1();
    const zombies = pids().filter((p) => stat(p)?.ppid === init && stat(p)?.state === 'Z');
    const inits = pids().filter((p) => stat(p)?.ppid === init).length;
    process.kill(init, 'SIGTERM');
    const result = await child;
    expect(zombies, `children of PID 1: ${inits}`).toEqual([]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('Stopped; exit status 0');
  });

  it('relays SIGTERM to drover once: a clean stop with its exit status, not a forced one', async () => {
    const app = tempDir({ Procfile: `web: trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const child = startAsPid1(app);
    await waitForLine(child, /"message":"ready"/, 20_000);
    // PID 1 is bash (bin/drover), with node as its only child.
    const init = child.pid1();
    expect(cmdline(init)).toMatch(/^bash .*bin\/drover start$/);
    process.kill(init, 'SIGTERM');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('"message":"bye"');
    expect(result.all).not.toContain('again');
  });

  it('DROVER_INIT=0: node itself is PID 1, as before', async () => {
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const [k, v] = TEST_MARK.split('=');
    const child = execa('unshare', ['--pid', '--fork', '--mount-proc', DROVER, 'start'], {
      cwd: app,
      reject: false,
      all: true,
      env: { DYNO: '', PORT: '', DROVER_INIT: '0', [k]: v },
    });
    let output = '';
    child.all!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForLine({ output: () => output }, /"message":"ready"/, 20_000);
    const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    expect(cmdline(init)).toMatch(/node .*drover\.js start$/);
    process.kill(init, 'SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('a SIGTERM sent by a process to every process (kill -1) is one stop', async () => {
    const app = tempDir({
      Procfile: `web: trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done\nkiller: sleep 1; setsid -f sleep ${DAEMON_1001}; sleep 0.3; kill -TERM -1; sleep 5\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const result = await startAsPid1(app);
    expect(result.all).toContain('Stopping all processes (received SIGTERM)');
    expect(result.all).not.toContain('again');
    expect(result.exitCode, result.all).toBe(0);
  }, 30_000);
});

describe('daemons (processes that leave their process group)', () => {
  it('a daemonizing process restarted 5 times leaves at most one daemon, and none after stop', async () => {
    // `setsid -f` forks a child in a session of its own, out of reach of the process group's signals.
    const app = tempDir({ Procfile: `web: setsid -f sleep ${DAEMON_1002}; echo "daemon started"; exec sleep 1000\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /daemon started/);
    let most = 0;
    for (let restart = 1; restart <= 5; restart++) {
      const before = (child.output().match(/daemon started/g) ?? []).length;
      expect((await drover(['restart', 'web', '--socket', socket])).exitCode).toBe(0);
      expect(await sleepUntil(() => (child.output().match(/daemon started/g) ?? []).length > before)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      most = Math.max(most, daemons(DAEMON_1002).length);
    }
    expect(most).toBe(1);
    expect(child.output()).toMatch(/Sent SIGTERM to a process it started that left its process group \(a daemon\?\): pid \d+/);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(daemons(DAEMON_1002)).toEqual([]);
  }, 60_000);

  it('a command that daemonizes and exits, restarted by policy, never leaves two daemons', async () => {
    const app = tempDir({
      Procfile: `worker: setsid -f sleep ${DAEMON_1003}; echo forked; sleep 0.2; exit 1\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nbackoff_initial = "50ms"\n\n[processes.worker]\nstartsecs = 0\n',
    });
    const child = startDrover(app);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, daemons(DAEMON_1003).length)), 20);
    await sleepUntil(() => (child.output().match(/"message":"forked"/g) ?? []).length >= 6, 20_000);
    clearInterval(watch);
    child.kill('SIGTERM');
    const result = await child;
    expect((result.stdout.match(/"message":"forked"/g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(most).toBe(1);
    expect(daemons(DAEMON_1003)).toEqual([]);
  }, 60_000);

  it('a SIGTERM sent to drover, the process and its daemon at once is one stop', async () => {
    const app = tempDir({
      Procfile: `web: setsid -f sleep ${DAEMON_1004}; trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = startDrover(app);
    await waitForLine(child, /"message":"ready"/);
    // Every process once (drover carries the test mark too): as a platform signals each process of the dyno.
    const mine = [...new Set([child.pid!, ...leftoverProcesses()])];
    expect(mine.length).toBeGreaterThanOrEqual(3);
    for (const p of mine) {
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        // a `sleep 0.1` of the loop that ended meanwhile
      }
    }
    const result = await child;
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('again');
    expect(daemons(DAEMON_1004)).toEqual([]);
  });
});
