// The syslog input against util-linux's `logger` (RFC 3164 and 5424, UDP and TCP) and raw sockets for the framings.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, drover, jsonLines, JSON_STDOUT, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../../helpers';
import { spawn } from 'node:child_process';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Line = Record<string, string>;
const syslogLines = (output: string) => jsonLines(output).filter((l) => l.type === 'syslog') as unknown as Line[];

async function waitForCount(child: { output(): string }, count: number): Promise<Line[]> {
  for (const until = Date.now() + 10_000; syslogLines(child.output()).length < count && Date.now() < until; ) await sleep(50);
  return syslogLines(child.output());
}

/** An app with a UDP and a TCP syslog input, JSON stdout, and a file that gets the messages with Pid 4242. */
async function syslogApp() {
  const [udp, tcp] = [await freePort(), await freePort()];
  const dir = tempDir({
    Procfile: 'web: sleep 600\n',
    'drover/inputs.toml': `[inputs.udp]\ntype = "syslog"\naddress = "udp://127.0.0.1:${udp}"\n\n[inputs.tcp]\ntype = "syslog"\naddress = "tcp://:${tcp}"\n`,
    'drover/out.toml': `${JSON_STDOUT}\n[outputs.pid]\ntype = "file"\npath = "pid.log"\nformat = "raw"\nmatch = "Type == 'syslog' && Pid == 4242"\n\n[outputs.host]\ntype = "file"\npath = "host.log"\nformat = "raw"\nmatch = "Hostname == 'web-7.example'"\n`,
  });
  const child = startDrover(dir, [], { DROVER_SOCKET: join(dir, 'control.sock') });
  await waitForLine(child, /State changed from starting to up/);
  return { dir, child, udp, tcp };
}

const logger = (args: string[]) => execa('logger', args, { reject: false });

