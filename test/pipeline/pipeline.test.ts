import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { DROVER, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../helpers';

afterEach(() => {
  expect(killLeftovers()).toEqual([]);
});

/** An app whose single process runs `command` once; drover exits when it is done. Output: raw, app lines only. */
function oneShot(command: string, extra = '') {
  return tempDir({
    Procfile: `web: ${command}\n`,
    'drover/009-stdout.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\nmatch = "Type == \'log\'"\n',
    'drover/100.toml': `[processes.web]\nautorestart = false\nstartsecs = 0\n${extra}`,
  });
}

describe('the pipeline on real process output', () => {
  it('passes every one of 100,000 lines, in order, from a process that exits at once', async () => {
    const app = oneShot('seq 1 100000');
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout).split('\n');
    expect(lines.length).toBe(100000);
    expect(lines.every((l, i) => l === String(i + 1))).toBe(true);
  });

  it('decodes lines longer than the 32 KiB pieces it decodes at a time, between short ones, ASCII or not', async () => {
    const app = tempDir({
      Procfile: `web: ${process.execPath} -e "for (let i = 0; i < 40; i++) console.log(JSON.stringify({ i, msg: (i % 3 ? 'x' : 'é').repeat(i % 2 ? 50 : 70000) }))"\n`,
      'drover/100.toml':
        '[supervisor]\nmax_line_length = 200000\n\n[decoders.json]\ntype = "json"\n\n[outputs.stdout]\ntype = "stdout"\nformat = "logfmt"\nmatch = "Type == \'log\'"\n\n[processes.web]\nautorestart = false\nstartsecs = 0\n',
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout).split('\n');
    expect(lines).toHaveLength(40);
    lines.forEach((line, i) => expect(line.endsWith(` msg="${(i % 3 ? 'x' : 'é').repeat(i % 2 ? 50 : 70000)}" i=${i}`)).toBe(true));
  });

  it('writes raw bytes unchanged: binary and invalid UTF-8', async () => {
    const app = oneShot(`printf 'ok\\n\\xff\\xfe\\x01bin\\n\\xc3\\x28\\n'`);
    const result = await execa(DROVER, ['start'], { cwd: app, encoding: 'buffer', reject: false, stripFinalNewline: false });
    expect(Buffer.from(result.stdout as Uint8Array).equals(Buffer.from('ok\n\xff\xfe\x01bin\n\xc3\x28\n', 'latin1'))).toBe(true);
  });

  it('passes a 1 MB line whole off a platform, and split into 10,000-byte lines on one, without losing a byte', async () => {
    const app = oneShot(`head -c 1000000 /dev/zero | tr '\\0' 'a'; echo; echo after`);
    const local = String((await startDrover(app)).stdout).split('\n');
    expect(local.map((l) => l.length)).toEqual([1000000, 5]);
    const dyno = String((await startDrover(app, [], { DYNO: 'web.1' })).stdout).split('\n');
    expect(dyno.slice(0, -1).every((l) => l.length === 10000)).toBe(true);
    expect(dyno.slice(0, -1).join('').length).toBe(1000000);
    expect(dyno.at(-1)).toBe('after');
  });

  it('cuts a line past [supervisor] max_line_length into pieces marked cut = true, and says so once', async () => {
    const app = tempDir({
      Procfile: `web: head -c 2500 /dev/zero | tr '\\0' 'a'; echo; echo short\n`,
      'drover/009-stdout.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "logfmt"\n',
      'drover/100.toml': '[supervisor]\nmax_line_length = 1000\n\n[processes.web]\nautorestart = false\nstartsecs = 0\n',
    });
    const lines = String((await startDrover(app)).stdout).split('\n');
    const app_ = lines.filter((l) => /logger=web\.1 msg="(a+|short)"/.test(l));
    expect(app_.map((l) => [/msg="(a*)"/.exec(l)?.[1].length ?? /msg="([^"]*)"/.exec(l)?.[1], l.endsWith(' cut=true')])).toEqual([
      [1000, true],
      [1000, true],
      [500, false],
      ['short', false],
    ]);
    expect(lines.filter((l) => l.includes('max_line_length'))).toEqual([
      expect.stringMatching(
        /level=warning logger=supervisor msg="web\.1 printed a line longer than \[supervisor\] max_line_length: it is cut into messages of at most 1000 bytes/,
      ),
    ]);
  });

  it('passes on a line that never ends, after the partial-line timeout', async () => {
    const app = oneShot(`printf 'no newline here'; sleep 30`);
    const child = startDrover(app);
    await waitForLine(child, /^no newline here$/, 5000);
    child.kill('SIGTERM');
    await child;
  });

  it('pauses the processes instead of growing without bound when stdout is not read', async () => {
    const app = oneShot(`echo start >&2; yes 'a line of about one hundred bytes, repeated until the reader stops reading it ......'`);
    // stdout is a pipe that nobody reads; the supervisor's memory must stay bounded.
    const [k, v] = TEST_MARK.split('=');
    const child = execa(DROVER, ['start'], { cwd: app, reject: false, stdout: 'pipe', buffer: false, env: { [k]: v } });
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 3000));
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
    // The shim execs node, so the pid is the supervisor itself.
    const first = rss();
    await new Promise((r) => setTimeout(r, 2000));
    const second = rss();
    expect(second).toBeLessThan(150 * 1024 * 1024);
    expect(second - first).toBeLessThan(20 * 1024 * 1024);
    child.kill('SIGTERM');
    child.stdout!.resume();
    await child;
  });

  it('still ends on SIGTERM when stdout is never read again: a blocked write does not hold it', async () => {
    const app = oneShot(`yes 'a line that fills the pipe nobody reads'`, 'stopwaitsecs = 1\n');
    const [k, v] = TEST_MARK.split('=');
    const child = execa(DROVER, ['start'], { cwd: app, reject: false, stdout: 'pipe', buffer: false, env: { [k]: v }, forceKillAfterDelay: false });
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const stopped = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    // The shutdown budget (stopwaitsecs, at least a second for the outputs), half a second, then 5 s in which
    // nothing is written: about 7.5 s.
    expect(Date.now() - stopped).toBeLessThan(11_000);
    // By its own SIGTERM when a blocking write is under way (process.exit would wait for it), else by exiting.
    expect(result.signal === 'SIGTERM' || result.exitCode === 0, `exit ${result.exitCode} signal ${result.signal}`).toBe(true);
    child.stdout!.destroy();
  });

  // Raw into a blocking pipe (thread-pool writes); json, 20 times the bytes a read brings in; and a pipe another
  // process made non-blocking (a libuv stream).
  it.each([
    ['raw', 'a blocking pipe', 100_000],
    ['json', 'a blocking pipe', 5_000],
    ['raw', 'a non-blocking pipe', 100_000],
  ] as const)('writes everything as %s to a slow reader of %s before it exits, with the status of the app', async (format, pipe, count) => {
    const app = tempDir({
      Procfile: `web: seq 1 ${count}; exit 3\n`,
      'drover/009-stdout.toml': `[outputs.stdout]\ntype = "stdout"\nformat = "${format}"\nmatch = "Type == 'log'"\n`,
      'drover/100.toml': '[processes.web]\nautorestart = false\nstartsecs = 0\nstopwaitsecs = 1\n',
    });
    const [k, v] = TEST_MARK.split('=');
    const setNonBlocking = 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die "fcntl: $!"; exec @ARGV or die';
    const [file, args] = pipe === 'a blocking pipe' ? [DROVER, ['start']] : ['perl', ['-MFcntl', '-e', setNonBlocking, DROVER, 'start']];
    const child = execa(file, args, { cwd: app, reject: false, stdout: 'pipe', buffer: false, env: { [k]: v } });
    // About 200 KB/s: what drover holds when the app exits (1 MiB and more) takes seconds, longer than its
    // shutdown budget.
    const parts: Buffer[] = [];
    child.stdout!.on('data', (data: Buffer) => {
      parts.push(data);
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), data.length / 200);
    });
    const result = await child;
    expect(result.exitCode).toBe(3);
    const lines = Buffer.concat(parts).toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(count);
    const texts = format === 'json' ? lines.map((line) => JSON.parse(line).message) : lines;
    expect(texts.every((text, i) => text === String(i + 1))).toBe(true);
  });
});
