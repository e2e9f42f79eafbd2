// Shared by the tests: temporary directories that clean themselves up, and the real `drover` command.
import { execa, type Options } from 'execa';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

export const ROOT = resolve(__dirname, '..');
/** The buildpack the tests run: bin/, conf/ and lib/ built from src/ by test/global-setup.ts. */
export const BUILDPACK = process.env.DROVER_UNDER_TEST ?? ROOT;
export const DROVER = join(BUILDPACK, 'bin', 'drover');
export const FIXTURES = join(ROOT, 'fixtures');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test; `files` maps relative paths to contents. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-test-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Runs the real bin/drover (built from src/) and never throws on a non-zero exit. */
export function drover(args: string[], options: Options = {}) {
  return execa(DROVER, args, { reject: false, ...options });
}

/** A marker in the environment of every process a test starts, to find any left behind. */
export const TEST_MARK = `DROVER_TEST_MARK=${process.pid}-${Math.random().toString(36).slice(2)}`;

/** Pids of live processes (not zombies) whose environment carries TEST_MARK. */
export function leftoverProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(TEST_MARK)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Starts `drover start` in an app dir, marked so that leftovers can be found; `output()` is all it printed so far. */
export function startDrover(app: string, args: string[] = [], env: Record<string, string> = {}) {
  const [k, v] = TEST_MARK.split('=');
  const child = execa(DROVER, ['start', ...args], { cwd: app, reject: false, env: { DYNO: '', PORT: '', ...env, [k]: v }, all: true });
  let output = '';
  child.all!.on('data', (data: Buffer) => (output += data.toString()));
  return Object.assign(child, { output: () => output });
}

/** Resolves with the first line (printed so far or later) matching `pattern`. */
export async function waitForLine(child: { output(): string }, pattern: RegExp, timeout = 10_000): Promise<string> {
  const until = Date.now() + timeout;
  for (;;) {
    const line = child
      .output()
      .split('\n')
      .find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; output so far:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kills what a test left behind and returns their pids, so the test can fail on them. */
export function killLeftovers(): number[] {
  const pids = leftoverProcesses();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** A fragment that makes drover's stdout JSON lines (with timestamps), for tests that read them back. */
export const JSON_STDOUT = '[outputs.stdout]\ntype = "stdout"\nformat = "json"\n';

/** Parses JSON-lines output, skipping anything else. */
export function jsonLines(text: string): { timestamp: string; level: string; logger: string; message: string; type?: string; stream: string }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}
