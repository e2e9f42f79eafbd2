// examples/local-dotenv: the commands of its README, run as written from the example's directory — no build:
// drover check, drover start with a formation (ports foreman's way, .env read), drover run.
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DROVER, killLeftovers, TEST_MARK, waitForLine } from '../helpers';
import { freePort, httpGet } from '../buildpack/harness';
import { EXAMPLES } from './harness';

const DIR = join(EXAMPLES, 'local-dotenv');
const README = readFileSync(join(DIR, 'README.md'), 'utf8');
/** The environment of a developer's shell: no PORT or DYNO, nothing that says "platform". */
const [markKey, markValue] = TEST_MARK.split('=');
const env: Record<string, string> = { ...(process.env as Record<string, string>), [markKey]: markValue };
for (const name of ['DYNO', 'PORT', 'VCAP_APPLICATION', 'CNB_APP_DIR', 'GREETING', 'QUEUE']) delete env[name];
const options = { cwd: DIR, reject: false, env, extendEnv: false } as const;

afterAll(() => {
  expect(killLeftovers()).toEqual([]);
});

/** A command of the README's shell block, as written (without its comment), with the drover under test. */
function readmeCommand(start: string): string[] {
  const line = README.split('\n').find((l) => l.startsWith(start));
  if (!line) throw new Error(`the README has no line starting with ${start}`);
  return line
    .replace(/\s+#.*$/, '')
    .split(/\s+/)
    .map((word) => (word === '../../bin/drover' ? DROVER : word));
}

describe('examples/local-dotenv', () => {
  it('`../../bin/drover check` lists both types and passes', async () => {
    const [cmd, ...args] = readmeCommand('../../bin/drover check');
    const result = await execa(cmd, args, options);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}web {8}python3 -u -m http\.server/m);
    expect(result.stdout).toMatch(/^ {2}worker {5}while true/m);
    expect(result.stdout).toMatch(/configuration OK$/);
  });

  it('`../../bin/drover start web=1,worker=2` runs the formation with .env, foreman-style ports and prefixes', async () => {
    const [cmd, ...args] = readmeCommand('../../bin/drover start');
    expect(args).toEqual(['start', 'web=1,worker=2']);
    const base = await freePort();
    // -p as foreman's: the README's default of 5000 may be taken on a shared machine.
    const child = execa(cmd, [...args, '-p', String(base)], { ...options, all: true });
    let output = '';
    child.all!.on('data', (d: Buffer) => (output += d.toString()));
    const watched = { output: () => output };
    try {
      expect((await httpGet(base)).body).toContain('hello from the local web');
      await waitForLine(watched, /^\d\d:\d\d:\d\d worker\.1 +\| hello from worker\.1 \(queue default\)$/);
      await waitForLine(watched, /^\d\d:\d\d:\d\d worker\.2 +\| hello from worker\.2 \(queue default\)$/);
      await waitForLine(watched, /^\d\d:\d\d:\d\d web\.1 +\| .*"GET \/ HTTP\/1\.1" 200/);
    } finally {
      child.kill('SIGINT');
    }
    expect((await child).exitCode, output).toBe(0);
  });

  it("`../../bin/drover run 'echo $GREETING'` runs a one-off with the .env", async () => {
    const result = await execa('bash', ['-c', readmeCommand("../../bin/drover run 'echo").join(' ')], options);
    expect(result.stdout).toBe('hello');
    // The real environment wins over .env.
    const over = await execa('bash', ['-c', readmeCommand("../../bin/drover run 'echo").join(' ')], { ...options, env: { ...env, GREETING: 'hi' } });
    expect(over.stdout).toBe('hi');
  });
});
