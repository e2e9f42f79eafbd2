// lib/drover.js holds what a default start needs; lib/drover-components.js (component types other than stdout and
// stderr) and lib/drover-cron.js (croner) load only when the configuration needs them (scripts/split.mjs).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILDPACK, drover, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

/** A copy of the drover under test whose bundles loaded on first use throw when they load. */
function trappedTree(): string {
  const dir = tempDir();
  for (const entry of ['bin', 'lib', 'conf']) cpSync(join(BUILDPACK, entry), join(dir, entry), { recursive: true });
  for (const name of ['drover-components.js', 'drover-cron.js']) writeFileSync(join(dir, 'lib', name), `throw new Error('lib/${name} was loaded');\n`);
  return dir;
}

/** `drover ARGS` from `tree` in an app with this Procfile and drover/100.toml. */
function run(tree: string, args: string[], procfile: string, toml: string) {
  const app = tempDir({ Procfile: procfile, 'drover/100.toml': toml });
  return execa(join(tree, 'bin', 'drover'), args, { cwd: app, reject: false, all: true, env: { DROVER_CODE_CACHE: '0', DYNO: '', PORT: '' } });
}

describe('the bundles lib/drover.js loads on first use', () => {
  it('are not loaded by a default check or start', async () => {
    const tree = trappedTree();
    const checked = await run(tree, ['check'], 'web: echo hello\n', '');
    expect(checked.exitCode, String(checked.all)).toBe(0);
    const started = await run(tree, ['start'], 'web: echo hello from web\n', '[processes.web]\nautorestart = false\n');
    expect(started.exitCode, String(started.all)).toBe(0);
    expect(started.all).toContain('hello from web');
  });

  it('are loaded by a configuration that needs them: a drain, a decoder, a schedule', async () => {
    const tree = trappedTree();
    const drain = await run(tree, ['check'], 'web: echo hello\n', '[outputs.drain]\ntype = "syslog"\nurl = "syslog+udp://127.0.0.1:514"\n');
    expect(drain.exitCode).not.toBe(0);
    expect(drain.all).toContain('lib/drover-components.js was loaded');
    const decoder = await run(tree, ['check'], 'web: echo hello\n', '[decoders.json]\ntype = "json"\n');
    expect(decoder.all).toContain('lib/drover-components.js was loaded');
    const schedule = await run(tree, ['check'], 'web: echo hello\n', '[processes.tick]\ncommand = "true"\nschedule = "*/5 * * * *"\n');
    expect(schedule.exitCode).not.toBe(0);
    expect(schedule.all).toContain('lib/drover-cron.js was loaded');
  });

  it('work from the real files: a schedule is checked with croner, a drain with its schema', async () => {
    const tree = join(BUILDPACK);
    const bad = await run(tree, ['check'], 'web: echo hello\n', '[processes.tick]\ncommand = "true"\nschedule = "*/5 * 32 * *"\n');
    expect(bad.exitCode).toBe(1);
    expect(bad.all).toContain('column 7: invalid day of month "32"');
    const drain = await run(tree, ['check'], 'web: echo hello\n', '[outputs.drain]\ntype = "syslog"\nurl = "syslog+udp://127.0.0.1:514"\nframing = "nope"\n');
    expect(drain.exitCode).toBe(1);
    expect(drain.all).toContain('option "framing"');
  });

  it('load at a reload that first needs them, after the start (their code cache is settled by then)', async () => {
    const app = tempDir({ Procfile: 'web: i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done\n', 'drover/100.toml': '' });
    const socket = join(app, 'control.sock');
    const tmp = tempDir();
    const child = startDrover(app, [], { DROVER_SOCKET: socket, TMPDIR: tmp });
    try {
      await waitForLine(child, /tick 1\b/);
      // Past the second after which drover writes its code cache and changes V8's flags (bin/support/code-cache.cjs).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      writeFileSync(join(app, 'drover', '100.toml'), '[outputs.file]\ntype = "file"\npath = "log/drover.log"\nformat = "heroku"\n');
      const reloaded = await drover(['reload', '--json', '--socket', socket]);
      expect(reloaded.exitCode, String(reloaded.stderr)).toBe(0);
      expect(JSON.parse(reloaded.stdout as string).outputs.started).toEqual(['outputs.file']);
      const log = join(app, 'log', 'drover.log');
      for (let waited = 0; waited < 10_000 && !(existsSync(log) && /web\.1\]: tick \d+/.test(readFileSync(log, 'utf8'))); waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(readFileSync(log, 'utf8')).toMatch(/web\.1\]: tick \d+/);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(killLeftovers()).toEqual([]);
    // Compiled without a cache, and none written for it: V8 would reject one made under the flags of a settled drover.
    const caches = readdirSync(join(tmp, `drover-${process.getuid?.() ?? 0}`, 'code-cache'));
    expect(
      caches.map((name) =>
        readFileSync(join(tmp, `drover-${process.getuid?.() ?? 0}`, 'code-cache', name), 'latin1')
          .split('\n')[0]
          .includes('/lib/drover.js '),
      ),
    ).toEqual([true]);
  }, 30_000);
});
