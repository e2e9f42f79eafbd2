// `drover reload` and SIGHUP: a new configuration applied without a restart, or refused with every error.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';
import { freePort, parseRfc5424, sleep, SyslogNg } from '../pipeline/outputs/peers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: string) => jsonLines(text).map((l) => `${l.logger}: ${l.message}`);
const status = async (socket: string) => JSON.parse((await drover(['status', '--json', '--socket', socket])).stdout as string);
const pidOf = async (socket: string, name: string) => (await status(socket)).instances.find((i: { name: string }) => i.name === name)?.pid;

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const drainConfig = (port: number, filter: string) => `[outputs.drain]
type = "syslog"
url = "syslog+tcp://127.0.0.1:${port}"
match = "Type == 'log'"
backoff_initial = "100ms"
backoff_max = "300ms"

[filters.quiet]
type = "drop"
match = "Payload =~ /${filter}/"
`;

describe('drover reload', () => {
  it('changing one filter while a syslog drain is down and its buffer holds lines loses none of them', async () => {
    const server = await SyslogNg.start('tcp');
    await server.stop();
    const app = tempDir({
      Procfile:
        'web: for i in $(seq 1 300); do echo "line $i"; [ $i = 100 ] && sleep 1.5; sleep 0.005; done; echo "noise-a"; echo "noise-b"; exec sleep 1000\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/200-drain.toml': drainConfig(server.port, 'noise-a'),
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"line 100"/);
    // The drain is down and holds lines 1-100; change the filter under it.
    writeFileSync(`${app}/drover/200-drain.toml`, drainConfig(server.port, 'noise-b'));
    const reloaded = await drover(['reload', '--json', '--socket', socket]);
    expect(reloaded.exitCode, String(reloaded.stderr)).toBe(0);
    const answer = JSON.parse(reloaded.stdout as string);
    expect(answer.outputs).toEqual({ kept: ['outputs.stdout', 'outputs.drain'], started: [], closed: [] });
    expect((await status(socket)).outputs['outputs.drain'].buffered).toBeGreaterThanOrEqual(100);
    await waitForLine(child, /"message":"noise-a"/, 20_000);
    await server.resume();
    const received = (await server.waitFor(301, 20_000)).map((l) => parseRfc5424(l).msg);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    // Every line once, in order; the new filter dropped noise-b, the old one would have dropped noise-a.
    expect(received).toEqual([...Array.from({ length: 300 }, (_, i) => `line ${i + 1}`), 'noise-a']);
  }, 60_000);

  it('an unchanged web keeps its pid and answers HTTP throughout; a changed type restarts one instance at a time', async () => {
    const port = await freePort();
    const web = `exec node -e "require('http').createServer((q, s) => s.end('ok ' + process.pid)).listen(process.env.PORT, () => console.log('listening'))"`;
    const app = tempDir({
      Procfile: `web: ${web}\nworker: echo "worker v1 $PS"; exec sleep 1000\nold: echo "old here"; exec sleep 1000\n`,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.worker]\nnumprocs = 2\nstartsecs = "300ms"\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, ['-p', String(port)], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"listening"/);
    await waitForLine(child, /"logger":"worker\.2".*"message":"worker v1 worker\.2"/);
    const webPid = await pidOf(socket, 'web.1');
    let answered = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await httpGet(port).then(
          () => answered++,
          (e: Error) => failures.push(e.message),
        );
        await sleep(20);
      }
    })();
    writeFileSync(`${app}/Procfile`, `web: ${web}\nworker: echo "worker v2 $PS"; exec sleep 1000\nextra: echo "extra here"; exec sleep 1000\n`);
    const reloaded = await drover(['reload', '--socket', socket]);
    expect(reloaded.exitCode, String(reloaded.stderr)).toBe(0);
    expect(reloaded.stdout).toContain('restarting, one at a time: worker.1, worker.2');
    expect(reloaded.stdout).toContain('starting: extra.1');
    expect(reloaded.stdout).toContain('stopping: old.1');
    await waitForLine(child, /"logger":"worker\.2".*"message":"worker v2 worker\.2"/, 20_000);
    await sleep(300);
    polling = false;
    await poller;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(10);
    expect(await pidOf(socket, 'web.1')).toBe(webPid);
    expect((await status(socket)).instances.map((i: { name: string }) => i.name)).toEqual(['web.1', 'worker.1', 'worker.2', 'extra.1']);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    // worker.2 is stopped only once the new worker.1 is up.
    const at = (m: string) => seen.indexOf(m);
    expect(at('worker.1: Stopping process with SIGTERM')).toBeLessThan(at('worker.2: Stopping process with SIGTERM'));
    expect(seen.lastIndexOf('worker.1: State changed from starting to up')).toBeLessThan(at('worker.2: Stopping process with SIGTERM'));
    expect(seen).toContain('extra.1: extra here');
    expect(seen.filter((m) => m.startsWith('web.1: Starting process'))).toHaveLength(1);
  }, 60_000);

  it('an invalid edit is refused with every error and the running configuration stays; SIGHUP reloads too', async () => {
    const app = tempDir({ Procfile: 'web: echo "v1"; exec sleep 1000\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"v1"/);
    const pid = await pidOf(socket, 'web.1');
    writeFileSync(`${app}/drover/100.toml`, '[processes.web]\nstopsignal = "TERMINATE"\nschedule = "61 * * * *"\n\n[outputs.x]\ntype = "nope"\n');
    const refused = await drover(['reload', '--socket', socket]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('drover reload: refused, the configuration has 3 errors (the running one stays):');
    expect(refused.stderr).toContain('option "schedule" = "61 * * * *", column 1: invalid minute "61"');
    expect(refused.stderr).toContain('option "stopsignal" must be one of');
    expect(refused.stderr).toContain('unknown output type "nope"');
    await waitForLine(child, /Reload \(drover reload\) refused: the configuration has 3 errors/);
    expect(await pidOf(socket, 'web.1')).toBe(pid);
    // Fixed, and sent by signal: applied.
    writeFileSync(`${app}/drover/100.toml`, '');
    writeFileSync(`${app}/Procfile`, 'web: echo "v2"; exec sleep 1000\n');
    child.kill('SIGHUP');
    await waitForLine(child, /"message":"v2"/, 20_000);
    expect(await pidOf(socket, 'web.1')).not.toBe(pid);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(
      messages(result.stdout).some((m) =>
        m.startsWith('supervisor: Reloaded the configuration (SIGHUP): outputs kept: outputs.stdout; restarting web.1 one at a time'),
      ),
    ).toBe(true);
  }, 60_000);

  it('[supervisor] watch = true reloads when the Procfile changes', async () => {
    const app = tempDir({
      Procfile: 'web: echo "v1"; exec sleep 1000\nworker: echo "w1"; exec sleep 1000\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[supervisor]\nwatch = true\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"w1"/);
    const webPid = await pidOf(socket, 'web.1');
    writeFileSync(`${app}/Procfile`, 'web: echo "v1"; exec sleep 1000\nworker: echo "w2"; exec sleep 1000\n');
    await waitForLine(child, /"message":"w2"/, 20_000);
    await waitForLine(child, /Reloaded the configuration \(a configuration file changed\)/);
    expect(await pidOf(socket, 'web.1')).toBe(webPid);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  }, 30_000);

  it('a new numprocs scales the type without restarting the instance it keeps', async () => {
    const app = tempDir({ Procfile: 'worker: echo "up $PS"; exec sleep 1000\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"up worker\.1"/);
    const pid = await pidOf(socket, 'worker.1');
    writeFileSync(`${app}/drover/100.toml`, '[processes.worker]\nnumprocs = 2\n');
    const reloaded = await drover(['reload', '--socket', socket]);
    expect(reloaded.stdout).toContain('starting: worker.2');
    expect(reloaded.stdout).not.toContain('restarting');
    await waitForLine(child, /"message":"up worker\.2"/);
    expect(await pidOf(socket, 'worker.1')).toBe(pid);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  }, 30_000);

  it('scheduled types: a new schedule applies from the next run, a new one is scheduled, a removed one ends', async () => {
    const app = tempDir({
      Procfile: 'web: exec sleep 1000\nnightly: echo "nightly ran"\ngone: echo "gone ran"\n',
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100.toml': '[processes.nightly]\nschedule = "0 3 * * *"\n\n[processes.gone]\nschedule = "* * * * * *"\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"gone ran"/);
    writeFileSync(`${app}/Procfile`, 'web: exec sleep 1000\nnightly: echo "nightly ran"\nfresh: echo "fresh ran"\n');
    writeFileSync(`${app}/drover/100.toml`, '[processes.nightly]\nschedule = "* * * * * *"\n\n[processes.fresh]\nschedule = "*/2 * * * * *"\n');
    const reloaded = await drover(['reload', '--socket', socket]);
    expect(reloaded.exitCode, String(reloaded.stderr)).toBe(0);
    expect(reloaded.stdout).toContain('rescheduled (from the next run): nightly, fresh');
    expect(reloaded.stdout).toContain('stopping: gone.1');
    await waitForLine(child, /"message":"nightly ran"/, 10_000);
    await waitForLine(child, /"message":"fresh ran"/, 10_000);
    const goneRuns = () => (child.output().match(/"message":"gone ran"/g) ?? []).length;
    const before = goneRuns();
    await sleep(2500);
    expect(goneRuns()).toBe(before);
    const status = await drover(['status', '--json', '--socket', socket]);
    expect(JSON.parse(status.stdout as string).schedules.map((s: { name: string; schedule: string }) => `${s.name} ${s.schedule}`)).toEqual([
      'nightly.1 * * * * * *',
      'fresh.1 */2 * * * * *',
    ]);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  }, 30_000);
});
