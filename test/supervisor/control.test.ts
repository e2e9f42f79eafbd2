// The control socket against another local user: a second user is made with useradd, and removed after.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DROVER, drover, killLeftovers, startDrover, TEST_MARK, tempDir, waitForLine } from '../helpers';
import { controlSocketPath } from '../../src/supervisor/control';

const USER = `drv${process.pid % 100000}`;
let otherUid = 0;

beforeAll(() => {
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', USER]);
  otherUid = Number(execFileSync('id', ['-u', USER]).toString().trim());
});

afterAll(() => {
  // Whatever the user still runs goes first (userdel refuses a user with processes).
  try {
    execFileSync('pkill', ['-KILL', '-u', USER]);
  } catch {
    // nothing ran
  }
  execFileSync('userdel', [USER]);
});

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** A world-writable sticky directory like /tmp, private to the test, as TMPDIR for both users. */
function sharedTmp(): string {
  const dir = tempDir();
  chmodSync(dir, 0o1777);
  return dir;
}

/** The default control socket root's drover uses for `app` with TMPDIR=tmp. */
function socketFor(app: string, tmp: string): string {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    return controlSocketPath(app, '', {});
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

/** Runs a command as the other user (setpriv execs it: the pid is the command's), marked so that leftovers are found. */
function asOther(command: string[], env: Record<string, string> = {}) {
  const [k, v] = TEST_MARK.split('=');
  const vars = Object.entries({ ...env, [k]: v }).map(([a, b]) => `${a}=${b}`);
  return execa('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', 'env', ...vars, ...command], { reject: false });
}

/** A fake supervisor, run by the other user at `path`: it answers every request with a forged status. */
const FAKE = `
const net = require('node:net'), fs = require('node:fs'), path = process.argv[1];
try { fs.mkdirSync(require('node:path').dirname(path), { recursive: true, mode: 0o777 }); } catch {}
const forged = { pid: 1, uptime: 1, instances: [{ name: 'web.1', state: 'FORGED', pid: 4242, uptime: 1, restarts: 0 }], outputs: {}, restarted: ['web.1'] };
net.createServer((s) => { s.on('data', () => s.end(JSON.stringify(forged) + '\\n')); s.on('error', () => {}); }).listen(path, () => {
  fs.chmodSync(path, 0o777);
  console.log('listening');
});
`;

describe('control socket and another local user', () => {
  it('a socket another user put at the default path is never trusted: no forged status, no fake restart', async () => {
    const tmp = sharedTmp();
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n' });
    const path = socketFor(app, tmp);
    // The other user gets there first.
    const fake = asOther(['node', '-e', FAKE, path]);
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      try {
        if (statSync(path).isSocket()) break;
      } catch {
        // not yet
      }
    }
    const child = startDrover(app, [], { TMPDIR: tmp });
    await waitForLine(child, /ready/);
    const status = await drover(['status'], { cwd: app, env: { TMPDIR: tmp } });
    expect(status.stdout).not.toMatch(/FORGED/);
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toMatch(new RegExp(`belongs to ${USER} \\(uid ${otherUid}\\)`));
    expect(status.stderr).not.toMatch(/unexpected error/);
    const restart = await drover(['restart', 'web'], { cwd: app, env: { TMPDIR: tmp } });
    expect(restart.stdout).not.toMatch(/restarting/);
    expect(restart.exitCode).toBe(1);
    // drover start says why it has no control socket, and runs the app all the same.
    expect(child.output()).toMatch(new RegExp(`control socket unavailable \\(.*belongs to ${USER} \\(uid ${otherUid}\\)`));
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    fake.kill('SIGKILL');
    await fake;
  });

  it('drover status -s and restart -s refuse a socket that another user owns', async () => {
    const path = `${sharedTmp()}/shared.sock`;
    const fake = asOther(['node', '-e', FAKE, path]);
    for (const until = Date.now() + 10_000; Date.now() < until && !fake.exitCode; await new Promise((r) => setTimeout(r, 50))) {
      try {
        if (statSync(path).isSocket()) break;
      } catch {
        // not yet
      }
    }
    for (const command of ['status', 'restart web']) {
      const result = await drover([...command.split(' '), '-s', path]);
      expect(result.stdout).not.toMatch(/FORGED|restarting/);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`permission denied: the control socket ${path} belongs to ${USER} \\(uid ${otherUid}\\)`));
    }
    fake.kill('SIGKILL');
    await fake;
  });

  it('makes its socket in a directory only its owner can use, and another user\'s drover status gets "permission denied"', async () => {
    const tmp = sharedTmp();
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n' });
    const child = startDrover(app, [], { TMPDIR: tmp });
    await waitForLine(child, /ready/);
    const path = socketFor(app, tmp);
    const dir = statSync(dirname(path));
    expect(dir.uid).toBe(process.getuid!());
    expect(dir.mode & 0o777).toBe(0o700);
    expect((await drover(['status'], { cwd: app, env: { TMPDIR: tmp } })).stdout).toMatch(/web\.1\s+(STARTING|RUNNING)/);
    // The other user asks root's supervisor (by the socket's path: its own default path is another one).
    const other = await asOther([DROVER, 'status', '-s', path]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toMatch(/^drover status: permission denied: .*root \(uid 0\).*run this command as that user/);
    expect(other.stderr).not.toMatch(/unexpected error|please report/i);
    // Asking for the app by its directory (its own default socket is another one) says whose supervisors there are.
    const byApp = await asOther([DROVER, 'status', '-a', app], { TMPDIR: tmp });
    expect(byApp.exitCode).toBe(2);
    expect(byApp.stderr).toContain(
      `other users' supervisors keep their sockets in ${dirname(path)} of root (uid 0): if one of them runs this app, permission denied`,
    );
    // Nor can it put a socket of its own beside root's.
    const squat = await asOther(['node', '-e', FAKE, `${dirname(path)}/other.sock`]);
    expect(squat.stderr).toMatch(/EACCES/);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('refuses to use a directory of its own that others may write into, by tightening it to 0700', async () => {
    const tmp = sharedTmp();
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n' });
    const dir = dirname(socketFor(app, tmp));
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    const child = startDrover(app, [], { TMPDIR: tmp });
    await waitForLine(child, /ready/);
    await waitForLine(child, /ready/);
    for (const until = Date.now() + 5000; (statSync(dir).mode & 0o777) !== 0o700 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect((await drover(['status'], { cwd: app, env: { TMPDIR: tmp } })).exitCode).toBe(0);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });
});
