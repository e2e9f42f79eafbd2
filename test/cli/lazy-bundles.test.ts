// lib/drover.js holds what a default start needs; lib/drover-components.js (component types other than stdout and
// stderr) and lib/drover-cron.js (croner) load only when the configuration needs them (scripts/split.mjs).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILDPACK, tempDir } from '../helpers';

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
});
