// Direct output (`[supervisor] direct_output = true`; off by default): with one instance, raw stdout and nothing
// else, the process writes straight to drover's stdout; drover still prints its own lines there, whole, and still
// stops, restarts and reports. Anything that needs the lines (a drain, a filter, a second instance, another format)
// turns it off.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { drover, DROVER, killLeftovers, startDrover, TEST_MARK, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const ON_DYNO = { DYNO: 'web.1' };
const ONCE = '[processes.web]\nautorestart = false\nstartsecs = 0\n';
const DIRECT = /^Process started with pid \d+ \(output: direct\)$/;
const PIPELINE = /^Process started with pid \d+$/;

/** An app that opts in to direct output (a fragment of its own, which the test's 100.toml adds to). */
function directApp(files: Record<string, string>) {
  return tempDir({ 'drover/050-direct.toml': '[supervisor]\ndirect_output = true\n', ...files });
}

/** A Procfile whose web runs a Node.js script (in a file: no quoting to get wrong). */
function nodeApp(script: string, extra: Record<string, string> = {}) {
  return directApp({ Procfile: 'web: exec node app.js\n', 'app.js': script, ...extra });
}

describe('by default (no direct_output = true)', () => {
  it('keeps a line the app writes in pieces whole on a dyno while drover prints its own lines (C stdio, Python and seq write 4 KiB blocks, not lines)', async () => {
    // The app writes half a line, has drover print a status line (SIGUSR1 to its parent, drover), then ends the line
    // within partial_line_timeout (2 s here, so that a loaded machine cannot stretch 0.15 s past it). Written
    // straight to drover's stdout, drover's line would land inside it.
    const app = tempDir({
      Procfile: `web: printf 'first half '; kill -USR1 $PPID; sleep 0.15; printf 'second half\\n'; exec sleep 1000\n`,
      'drover/100.toml': '[supervisor]\npartial_line_timeout = "2s"\n',
    });
    const child = startDrover(app, [], ON_DYNO);
    await waitForLine(child, /^first half/);
    child.kill('SIGTERM');
    const lines = String((await child).stdout).split('\n');
    expect(lines, lines.join('\n')).toContain('first half second half');
    expect(lines).toContainEqual(expect.stringMatching(/^Status \(SIGUSR1\): web\.1 /));
  }, 30_000);
});

