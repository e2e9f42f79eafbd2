// Many instances: starting them must not block drover, and a formation beyond the open-file limit is refused.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, JSON_STDOUT, jsonLines, killLeftovers, TEST_MARK, tempDir, waitForLine } from '../helpers';
import { fdLimit, fdLimitProblem } from '../../src/supervisor/fd-limit';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** Runs `drover ARGS` in `app` with the open-file limit (soft and hard) set to `limit` first, marked for leftovers. */
function withLimit(limit: number, app: string, args: string[]) {
  const [k, v] = TEST_MARK.split('=');
  return execa('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, DROVER, ...args], { cwd: app, reject: false, env: { DYNO: '', PORT: '', [k]: v } });
}

describe('the open-file limit', () => {
  it('is read from /proc/self/limits, and an unlimited one fits every formation', () => {
    const limit = fdLimit()!;
    expect(limit.soft).toBeGreaterThan(0);
    expect(limit.soft).toBeLessThanOrEqual(limit.hard);
    expect(fdLimitProblem(1_000_000, { soft: Infinity, hard: Infinity })).toBeUndefined();
    expect(fdLimitProblem(96, { soft: 256, hard: 256 })).toBeUndefined();
    expect(fdLimitProblem(97, { soft: 256, hard: 256 })).toMatch(/^the formation has 97 instances, which need about 258 open files/);
  });
});

describe('many instances', () => {
  it('handles SIGTERM at once while it is still starting 1,500 instances, and starts no more', async () => {
    const app = tempDir({
      Procfile: 'web: if [ "$DYNO" = web.1 ]; then touch started; fi; exec sleep 1000\n',
      'drover/009-stdout.toml': JSON_STDOUT,
    });
    const child = withLimit(8192, app, ['start', 'web=1500']);
    for (const until = Date.now() + 60_000; !existsSync(`${app}/started`) && Date.now() < until && child.exitCode === null; )
      await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(`${app}/started`)).toBe(true);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    const lines = jsonLines(result.stdout);
    const stopping = lines.find((l) => l.message === 'Stopping all processes (received SIGTERM)');
    expect(stopping).toBeDefined();
    // Handled between two batches of spawns (20 of them: a fraction of a second), even on a loaded machine.
    expect(Date.parse(stopping!.timestamp) - signalledAt).toBeLessThan(3000);
    const started = lines.filter((l) => l.message.startsWith('Process started')).length;
    expect(started).toBeLessThan(1500);
    // Every instance that was started was stopped, and none was started after the signal.
    expect(lines.filter((l) => /^Process (was killed|exited)/.test(l.message))).toHaveLength(started);
    expect(lines.slice(lines.indexOf(stopping!)).filter((l) => l.message.startsWith('Starting process'))).toEqual([]);
  }, 120_000);

  it('refuses at check time and at start a formation that does not fit in the open-file limit, saying what to do', async () => {
    const app = tempDir({ Procfile: Array.from({ length: 150 }, (_, i) => `p${i}: exec sleep 1000`).join('\n') + '\n' });
    const check = await withLimit(256, app, ['check']);
    expect(check.exitCode).toBe(1);
    const message =
      'the formation has 150 instances, which need about 364 open files (2 per instance for its output, 64 for drover itself), but the limit of open files (RLIMIT_NOFILE) is 256: at most 96 instances fit. Raise the limit to 364 or more (`ulimit -n 364` as root before drover starts';
    expect(check.stderr).toContain(message);
    const start = await withLimit(256, app, ['start']);
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain(`drover: cannot start: ${message}`);
    expect(start.stdout).not.toMatch(/Starting process/);
    expect(start.stderr).not.toMatch(/unexpected error|TypeError|EMFILE/);
    // A formation that fits runs under the same limit.
    const fits = withLimit(256, app, ['start', 'p1=90']);
    let output = '';
    fits.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForLine({ output: () => output }, /p1\.90.*Process started/, 30_000);
    fits.kill('SIGTERM');
    const result = await fits;
    expect(result.exitCode).toBe(0);
    expect(result.stdout.match(/Process started/g)).toHaveLength(90);
  }, 60_000);

  it('reports a spawn that fails with EMFILE as a failed start (no TypeError), and stops everything when it goes FATAL', async () => {
    // 60 file outputs hold 60 descriptors the estimate of 64 for drover does not foresee: the last spawns fail.
    const outputs = Array.from({ length: 60 }, (_, i) => `[outputs.f${i}]\ntype = "file"\npath = "log/f${i}.log"\nmatch = "FALSE"\n`).join('\n');
    const app = tempDir({
      Procfile: 'web: exec sleep 1000\n',
      'drover/100.toml': `${outputs}\n[supervisor]\nbackoff_initial = "100ms"\n\n[processes.web]\nstartretries = 1\n`,
    });
    const result = await withLimit(256, app, ['start', 'web=96']);
    expect(result.stdout).toMatch(/Failed to start: spawn bash EMFILE/);
    expect(result.stdout).toMatch(/FATAL: exited too quickly/);
    expect(result.stderr).not.toMatch(/unexpected error|TypeError/);
    expect(result.exitCode).toBe(127);
  }, 60_000);
});
