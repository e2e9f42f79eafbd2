// `drover scale`: the running formation changes while lines flow; none is lost, ports follow foreman's rule.
import { afterEach, describe, expect, it } from 'vitest';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

// Each instance counts its lines; on SIGTERM it says how many it printed, and exits.
const COUNTER = `i=0; trap 'echo "last $i"; exit 0' TERM; echo "port $PORT"; while :; do i=$((i+1)); echo "n $i"; sleep 0.005; done`;

describe('drover scale', () => {
  it('scales up and down while lines flow: no line lost, ports as foreman assigns them', async () => {
    const app = tempDir({ Procfile: `web: ${COUNTER}\nworker: ${COUNTER}\n`, 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, ['-p', '7000'], { DROVER_SOCKET: socket });
    await waitForLine(child, /"logger":"worker\.1".*"message":"n 20"/);
    const up = await drover(['scale', 'web=3', 'worker=0', '--socket', socket]);
    expect(up.exitCode, String(up.stderr)).toBe(0);
    expect(up.stdout).toBe('Scaling: starting web.2, web.3; stopping worker.1');
    await waitForLine(child, /"logger":"web\.3".*"message":"n 20"/);
    const status = JSON.parse((await drover(['status', '--json', '--socket', socket])).stdout as string);
    expect(status.instances.map((i: { name: string }) => i.name)).toEqual(['web.1', 'web.2', 'web.3']);
    for (const i of status.instances) expect(['STARTING', 'RUNNING']).toContain(i.state);
    const down = await drover(['scale', 'web=1', '--socket', socket]);
    expect(down.stdout).toBe('Scaling: stopping web.3, web.2');
    await waitForLine(child, /"logger":"web\.2".*"message":"last \d+"/);
    await waitForLine(child, /"logger":"web\.3".*"message":"last \d+"/);
    // Scaling to 0 leaves drover running, ready to scale up again.
    expect((await drover(['scale', 'web=0', '--socket', socket])).exitCode).toBe(0);
    await waitForLine(child, /"logger":"web\.1".*"message":"last \d+"/);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      child.exitCode,
      child
        .output()
        .split('\n')
        .filter((l) => !l.includes('"message":"n '))
        .join('\n'),
    ).toBe(null);
    expect((await drover(['scale', 'worker=1', '--socket', socket])).stdout).toBe('Scaling: starting worker.1');
    for (const until = Date.now() + 10_000; (child.output().match(/"logger":"worker\.1".*"message":"n 10"/g) ?? []).length < 2 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    const lines = jsonLines(result.stdout).filter((l) => l.type !== 'drover');
    const ports: Record<string, string[]> = {};
    for (const name of ['web.1', 'web.2', 'web.3', 'worker.1']) {
      const own = lines.filter((l) => l.logger === name).map((l) => l.message);
      ports[name] = own.filter((m) => m.startsWith('port ')).map((m) => m.slice(5));
      // Every run of the instance: n 1 .. n LAST with no gap, then "last LAST".
      let expected = 1;
      for (const m of own) {
        if (m.startsWith('port ')) expected = 1;
        else if (m.startsWith('n ')) expect(m, `${name}`).toBe(`n ${expected++}`);
        else if (m.startsWith('last ')) expect(m, `${name}`).toBe(`last ${expected - 1}`);
      }
      expect(own.filter((m) => m.startsWith('last ')).length, name).toBe(ports[name].length);
    }
    // A plain process's own children are in its group: none is taken for a daemon.
    expect(result.stdout).not.toContain('left its process group');
    expect(ports).toEqual({ 'web.1': ['7000'], 'web.2': ['7001'], 'web.3': ['7002'], 'worker.1': ['7100', '7100'] });
  }, 60_000);

  it('names the lines once several instances run on a platform (format auto), and drops the names at one again', async () => {
    const app = tempDir({ Procfile: 'web: while :; do echo "tick $DYNO"; sleep 0.05; done\n' });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DYNO: 'web.1', DROVER_SOCKET: socket });
    // One instance on a dyno: raw, the platform names the dyno.
    await waitForLine(child, /^tick web\.1$/);
    expect((await drover(['scale', 'web=2', '--socket', socket])).exitCode).toBe(0);
    // Two: foreman-style names, for both.
    await waitForLine(child, /^\d\d:\d\d:\d\d web\.2 +\| tick web\.2$/);
    await waitForLine(child, /^\d\d:\d\d:\d\d web\.1 +\| tick web\.1$/);
    expect((await drover(['scale', 'web=1', '--socket', socket])).exitCode).toBe(0);
    await waitForLine(child, /Process was killed by SIGTERM/);
    const seen = child.output().length;
    for (const until = Date.now() + 10_000; !/\ntick web\.1\n/.test(child.output().slice(seen)) && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 25));
    expect(child.output().slice(seen)).toMatch(/\ntick web\.1\n/);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  }, 30_000);

  it('refuses a wrong formation with the reason, and says when no supervisor runs', async () => {
    const app = tempDir({ Procfile: 'web: exec sleep 1000\n', 'drover/009-stdout.toml': JSON_STDOUT });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /Process started/);
    const unknown = await drover(['scale', 'wbe=2', '--socket', socket]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toBe('drover scale: unknown process type "wbe" in the formation: the Procfile and config define web');
    const bad = await drover(['scale', 'web=two', '--socket', socket]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('expected TYPE=COUNT, e.g. web=2, got "web=two"');
    child.kill('SIGTERM');
    await child;
    const none = await drover(['scale', 'web=2', '--socket', `${app}/none.sock`]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('no drover supervisor is running');
  }, 30_000);
});
