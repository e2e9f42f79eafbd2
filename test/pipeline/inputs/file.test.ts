// The file input against real files written by the test: globs, late files, rename and copytruncate rotation,
// checkpoints across a SIGKILL, and 1,000 files with bounded descriptors.
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, drover, jsonLines, JSON_STDOUT, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../../helpers';
import { spawn } from 'node:child_process';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An app whose only process sleeps, with a file input and JSON stdout. */
function app(input: string, files: Record<string, string> = {}): string {
  return tempDir({
    Procfile: 'web: sleep 600\n',
    'drover/inputs.toml': `[inputs.app]\ntype = "file"\ncheckpoint_dir = "checkpoints"\n${input}\n`,
    'drover/out.toml': JSON_STDOUT,
    ...files,
  });
}

/** Payloads of the file input's messages, in order. */
function fileLines(output: string): string[] {
  return jsonLines(output)
    .filter((l) => l.type === 'file')
    .map((l) => l.message);
}

async function waitForLines(child: { output(): string }, count: number, timeout = 15_000): Promise<string[]> {
  for (const until = Date.now() + timeout; Date.now() < until; await sleep(50)) if (fileLines(child.output()).length >= count) break;
  return fileLines(child.output());
}

async function stop(child: ReturnType<typeof startDrover>) {
  child.kill('SIGTERM');
  return child;
}

