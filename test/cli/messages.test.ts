// Faults the user can fix get a clear line, not a stack trace or "unexpected error ... please report".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** A syslog drain nobody listens on (port 9 on 127.0.0.1), with a disk buffer in `dir`. */
const drain = (name: string, dir: string) =>
  `[outputs.${name}]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:9"\nbuffer = { type = "disk", path = "${dir}" }\n`;

describe('closed pipes', () => {
  // Each prints more than a pipe holds (64 KiB), so that its writes outlast the reader.
  it.each(['status', 'check', 'config'])(
    'drover %s | head -c 1 ends quietly, without an EPIPE stack trace',
    async (command) => {
      const app = tempDir({
        Procfile: Array.from({ length: 3000 }, (_, i) => `p${i}: exec sleep 1000`).join('\n') + '\n',
        'drover/100.toml': Array.from({ length: 2000 }, (_, i) => `[processes.p${i}]\nstartsecs = "1s"\n`).join('\n'),
      });
      const socket = `${app}/control.sock`;
      const supervisor = command === 'status' ? startDrover(app, ['p1=700'], { DROVER_SOCKET: socket }) : undefined;
      if (supervisor) await waitForLine(supervisor, /p1\.700.*Process started/, 60_000);
      try {
        const args = command === 'status' ? ['status', '--json', '-s', socket] : [command, '-a', app];
        const result = await execa('bash', ['-c', `"$0" "$@" | (head -c 1 >/dev/null; sleep 0.3); echo "status \${PIPESTATUS[0]}" >&2`, DROVER, ...args], {
          reject: false,
        });
        expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
        expect(result.stderr).toMatch(/^status 141$/m);
      } finally {
        supervisor?.kill('SIGTERM');
        await supervisor;
      }
    },
    90_000,
  );
});

describe('a disk buffer used twice', () => {
  it('by two drovers: the second names the first process and the option, and exits 1', async () => {
    const dir = `${tempDir()}/buffer`;
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n', 'drover/100.toml': drain('papertrail', dir) });
    const first = startDrover(app, [], { DROVER_SOCKET: `${app}/one.sock` });
    await waitForLine(first, /ready/);
    const second = await startDrover(app, [], { DROVER_SOCKET: `${app}/two.sock` });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^drover: cannot start: buffer.path "${dir}" is in use by process ${first.pid} \\(drover start in ${app}\\): two drovers cannot share a disk buffer; give this output another buffer.path`,
        'm',
      ),
    );
    expect(second.stderr).not.toMatch(/unexpected error|please report/i);
    expect(second.stdout).not.toMatch(/Starting process/);
    first.kill('SIGTERM');
    await first;
  });

  it('by two outputs of one drover: refused before anything starts', async () => {
    const dir = `${tempDir()}/buffer`;
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n', 'drover/100.toml': drain('one', dir) + drain('two', dir) });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(`drover: cannot start: buffer.path "${dir}" is used by two outputs of this drover: give each output its own buffer.path`);
    expect(result.stdout).not.toMatch(/Starting process/);
  });
});

describe('no output at all', () => {
  it.each([
    ['the default stdout output turned off', { 'drover/009-stdout.toml': '' }, {}],
    ["drover's conf/ missing (a partial copy of drover)", {}, { DROVER_DEFAULTS_DIR: '/nonexistent/conf' }],
  ])('%s: drover start says the lines go nowhere, and runs the app', async (_, files: Record<string, string>, env: Record<string, string>) => {
    const app = tempDir({ Procfile: 'web: echo ready; touch started; exec sleep 1000\n', ...files });
    const child = startDrover(app, [], env);
    await waitForLine(child, /no output is configured/);
    for (const until = Date.now() + 10_000; !existsSync(join(app, 'started')) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(app, 'started'))).toBe(true);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.stderr).toMatch(/^drover: warning: no output is configured, so the processes' lines go nowhere .*Add an \[outputs\.NAME\] section/m);
    expect(result.stdout).toBe('');
  });

  it('with the default stdout output, no such warning', async () => {
    const app = tempDir({ Procfile: 'web: echo ready; exec sleep 1000\n' });
    const child = startDrover(app);
    await waitForLine(child, /ready/);
    child.kill('SIGTERM');
    expect((await child).stderr).not.toMatch(/no output is configured/);
  });
});
