import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, ROOT, JSON_STDOUT, jsonLines, killLeftovers, startDrover, TEST_MARK, tempDir, waitForLine } from '../helpers';
import { execa } from 'execa';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** An app whose process says when it is stopped gracefully (TERM trapped) rather than killed. */
const APP = {
  Procfile: `web: trap 'echo graceful stop; exit 0' TERM; echo ready; while true; do sleep 0.1; done\n`,
  'drover/009-stdout.toml': JSON_STDOUT,
};

const messages = (text: string) => jsonLines(text).map((l) => `${l.logger}: ${l.message}`);

/** TCP ports a process listens on, from /proc: its socket inodes matched against /proc/net/tcp{,6} in LISTEN. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Node.js binaries to test with: the one running the tests, and those listed in DROVER_TEST_NODES (.ci/run fetches 18, 22.12, 24). */
const NODES = [process.execPath, ...(process.env.DROVER_TEST_NODES ?? '').split(':').filter(Boolean)];

/**
 * Resolves once node has taken SIGUSR1 over (blocked it, then handled it: the inspector's window starts there).
 * Before that the pid is bash's, or a node that has not yet set its signals up: SIGUSR1 would end either.
 */
async function untilNodeHandlesUsr1(pid: number): Promise<void> {
  const USR1 = 1n << 9n;
  for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setImmediate(r))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lib/drover.js')) continue;
      const mask = (name: string) => BigInt('0x' + (new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm').exec(status)?.[1] ?? '0'));
      if ((mask('SigBlk') | mask('SigCgt')) & USR1) return;
    } catch {
      return;
    }
  }
}

describe('signals', () => {
  it.each(['SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGSTKFLT', 'SIGSYS', 'SIGTRAP'] as const)(
    '%s is ignored with a line saying so, and the app keeps running',
    async (signal) => {
      const child = startDrover(tempDir(APP));
      await waitForLine(child, /"message":"ready"/);
      process.kill(child.pid!, signal);
      await waitForLine(child, new RegExp(`Received ${signal}: ignored`));
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBe(null);
      child.kill('SIGTERM');
      const result = await child;
      expect(result.exitCode).toBe(0);
      expect(messages(result.stdout)).toContain('web.1: graceful stop');
    },
  );

  it('SIGHUP reloads the configuration (as nginx and supervisord) and the app keeps running', async () => {
    const child = startDrover(tempDir(APP));
    await waitForLine(child, /"message":"ready"/);
    process.kill(child.pid!, 'SIGHUP');
    await waitForLine(child, /Reloaded the configuration \(SIGHUP\)/);
    expect(child.exitCode).toBe(null);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(messages(result.stdout)).not.toContain('supervisor: Stopping all processes (received SIGHUP)');
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGABRT', 'SIGPWR', 'SIGXCPU'] as const)('%s stops the app gracefully and drover exits 0', async (signal) => {
    const child = startDrover(tempDir(APP));
    await waitForLine(child, /"message":"ready"/);
    process.kill(child.pid!, signal);
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(messages(result.stdout)).toEqual(
      expect.arrayContaining([`supervisor: Stopping all processes (received ${signal})`, 'web.1: graceful stop', 'supervisor: Stopped; exit status 0']),
    );
  });
});

describe('profiling', () => {
  it('leaves SIGPROF to V8 under --cpu-prof: no line per tick, and the profile is written', async () => {
    const [k, v] = TEST_MARK.split('=');
    const dir = tempDir(APP);
    const child = execa(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}/prof`, `${ROOT}/lib/drover.js`, 'start'], {
      cwd: dir,
      reject: false,
      all: true,
      env: { DYNO: '', PORT: '', [k]: v },
    });
    let output = '';
    child.all!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForLine({ output: () => output }, /"message":"ready"/);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(output).not.toMatch(/SIGPROF/);
    expect(readdirSync(`${dir}/prof`).some((f) => f.endsWith('.cpuprofile'))).toBe(true);
  });
});

describe('drover run', () => {
  it('passes on every signal that would end it to its command, which decides', async () => {
    const [k, v] = TEST_MARK.split('=');
    const script = `for s in USR1 USR2 QUIT ALRM; do trap "echo got $s" $s; done; echo ready; while true; do sleep 0.1; done`;
    const child = execa(DROVER, ['run', 'bash', '-c', script], { cwd: tempDir({ Procfile: 'web: true\n' }), reject: false, all: true, env: { [k]: v } });
    let output = '';
    child.all!.on('data', (d: Buffer) => (output += d.toString()));
    const until = (text: string) => waitForLine({ output: () => output }, new RegExp(text));
    await until('ready');
    for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGALRM'] as const) {
      process.kill(child.pid!, signal);
      await until(`got ${signal.slice(3)}`);
    }
    process.kill(child.pid!, 'SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
  });
});

describe('SIGUSR1 and the inspector', () => {
  it.each(NODES)("never opens the inspector, even during start-up, and prints every instance's state (node %s)", async (node) => {
    const child = startDrover(tempDir(APP), [], { DROVER_NODE: node });
    await untilNodeHandlesUsr1(child.pid!);
    // From the moment node runs until the app is up, and a while after: a SIGUSR1 every few ms.
    let ready = false;
    void waitForLine(child, /"message":"ready"/, 20_000).then(
      () => (ready = true),
      () => undefined,
    );
    let sent = 0;
    for (const until = Date.now() + 15_000; Date.now() < until && child.exitCode === null && !(ready && sent > 100); sent++) {
      process.kill(child.pid!, 'SIGUSR1');
      await new Promise((r) => setTimeout(r, 3));
    }
    expect(ready).toBe(true);
    await waitForLine(child, /Status \(SIGUSR1\): web\.1 (STARTING|RUNNING) pid \d+, up \d+s, 0 restarts/);
    expect(listeningPorts(child.pid!)).toEqual([]);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toMatch(/Debugger listening/);
  });

  it('closes the inspector that --inspect opened when lib/drover.js is run without bin/drover', async () => {
    const [k, v] = TEST_MARK.split('=');
    const child = execa(process.execPath, ['--inspect=127.0.0.1:0', `${ROOT}/lib/drover.js`, 'start'], {
      cwd: tempDir(APP),
      reject: false,
      all: true,
      env: { DYNO: '', PORT: '', [k]: v },
    });
    let output = '';
    child.all!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForLine({ output: () => output }, /"message":"ready"/);
    expect(output).toMatch(/Debugger listening/); // it was open for a moment: the test would prove nothing otherwise
    expect(output).toContain('drover: closed the Node.js inspector that --inspect opened in drover itself');
    expect(listeningPorts(child.pid!)).toEqual([]);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('keeps an --inspect in NODE_OPTIONS away from drover, but passes it on to the app', async () => {
    const app = tempDir({ ...APP, Procfile: `web: echo "options: $NODE_OPTIONS"; ${APP.Procfile.slice(5)}` });
    const child = startDrover(app, [], { NODE_OPTIONS: '--inspect=127.0.0.1:0' });
    await waitForLine(child, /"message":"ready"/);
    expect(listeningPorts(child.pid!)).toEqual([]);
    process.kill(child.pid!, 'SIGUSR1');
    await waitForLine(child, /Status \(SIGUSR1\)/);
    expect(listeningPorts(child.pid!)).toEqual([]);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(messages(result.stdout)).toContain('web.1: options: --inspect=127.0.0.1:0');
    expect(result.stderr).not.toMatch(/Debugger listening/);
  });
});
