// A disk buffer on a full filesystem (a 2 MB tmpfs mounted in a mount namespace of drover's own), receiver down
// and then back: it recovers, frees what was confirmed, and block blocks instead of dropping.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, JSON_STDOUT, jsonLines, killLeftovers, tempDir, TEST_MARK, waitForLine } from '../../helpers';
import { parseRfc5424, sleep, SyslogNg } from '../outputs/peers';

afterEach(() => {
  expect(killLeftovers()).toEqual([]);
});

// 2,000 lines a second of about 200 bytes, each with its number and the time it was printed.
const GENERATOR = `let n = 0; const pad = 'x'.repeat(170);
setInterval(() => { let out = ''; for (let i = 0; i < 20; i++) out += 'line ' + n++ + ' t=' + Date.now() + ' ' + pad + '\\n'; process.stdout.write(out); }, 10);`;

/** drover start in a new mount namespace with a 2 MB tmpfs on `buffer`, and the receiver's port as its drain. */
function startOnSmallDisk(port: number, whenFull: string) {
  const buffer = tempDir();
  const app = tempDir({
    'gen.js': GENERATOR,
    Procfile: `web: exec ${process.execPath} gen.js\n`,
    'drover/009-stdout.toml': JSON_STDOUT + 'match = "Type != \'log\'"\n',
    'drover/100.toml': `[processes.web]\nstopwaitsecs = "5s"\n\n[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${port}"\nbackoff_initial = "100ms"\nbackoff_max = "500ms"\nbuffer = { type = "disk", path = "${buffer}", when_full = "${whenFull}" }\n`,
  });
  const [k, v] = TEST_MARK.split('=');
  const child = execa('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=2m tmpfs "$0" && exec "$1" start', buffer, DROVER], {
    cwd: app,
    reject: false,
    all: true,
    forceKillAfterDelay: false,
    env: { DYNO: '', PORT: '', [k]: v },
  });
  let output = '';
  child.all!.on('data', (data: Buffer) => (output += data.toString()));
  // unshare and sh exec: the pid is drover's, and its view of the tmpfs is under /proc/PID/root.
  const inside = () => `/proc/${child.pid}/root${buffer}`;
  return Object.assign(child, { output: () => output, inside });
}

/** Numbers and print times of the lines the receiver got. */
function received(server: SyslogNg): { n: number; t: number }[] {
  return server
    .lines()
    .map((l) => {
      const m = /^line (\d+) t=(\d+) /.exec(parseRfc5424(l).msg);
      return m ? { n: Number(m[1]), t: Number(m[2]) } : { n: -1, t: 0 };
    })
    .filter((r) => r.n >= 0);
}

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();

describe('disk buffer on a full filesystem', () => {
  it('drop_oldest: drops while the disk is full, blames the segment, then delivers new lines once the receiver is back', async () => {
    const server = await SyslogNg.start('tcp');
    await server.stop();
    const child = startOnSmallDisk(server.port, 'drop_oldest');
    const drop = await waitForLine(child, /L12/, 20_000);
    // The segment could not be written: that is why lines were dropped (not the checkpoint).
    expect(drop).toMatch(/dropped \d+ messages \(cannot write \S+\.seg: ENOSPC\)/);
    const oldest = segments(child.inside())[0];
    const resumedAt = Date.now();
    await server.resume();
    let tmpSeen = false;
    for (let i = 0; i < 40; i++) {
      await sleep(200);
      tmpSeen ||= existsSync(`${child.inside()}/checkpoint.tmp`);
    }
    const left = segments(child.inside());
    const checkpoint = readFileSync(`${child.inside()}/checkpoint`, 'utf8');
    const _stoppedAt = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    const got = received(server);
    const numbers = new Set(got.map((r) => r.n));
    // Lines printed from 3 s after the receiver came back (time to send the backlog and confirm it) until the stop.
    const late = got.filter((r) => r.t >= resumedAt + 3000);
    const first = Math.min(...late.map((r) => r.n));
    const last = Math.max(...got.map((r) => r.n));
    console.log(
      `full disk, drop_oldest: ${numbers.size} lines received, ${late.length} printed 3 s after the receiver came back (${first}..${last}); segments ${oldest} -> ${left.join(' ')}; checkpoint ${checkpoint.trim()}`,
    );
    // It used to deliver none of them.
    expect(late.length).toBeGreaterThan(5000);
    for (let n = first; n <= last; n++) if (!numbers.has(n)) throw new Error(`line ${n} printed after the disk had room again is missing`);
    expect(last).toBeGreaterThan(first + 5000);
    // What was confirmed is freed, the segment that was being written when the disk filled up included.
    expect(left).not.toContain(oldest);
    expect(JSON.parse(checkpoint).segment).toBeGreaterThan(Number(oldest.slice(0, 20)));
    expect(tmpSeen).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(
      jsonLines(result.stdout)
        .map((l) => l.message)
        .join('\n'),
    ).not.toMatch(/checkpoint/);
  }, 90_000);

  it('block: on a full disk the app waits instead of lines being dropped, and every line arrives once the receiver is back', async () => {
    const server = await SyslogNg.start('tcp');
    await server.stop();
    const child = startOnSmallDisk(server.port, 'block');
    await waitForLine(child, /State changed from starting to up/, 10_000);
    // 2 MB at 400 KB/s: the disk is full after about 5 s.
    await sleep(8000);
    const full = readdirSync(child.inside()).length > 0;
    await server.resume();
    await sleep(8000);
    child.kill('SIGTERM');
    const result = await child;
    const messages = jsonLines(result.stdout).map((l) => l.message);
    const got = received(server);
    const numbers = new Set(got.map((r) => r.n));
    const last = Math.max(...numbers);
    console.log(`full disk, block: ${numbers.size} lines received, highest ${last}`);
    expect(full).toBe(true);
    // Used to drop lines with L12 (cannot write ...: ENOSPC).
    expect(messages.filter((m) => /dropped|lost/.test(m))).toEqual([]);
    expect(last).toBeGreaterThan(10_000);
    for (let n = 0; n <= last; n++) if (!numbers.has(n)) throw new Error(`line ${n} is missing`);
    expect(result.exitCode).toBe(0);
  }, 90_000);

  it('block: lines that still wait in memory for the full disk at shutdown are reported lost, the rest kept', async () => {
    const server = await SyslogNg.start('tcp');
    await server.stop();
    const child = startOnSmallDisk(server.port, 'block');
    await waitForLine(child, /State changed from starting to up/, 10_000);
    await sleep(8000); // the disk is full after about 5 s
    child.kill('SIGTERM');
    const result = await child;
    const messages = jsonLines(result.stdout).map((l) => l.message);
    console.log(messages.filter((m) => /lost|kept/.test(m)));
    expect(
      messages.some((m) =>
        /^Error L10 \(output buffer overflow\): outputs\.drain lost \d+ messages at shutdown \(the disk buffer could not write them: cannot write \S+\.seg: ENOSPC\)$/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(messages.some((m) => /^outputs\.drain: kept \d+ messages in the disk buffer; they are sent at the next start$/.test(m))).toBe(true);
  }, 60_000);
});