describe('syslog input', () => {
  it("takes logger's RFC 3164 and RFC 5424 messages over UDP and TCP (octet counting and newline framing)", async () => {
    const { dir, child, udp, tcp } = await syslogApp();
    const sent = [
      await logger(['-n', '127.0.0.1', '-P', String(udp), '-d', '--rfc3164', '-t', 'bsd-udp', '-p', 'local0.warning', 'hello 3164 over udp']),
      await logger([
        '-n',
        '127.0.0.1',
        '-P',
        String(udp),
        '-d',
        '--rfc5424',
        '-t',
        'new-udp',
        '--id=4242',
        '--msgid',
        'ID47',
        '--sd-id',
        'zoo@123',
        '--sd-param',
        'tiger="hungry"',
        '-p',
        'daemon.err',
        'hello 5424 over udp',
      ]),
      await logger(['-n', '127.0.0.1', '-P', String(tcp), '-T', '--octet-count', '--rfc5424', '-t', 'octets', '-p', 'auth.crit', 'hello 5424 octet-counted']),
      await logger(['-n', '127.0.0.1', '-P', String(tcp), '-T', '--rfc3164', '-t', 'lines', '--id=4242', '-p', 'user.debug', 'hello 3164 newline-framed']),
    ];
    for (const r of sent) expect(r.exitCode, r.stderr).toBe(0);
    const lines = await waitForCount(child, 4);
    child.kill('SIGTERM');
    await child;
    const by = (message: string) => lines.find((l) => l.message === message)!;
    expect(by('hello 3164 over udp')).toMatchObject({ logger: 'bsd-udp', level: 'warning', facility: 'local0' });
    expect(by('hello 5424 over udp')).toMatchObject({ logger: 'new-udp', level: 'err', facility: 'daemon', msgid: 'ID47', 'zoo@123.tiger': 'hungry' });
    expect(by('hello 5424 octet-counted')).toMatchObject({ logger: 'octets', level: 'crit', facility: 'auth' });
    expect(by('hello 3164 newline-framed')).toMatchObject({ logger: 'lines', level: 'debug', facility: 'user' });
    // PROCID became Pid, for both formats: the file output matching Pid == 4242 got exactly those two.
    expect(readFileSync(join(dir, 'pid.log'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['hello 3164 newline-framed', 'hello 5424 over udp']);
  });

  it('reads frames split across reads and several in one, keeps HOSTNAME, and passes malformed messages on with a marker', async () => {
    const { dir, child, tcp } = await syslogApp();
    const a = '<165>1 2026-11-30T10:00:00.123Z web-7.example api 77 - [req@1 id="a\\"b\\]c"] first, octet-counted';
    const b = '<14>1 - web-7.example api - - - second, in the same write';
    const socket = connect(tcp, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const framed = Buffer.from(`${Buffer.byteLength(a)} ${a}${Buffer.byteLength(b)} ${b}`);
    socket.write(framed.subarray(0, 30)); // a frame cut in the middle of its header
    await sleep(200);
    socket.write(framed.subarray(30));
    socket.write('<13>Nov 30 11:00:00 web-7.example worker[12]: third, newline-framed\n');
    socket.write('not syslog at all\n<999>1 nor this\n');
    socket.end('<13>1 - - - - - [broken last, no newline');
    const lines = await waitForCount(child, 6);
    child.kill('SIGTERM');
    await child;
    expect(lines.map((l) => l.message)).toEqual([
      'first, octet-counted',
      'second, in the same write',
      'third, newline-framed',
      'not syslog at all',
      '<999>1 nor this',
      '<13>1 - - - - - [broken last, no newline',
    ]);
    expect(lines[0]).toMatchObject({ logger: 'api', level: 'notice', facility: 'local4', 'req@1.id': 'a"b]c', timestamp: '2026-11-30T10:00:00.123Z' });
    expect(lines[2]).toMatchObject({ logger: 'worker', facility: 'user' });
    for (const bad of lines.slice(3)) expect(bad.syslog_error, bad.message).toMatch(/PRI|STRUCTURED-DATA/);
    expect(lines.slice(3).every((l) => l.logger === 'tcp')).toBe(true);
    expect(readFileSync(join(dir, 'host.log'), 'utf8').split('\n').filter(Boolean)).toEqual([
      'first, octet-counted',
      'second, in the same write',
      'third, newline-framed',
    ]);
  });

  it('passes a TCP message longer than max_message_size on in marked pieces, octet-counted or newline-framed', async () => {
    const tcp = await freePort();
    const dir = tempDir({
      Procfile: 'web: sleep 600\n',
      'drover/in.toml': `[inputs.tcp]\ntype = "syslog"\naddress = "tcp://127.0.0.1:${tcp}"\nmax_message_size = "1KB"\n`,
      'drover/out.toml': JSON_STDOUT,
    });
    const child = startDrover(dir);
    await waitForLine(child, /State changed from starting to up/);
    const long = '<13>1 - - app - - - ' + 'a'.repeat(2480);
    const socket = connect(tcp, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`${long}\n${Buffer.byteLength(long)} ${long}<13>1 - - app - - - short after them\n`);
    socket.end();
    const lines = await waitForCount(child, 7);
    child.kill('SIGTERM');
    await child;
    // Each 2,500-byte message: pieces of 1,024 bytes (the first one's header read as usual) and the rest, all
    // marked and all with the first one's Logger; nothing lost, and the message after them is whole.
    expect(lines.map((l) => l.message.length)).toEqual([1004, 1024, 452, 1004, 1024, 452, 16]);
    expect(
      lines
        .map((l) => l.message)
        .slice(0, 3)
        .join(''),
    ).toBe('a'.repeat(2480));
    for (const first of [lines[0], lines[3]]) expect(first.syslog_error).toBe('message longer than max_message_size (1024): cut into pieces');
    for (const later of [lines[1], lines[2], lines[4], lines[5]])
      expect(later).toMatchObject({ logger: 'app', syslog_error: 'continues a message longer than max_message_size (1024)' });
    expect(lines[6]).toMatchObject({ message: 'short after them', logger: 'app' });
    expect(lines[6].syslog_error).toBeUndefined();
  });

  it('listens on loopback unless the address names another host, and drover status shows the counts', async () => {
    const { dir, child, tcp } = await syslogApp();
    await logger(['-n', '127.0.0.1', '-P', String(tcp), '-T', 'one']);
    await waitForCount(child, 1);
    const status = await drover(['status', '--socket', join(dir, 'control.sock')]);
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    const reached = other
      ? await new Promise((resolve) =>
          connect(tcp, other.address)
            .on('connect', () => resolve(true))
            .on('error', () => resolve(false)),
        )
      : false;
    child.kill('SIGTERM');
    await child;
    expect(status.stdout).toMatch(new RegExp(`inputs\\.tcp: address=tcp://127\\.0\\.0\\.1:${tcp} messages=1 malformed=0 connections=1`));
    expect(reached).toBe(false);
  });

  it('says what to do when its port is taken, and drover runs on without it', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as { port: number }).port;
    const dir = tempDir({ Procfile: 'web: sleep 600\n', 'drover/in.toml': `[inputs.s]\ntype = "syslog"\naddress = "tcp://127.0.0.1:${port}"\n` });
    const child = startDrover(dir);
    const line = await waitForLine(child, /inputs\.s: cannot start/);
    await waitForLine(child, /State changed from starting to up/);
    child.kill('SIGTERM');
    await child;
    taken.close();
    expect(line).toMatch(/EADDRINUSE.*another program listens there: choose another port in the input's "address"/);
  });

  it('stops reading a TCP sender while stdout is full: memory stays bounded, and every message arrives after', async () => {
    const tcp = await freePort();
    const dir = tempDir({
      Procfile: 'web: sleep 600\n',
      'drover/in.toml': `[inputs.tcp]\ntype = "syslog"\naddress = "tcp://127.0.0.1:${tcp}"\n`,
      'drover/out.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\n',
    });
    const [k, v] = TEST_MARK.split('=');
    const child = spawn(DROVER, ['start'], { cwd: dir, env: { ...process.env, DYNO: '', PORT: '', [k]: v }, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause(); // nobody reads drover's stdout for now
    const socket = await new Promise<ReturnType<typeof connect>>((resolve) => {
      const retry = () => {
        const s = connect(tcp, '127.0.0.1')
          .once('connect', () => resolve(s))
          .once('error', () => setTimeout(retry, 100));
      };
      retry();
    });
    const COUNT = 200_000;
    const body = 'm'.repeat(180);
    let sent = 0;
    // 200,000 messages of ~200 bytes (40 MB), written as fast as the socket takes them.
    const sending = (async () => {
      for (; sent < COUNT; sent++) if (!socket.write(`<13>1 - - app - - - ${sent} ${body}\n`)) await new Promise((r) => socket.once('drain', r));
      socket.end();
    })();
    await sleep(4000);
    const sentWhileBlocked = sent;
    const pid = await droverPid(child.pid!);
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    const seen = new Set<string>();
    let rest = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString('latin1')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.endsWith(body)) seen.add(line.slice(0, line.indexOf(' ')));
    });
    child.stdout.resume();
    await sending;
    for (let until = Date.now() + 30_000; seen.size < COUNT && Date.now() < until; ) await sleep(100);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    console.log(`syslog input behind a full stdout: ${sentWhileBlocked} of ${COUNT} messages taken by the socket in 4 s, peak RSS ${rss.toFixed(1)} MiB`);
    expect(sentWhileBlocked).toBeLessThan(COUNT);
    expect(rss).toBeLessThan(100);
    expect(seen.size).toBe(COUNT);
  }, 60_000);

  it('drover check names a bad address with what it expects', async () => {
    const dir = tempDir({ Procfile: 'web: sleep 1\n', 'drover/in.toml': '[inputs.s]\ntype = "syslog"\naddress = "5514"\n' });
    const result = await drover(['check'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/option "address" must be udp:\/\/ or tcp:\/\/HOST:PORT, e\.g\. "udp:\/\/127\.0\.0\.1:5514", got "5514"/);
  });
});

/** The node process behind bin/drover (the shim execs it, so usually the same pid). */
async function droverPid(pid: number): Promise<number> {
  for (let i = 0; i < 50 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('drover.js'); i++) await sleep(20);
  return pid;
}