describe('file input', () => {
  it('follows globs, reads files found at the first start from their end, and late files (even in late directories) whole', async () => {
    const dir = app('paths = ["logs/*.log", "logs/*/deep-*.log"]', { 'logs/a.log': 'before start\n' });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    appendFileSync(join(dir, 'logs/a.log'), 'a1\n');
    writeFileSync(join(dir, 'logs/b.log'), 'b1 written before it was found\nb2\n');
    mkdirSync(join(dir, 'logs/later'));
    writeFileSync(join(dir, 'logs/later/deep-1.log'), 'deep1\n');
    writeFileSync(join(dir, 'logs/later/other.log'), 'not matched\n');
    const lines = await waitForLines(child, 4);
    await stop(child);
    await child;
    expect(lines.sort()).toEqual(['a1', 'b1 written before it was found', 'b2', 'deep1']);
    const first = jsonLines(child.output()).find((l) => l.type === 'file')!;
    expect(first.logger).toBe('app');
    expect((first as Record<string, unknown>).path).toMatch(/\/logs\/(a|b)\.log$/);
  });

  it('handles partial lines, long lines and invalid UTF-8 as for processes', async () => {
    const dir = app('paths = ["logs/*.log"]', {
      'logs/a.log': '',
      'drover/sup.toml': '[supervisor]\nmax_line_length = 1000\npartial_line_timeout = "300ms"\n',
    });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    const path = join(dir, 'logs/a.log');
    appendFileSync(path, 'x'.repeat(2500) + '\n');
    appendFileSync(path, Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]));
    appendFileSync(path, 'no newline yet');
    const lines = await waitForLines(child, 5);
    await stop(child);
    await child;
    expect(lines.map((l) => l.length)).toEqual([1000, 1000, 500, 5, 14]);
    expect(lines[3]).toBe('bad\ufffd\ufffd');
    expect(lines[4]).toBe('no newline yet');
  });

  it('wakes on inotify: a line appended is read long before the next poll', async () => {
    const dir = app('paths = ["logs/*.log"]\npoll_interval = "60s"\nscan_interval = "60s"', { 'logs/a.log': '' });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    const written = Date.now();
    appendFileSync(join(dir, 'logs/a.log'), 'woken\n');
    const lines = await waitForLines(child, 1, 10_000);
    const took = Date.now() - written;
    await stop(child);
    await child;
    expect(lines).toEqual(['woken']);
    expect(took).toBeLessThan(10_000);
  });

  it('rename rotation: lines written to the old file after the rename are read, then the new file from its start', async () => {
    const dir = app('paths = ["logs/*.log"]\nrotate_wait = "2s"', { 'logs/app.log': '' });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    const path = join(dir, 'logs/app.log');
    const old = openSync(path, 'a');
    for (let i = 1; i <= 3; i++) writeSync(old, `old-${i}\n`);
    await waitForLines(child, 3);
    // logrotate's `create`: rename, new file; the writer goes on writing to the file it has open for a while.
    renameSync(path, `${path}.1`);
    writeSync(old, 'old-4 after rename\n');
    writeFileSync(path, 'new-1\n');
    await sleep(1200); // the scan has seen the new file; the writer still writes to the old one
    writeSync(old, 'old-5 later still\n');
    closeSync(old);
    appendFileSync(path, 'new-2\n');
    const lines = await waitForLines(child, 7);
    await stop(child);
    await child;
    expect(lines.filter((l) => l.startsWith('old'))).toEqual(['old-1', 'old-2', 'old-3', 'old-4 after rename', 'old-5 later still']);
    expect(lines.filter((l) => l.startsWith('new'))).toEqual(['new-1', 'new-2']);
  });

  it('copytruncate: lines written after the last read and before the copy are read from the copy, once', async () => {
    // A long poll interval opens the window that copytruncate has in real life between two reads.
    const dir = app('paths = ["logs/*.log"]\npoll_interval = "3s"\nscan_interval = "10s"', { 'logs/app.log': '' });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    const path = join(dir, 'logs/app.log');
    appendFileSync(path, 'line-1 read before\nline-2 read before\n');
    await waitForLines(child, 2);
    appendFileSync(path, 'line-3 only in the copy\n');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'line-4\n');
    const lines = await waitForLines(child, 4, 10_000);
    await sleep(500);
    await stop(child);
    await child;
    expect(fileLines(child.output())).toEqual(['line-1 read before', 'line-2 read before', 'line-3 only in the copy', 'line-4']);
    expect(lines.length).toBe(4);
    expect(child.output()).toMatch(/app\.log was truncated: reading it from the start \(lines written before that were read from .*app\.log\.1\)/);
  });

  it('copytruncate while drover is stopped, and the file written past the old position: nothing lost, nothing twice', async () => {
    const dir = app('paths = ["logs/*.log"]', { 'logs/app.log': '' });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    const path = join(dir, 'logs/app.log');
    appendFileSync(path, 'line-1\nline-2\nline-3\n');
    await waitForLines(child, 3);
    // drover gets no CPU (SIGSTOP) while the file is copied, truncated and written well past where it was.
    const pid = await droverPid(child.pid!);
    process.kill(pid, 'SIGSTOP');
    appendFileSync(path, 'line-4\n');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    for (let i = 5; i <= 50; i++) appendFileSync(path, `line-${i}\n`);
    process.kill(pid, 'SIGCONT');
    const lines = await waitForLines(child, 50);
    await sleep(500);
    await stop(child);
    await child;
    expect(fileLines(child.output())).toEqual(Array.from({ length: 50 }, (_, i) => `line-${i + 1}`));
    expect(lines.length).toBe(50);
  });

  it('SIGKILLed and started again: no line missing, duplicates only of lines after the last checkpoint', async () => {
    const dir = app('paths = ["logs/*.log"]\nread_from = "beginning"', { 'logs/app.log': '' });
    const path = join(dir, 'logs/app.log');
    const TOTAL = 6000;
    // A writer of its own, outside drover, that keeps writing while drover is killed and restarted.
    const writer = startWriter(path, TOTAL, 1);
    const first = startDrover(dir);
    await waitForLine(first, /State changed from starting to up/);
    for (let until = Date.now() + 15_000; fileLines(first.output()).length < TOTAL / 3 && Date.now() < until; ) await sleep(50);
    await sleep(1500); // at least one checkpoint
    const saved = JSON.parse(readFileSync(join(dir, 'checkpoints', readdirSync(join(dir, 'checkpoints')).find((f) => f.endsWith('.json'))!), 'utf8')).files[0]
      .position as number;
    first.kill('SIGKILL');
    await first;
    killLeftovers(); // its `sleep`, orphaned by the SIGKILL
    const fileAtKill = readFileSync(path, 'latin1');
    await sleep(300);
    const second = startDrover(dir);
    await writer;
    const all = () => [...fileLines(first.output()), ...fileLines(second.output())];
    for (let until = Date.now() + 20_000; !second.output().includes(`line-${TOTAL}\n`.slice(0, -1)) && Date.now() < until; ) await sleep(100);
    await sleep(500);
    await stop(second);
    await second;
    const seen = new Map<string, number>();
    for (const line of all()) seen.set(line, (seen.get(line) ?? 0) + 1);
    const missing = Array.from({ length: TOTAL }, (_, i) => `line-${i + 1}`).filter((l) => !seen.has(l));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([l]) => l);
    // Lines at or after the saved position may come twice; none before it.
    const afterCheckpoint = new Set(fileAtKill.slice(saved).split('\n').filter(Boolean));
    console.log(
      `file input SIGKILL test: ${TOTAL} lines, ${duplicated.length} sent twice (${afterCheckpoint.size} arrived after the last checkpoint), 0 allowed missing, ${missing.length} missing`,
    );
    expect(missing).toEqual([]);
    expect(duplicated.filter((l) => !afterCheckpoint.has(l))).toEqual([]);
    expect(saved).toBeGreaterThan(0);
  }, 60_000);

  it('killed before its first checkpoint, a restart does not skip to the end again (read_from = "end")', async () => {
    const dir = app('paths = ["logs/*.log"]', { 'logs/app.log': 'old, before the first start\n' });
    const first = startDrover(dir);
    await waitForLine(first, /Process started/);
    await sleep(300);
    first.kill('SIGKILL');
    await first;
    killLeftovers();
    appendFileSync(join(dir, 'logs/app.log'), 'written while drover was down\n');
    const second = startDrover(dir);
    const lines = await waitForLines(second, 1);
    await sleep(300);
    await stop(second);
    await second;
    expect(fileLines(second.output())).toEqual(['written while drover was down']);
    expect(lines).toEqual(['written while drover was down']);
  });

  it('a file rotated while drover was down is read to its end under its new name', async () => {
    const dir = app('paths = ["logs/*.log"]', { 'logs/app.log': '' });
    const path = join(dir, 'logs/app.log');
    const first = startDrover(dir);
    await waitForLine(first, /State changed from starting to up/);
    await sleep(500);
    appendFileSync(path, 'one\n');
    await waitForLines(first, 1);
    await stop(first);
    await first;
    appendFileSync(path, 'two, written while drover was down\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'three, in the new file\n');
    const second = startDrover(dir);
    const lines = await waitForLines(second, 2);
    await stop(second);
    await second;
    expect(lines.sort()).toEqual(['three, in the new file', 'two, written while drover was down']);
  });

  it('follows 1,000 files with at most max_open_files descriptors, and drover status shows the input', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`logs/f${i}.log`] = '';
    const dir = app('paths = ["logs/*.log"]\nmax_open_files = 100\npoll_interval = "100ms"', files);
    const child = startDrover(dir, [], { DROVER_SOCKET: join(dir, 'control.sock') });
    await waitForLine(child, /State changed from starting to up/);
    await sleep(1500);
    for (let round = 0; round < 2; round++) for (let i = 0; i < 1000; i++) appendFileSync(join(dir, `logs/f${i}.log`), `f${i} r${round}\n`);
    const lines = await waitForLines(child, 2000, 30_000);
    const pid = await droverPid(child.pid!);
    const descriptors = readdirSync(`/proc/${pid}/fd`).length;
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    const status = await drover(['status', '--socket', join(dir, 'control.sock')]);
    await stop(child);
    await child;
    console.log(`file input, 1,000 files: ${descriptors} descriptors open, peak RSS ${rss.toFixed(1)} MiB`);
    expect(new Set(lines).size).toBe(2000);
    expect(descriptors).toBeLessThan(100 + 40);
    expect(rss).toBeLessThan(120); // measured 65–68 MiB; the bound only catches memory growing with the files
    expect(status.stdout).toMatch(/inputs\.app: files=1000 open_files=\d+ .*lines=2000/);
  }, 60_000);

  it('stops reading while stdout is full: memory stays bounded with 200 files of 200 KB waiting, and every line arrives after', async () => {
    const dir = app('paths = ["logs/*.log"]\nread_from = "beginning"', { 'logs/.keep': '' });
    const line = 'x'.repeat(99) + '\n';
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, `logs/f${String(i).padStart(3, '0')}.log`), line.repeat(2_000));
    const [k, v] = TEST_MARK.split('=');
    // Raw stdout into a pipe that nobody reads at first: drover's output fills it and blocks.
    const child = spawn(DROVER, ['start'], { cwd: dir, env: { ...process.env, DYNO: '', PORT: '', [k]: v }, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause();
    await sleep(4000);
    const pid = await droverPid(child.pid!);
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    let count = 0;
    let rest = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = rest + d.toString('latin1');
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const p of parts) if (p.includes('xxxxxxxxxx')) count++;
    });
    child.stdout.resume();
    for (let until = Date.now() + 30_000; count < 400_000 && Date.now() < until; ) await sleep(100);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    console.log(`file input, 200 files of 200 KB behind a full stdout: peak RSS ${rss.toFixed(1)} MiB`);
    expect(count).toBe(400_000);
    expect(rss).toBeLessThan(100);
  }, 60_000);

  it('goes through the same decoders, filters and outputs as process lines, matched by Type, Logger and Fields[path]', async () => {
    const dir = tempDir({
      Procfile: 'web: sleep 600\n',
      'drover/inputs.toml': '[inputs.app]\ntype = "file"\npaths = ["logs/*.log"]\ncheckpoint_dir = "checkpoints"\nlogger = "applog"\n',
      'drover/pipeline.toml': `[decoders.json]\ntype = "json"\nmatch = "Type == 'file'"\n\n[filters.nodebug]\ntype = "drop"\nmatch = "Fields[level] == 'debug'"\n\n[outputs.errors]\ntype = "file"\npath = "errors.log"\nformat = "raw"\nmatch = "Fields[path] =~ /err\\\\.log$/"\n`,
      'drover/out.toml': JSON_STDOUT,
      'logs/app.log': '',
      'logs/err.log': '',
    });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    await sleep(500);
    appendFileSync(join(dir, 'logs/app.log'), '{"level":"debug","msg":"dropped"}\n{"level":"warn","msg":"kept","user":"ann"}\n');
    appendFileSync(join(dir, 'logs/err.log'), 'an error line\n');
    const lines = await waitForLines(child, 2);
    await sleep(300);
    await stop(child);
    await child;
    expect(lines.sort()).toEqual(['an error line', 'kept']);
    const kept = jsonLines(child.output()).find((l) => l.message === 'kept') as unknown as Record<string, string>;
    expect(kept).toMatchObject({ logger: 'applog', level: 'warning', user: 'ann' });
    expect(readFileSync(join(dir, 'errors.log'), 'utf8')).toBe('an error line\n');
  });

  it('drover check lists the input and rejects an empty paths', async () => {
    const ok = await drover(['check'], { cwd: app('paths = ["logs/*.log"]') });
    expect(ok.stdout).toMatch(/inputs\s+app \(file\) {2}paths: logs\/\*\.log\n/);
    const bad = await drover(['check'], { cwd: app('paths = []') });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/option "paths" must list at least one file or glob, got \[\]/);
  });
});

/** A process appending `line-1` … `line-N` to path, a line every `everyMs` (in bursts). */
function startWriter(path: string, total: number, everyMs: number) {
  const script = `
    const fs = require('fs');
    const fd = fs.openSync(${JSON.stringify(path)}, 'a');
    let i = 0;
    const tick = () => {
      for (let k = 0; k < 10 && i < ${total}; k++) fs.writeSync(fd, 'line-' + (++i) + '\\n');
      if (i < ${total}) setTimeout(tick, ${everyMs * 10});
    };
    tick();
  `;
  return startNode(script);
}

function startNode(script: string) {
  return execa(process.execPath, ['-e', script], { reject: false });
}

/** The node process behind bin/drover (the shim execs it, so usually the same pid). */
async function droverPid(pid: number): Promise<number> {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (cmdline.includes('drover.js')) return pid;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  return children.find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('drover.js')) ?? pid;
}