describe('direct output', () => {
  it("passes a 1 MiB line whole (the pipeline on a dyno splits it at 10,000 bytes), a last line without its newline, and keeps drover's lines", async () => {
    const app = nodeApp(
      `const fs = require('fs'); fs.writeSync(1, 'first\\n'); fs.writeSync(2, 'to stderr\\n'); fs.writeSync(1, 'b'.repeat(1024 * 1024) + '\\n'); fs.writeSync(1, 'no newline at exit');`,
      { 'drover/100.toml': ONCE },
    );
    const result = await startDrover(app, [], ON_DYNO);
    expect(result.exitCode, result.all).toBe(0);
    const lines = String(result.stdout).split('\n');
    expect(lines).toContainEqual(expect.stringMatching(DIRECT));
    expect(lines).toContain('first');
    // stderr goes where the pipeline sends it on a platform: drover's stdout, as one stream.
    expect(lines).toContain('to stderr');
    expect(lines).toContain('b'.repeat(1024 * 1024));
    expect(String(result.stdout)).toContain('no newline at exit');
    expect(lines.some((l) => l.startsWith('Starting process with command'))).toBe(true);
    expect(lines.some((l) => l.includes("web.1 writes straight to drover's stdout (output: direct)"))).toBe(true);
    // Nothing reads the pipe, so nothing can end the app's last line: drover's next line follows on it (README).
    expect(String(result.stdout)).toMatch(/no newline at exitProcess exited with status 0\n/);
    expect(lines.at(-1)).toBe('Stopped; exit status 0');
  }, 60_000);

  it("never cuts a line of the app's or of drover's: writes of whole lines up to PIPE_BUF stay whole while drover reports", async () => {
    // The app writes 200-byte lines with one write(2) each, 200 at a time every millisecond at most (as fast as it
    // could, it outran execa's 100 MB maxBuffer, which cut the output short); drover prints a status line on every
    // SIGUSR1, 200 times, and its stop lines at the end.
    const app = nodeApp(
      `const fs = require('fs'); let i = 0; const pad = 'p'.repeat(180); process.on('SIGTERM', () => process.exit(0)); const go = () => { for (let k = 0; k < 200; k++) fs.writeSync(1, 'app ' + String(i++).padStart(8, '0') + ' ' + pad + '\\n'); setTimeout(go, 1); }; go();`,
    );
    const child = startDrover(app, [], ON_DYNO);
    await waitForLine(child, DIRECT);
    await waitForLine(child, /^app 00001000 /);
    for (let k = 0; k < 200; k++) {
      process.kill(child.pid!, 'SIGUSR1');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout).split('\n');
    const appLine = /^app \d{8} p{180}$/;
    const bad = lines.filter(
      (l) =>
        !appLine.test(l) && !/^(Status \(SIGUSR1\): |Starting process|Process |State changed|Stopping|Stopped|web\.1 writes straight|control socket)/.test(l),
    );
    expect(bad.slice(0, 3)).toEqual([]);
    expect(lines.filter((l) => l.startsWith('Status (SIGUSR1): ')).length).toBeGreaterThanOrEqual(150);
    // Every app line is there, in order, with none lost.
    const numbers = lines.filter((l) => appLine.test(l)).map((l) => Number(l.slice(4, 12)));
    expect(numbers.length).toBeGreaterThan(1000);
    expect(numbers.every((n, i) => n === i)).toBe(true);
    expect(lines.at(-1)).toBe('Stopped; exit status 0');
  }, 60_000);

  it('still restarts with backoff, reports exits, and stops on SIGTERM; drover status says so', async () => {
    const app = directApp({ Procfile: 'web: echo "run at $(date +%s%N)"; sleep 0.3; exit 3\n', 'drover/100.toml': '[processes.web]\nstartsecs = 0\n' });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { ...ON_DYNO, DROVER_SOCKET: socket });
    await waitForLine(child, /^Restarting in 1s/);
    await waitForLine(child, /^Restarting in 2s/, 15_000);
    const status = await drover(['status', '--socket', socket]);
    expect(status.stdout).toContain("output: direct (web.1 writes straight to drover's stdout; drover logs does not have its lines)");
    const json = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(json.instances[0].output).toBe('direct');
    const logs = await drover(['logs', '--socket', socket]);
    expect(logs.stdout).toMatch(/drover\[logs\]: web\.1 writes straight to drover's stdout \(output: direct\), so its lines are not kept here/);
    child.kill('SIGTERM');
    const result = await child;
    const out = String(result.stdout);
    expect(out.match(/^run at \d+$/gm)!.length).toBeGreaterThanOrEqual(2);
    expect(out.match(/^Process exited with status 3$/gm)!.length).toBeGreaterThanOrEqual(2);
    expect(out.match(new RegExp(DIRECT.source, 'gm'))!.length).toBeGreaterThanOrEqual(2);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Stopped; exit status 0');
  }, 60_000);

  it('ends within the stop budget on SIGTERM when nobody reads its stdout: the app blocks in write, as without drover', async () => {
    const app = directApp({ Procfile: "web: yes 'a line that fills the pipe nobody reads'\n", 'drover/100.toml': '[processes.web]\nstopwaitsecs = "3s"\n' });
    const [k, v] = TEST_MARK.split('=');
    const child = execa(DROVER, ['start'], { cwd: app, reject: false, buffer: false, env: { ...ON_DYNO, [k]: v }, forceKillAfterDelay: false });
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const stopped = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(Date.now() - stopped).toBeLessThan(4500);
    expect(result.signal === 'SIGTERM' || result.exitCode === 0, `exit ${result.exitCode} signal ${result.signal}`).toBe(true);
    child.stdout!.destroy();
  }, 30_000);

  it('drover scale web=2 starts web.2 through the pipeline and leaves web.1 writing directly', async () => {
    const app = directApp({ Procfile: 'web: echo "up $DYNO"; exec sleep 1000\n' });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { ...ON_DYNO, DROVER_SOCKET: socket });
    await waitForLine(child, DIRECT);
    expect((await drover(['scale', 'web=2', '--socket', socket])).exitCode).toBe(0);
    await waitForLine(child, /up web\.2/);
    const json = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(json.instances.map((i: { name: string; output: string }) => `${i.name} ${i.output}`)).toEqual(['web.1 direct', 'web.2 pipeline']);
    child.kill('SIGTERM');
    await child;
  }, 30_000);

  describe('does not apply when something needs the lines', () => {
    const cases: [string, Record<string, string>, string[]][] = [
      ['a filter', { 'drover/100.toml': `${ONCE}[filters.nothing]\ntype = "drop"\nmatch = "Payload == 'never'"\n` }, []],
      ['format heroku', { 'drover/100.toml': `${ONCE}[outputs.stdout]\ntype = "stdout"\nformat = "heroku"\n` }, []],
      ['two instances', { 'drover/100.toml': `${ONCE}numprocs = 2\n` }, []],
      ['direct_output = false', { 'drover/100.toml': `${ONCE}[supervisor]\ndirect_output = false\n` }, []],
      ['an explicit max_line_length', { 'drover/100.toml': `${ONCE}[outputs.stdout]\ntype = "stdout"\nmax_line_length = "20kB"\n` }, []],
    ];
    // Why not, as drover says it once when direct_output = true was asked for.
    const why: Record<string, RegExp> = {
      'a filter': /decoders or filters read its lines/,
      'format heroku': /outputs\.stdout is not a raw stdout/,
      'two instances': /more than one instance runs/,
      'an explicit max_line_length': /outputs\.stdout is not a raw stdout/,
    };
    for (const [what, files] of cases) {
      it(what, async () => {
        const app = directApp({ Procfile: 'web: echo hello\n', ...files });
        const result = await startDrover(app, [], ON_DYNO);
        expect(result.exitCode, result.all).toBe(0);
        const out = String(result.stdout);
        expect(out).toMatch(/hello/);
        expect(out).not.toMatch(/output: direct/);
        expect(out).toMatch(/Process started with pid \d+\n/);
        const said = out.split('\n').filter((l) => l.includes('direct_output = true does not apply'));
        if (why[what]) {
          expect(said).toHaveLength(1);
          expect(said[0]).toMatch(why[what]);
        } else expect(said).toEqual([]);
      }, 30_000);
    }

    it('a syslog drain (a real TCP receiver gets the line)', async () => {
      const received: string[] = [];
      const server: Server = createServer((socket) => socket.on('data', (d) => received.push(d.toString())));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const app = directApp({
          Procfile: 'web: echo hello drain\n',
          'drover/100.toml': `${ONCE}[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${port}"\n`,
        });
        const result = await startDrover(app, [], ON_DYNO);
        expect(result.exitCode, result.all).toBe(0);
        expect(String(result.stdout).split('\n')).toContainEqual(expect.stringMatching(PIPELINE));
        expect(received.join('')).toContain('hello drain');
      } finally {
        server.close();
      }
    }, 30_000);
  });

  it('a reload that adds a format restarts the instance that wrote directly, and its lines then go through the pipeline', async () => {
    const app = directApp({ Procfile: 'web: while true; do echo "tick"; sleep 0.2; done\n' });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { ...ON_DYNO, DROVER_SOCKET: socket });
    await waitForLine(child, DIRECT);
    await waitForLine(child, /^tick$/);
    mkdirSync(`${app}/drover`, { recursive: true });
    writeFileSync(`${app}/drover/100.toml`, '[outputs.stdout]\ntype = "stdout"\nformat = "heroku"\n');
    const reloaded = await drover(['reload', '--socket', socket]);
    expect(reloaded.exitCode, String(reloaded.stderr)).toBe(0);
    await waitForLine(child, /its output was direct, and the pipeline now needs its lines/);
    await waitForLine(child, /drover\[supervisor\]: web\.1's output goes through the pipeline from this start: outputs\.stdout is not a raw stdout/);
    await waitForLine(child, /app\[web\.1\]: tick$/, 15_000);
    const json = JSON.parse(String((await drover(['status', '--json', '--socket', socket])).stdout));
    expect(json.instances[0].output).toBe('pipeline');
    child.kill('SIGTERM');
    await child;
  }, 60_000);

  it('says why when a restart can no longer write directly: a Node.js process killed by SIGKILL leaves O_NONBLOCK on the pipe', async () => {
    // Node.js makes its stdout pipe non-blocking and puts it back at exit, but not when it is SIGKILLed: the flag
    // belongs to the open file drover shares, so the next start goes through the pipeline, and says so.
    const app = nodeApp(`process.stdout.write('run\\n'); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);`, {
      'drover/100.toml': '[supervisor]\ndirect_output = true\nbackoff_initial = "100ms"\n\n[processes.web]\nstartsecs = 0\n',
    });
    const child = startDrover(app, [], ON_DYNO);
    await waitForLine(child, DIRECT);
    await waitForLine(child, /^web\.1's output goes through the pipeline from this start: fd 1 is non-blocking$/, 20_000);
    child.kill('SIGTERM');
    await child;
  }, 60_000);
});
