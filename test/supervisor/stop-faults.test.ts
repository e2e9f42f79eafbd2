// A stop while something downstream has stopped reading: the budget holds, and an exit in time is not an R12.
import { execa } from 'execa';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../helpers';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

/** A TCP receiver on 127.0.0.1 that accepts connections and never reads from them. */
async function deafReceiver(): Promise<number> {
  const server = createServer((socket) => {
    socket.pause();
    sockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('stopping while output is stuck', () => {
  it('ends within the stop budget on SIGTERM when nobody reads its stdout any more', async () => {
    const app = tempDir({
      Procfile: `web: yes 'a line that fills the pipe nobody reads'\n`,
      'drover/009-stdout.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\n',
      'drover/100.toml': '[processes.web]\nstopwaitsecs = "3s"\n',
    });
    const [k, v] = TEST_MARK.split('=');
    const child = execa(DROVER, ['start'], { cwd: app, reject: false, stdout: 'pipe', buffer: false, env: { [k]: v }, forceKillAfterDelay: false });
    child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const stopped = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    const took = Date.now() - stopped;
    // The promise: the longest stopwaitsecs (3 s here, 25 s by default: Heroku's SIGKILL comes at 30 s). It
    // used to take 5.5 s more.
    expect(took).toBeGreaterThan(2500);
    expect(took).toBeLessThan(4500);
    // Ended by its own SIGTERM when a blocking write was under way (process.exit would wait for it), else by
    // exiting with the app's status: either way within the budget.
    expect(result.signal === 'SIGTERM' || result.exitCode === 0, `exit ${result.exitCode} signal ${result.signal}`).toBe(true);
    child.stdout!.destroy();
  }, 30_000);

  it('does not call a process that exits at once on SIGTERM an exit timeout when a blocking drain holds its output', async () => {
    const port = await deafReceiver();
    const app = tempDir({
      Procfile: `web: yes 'a line for a drain that never reads'\n`,
      'drover/009-stdout.toml': JSON_STDOUT + 'match = "Type != \'log\'"\n',
      'drover/100.toml': `[processes.web]\nstopwaitsecs = "2s"\n\n[outputs.drain]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:${port}"\nwrite_timeout = "60s"\nbuffer = { type = "memory", max_events = 1000, when_full = "block" }\n`,
    });
    const child = startDrover(app);
    await waitForLine(child, /State changed from starting to up/, 10_000);
    const result = await (child.kill('SIGTERM'), child);
    const messages = jsonLines(result.stdout).map((l) => `${l.logger}: ${l.message}`);
    expect(messages.join('\n')).not.toMatch(/R12|SIGKILL/);
    expect(messages).toContain('web.1: Process was killed by SIGTERM (status 143)');
    expect(messages).toContain(
      'web.1: Process exited; its output not yet read when stopwaitsecs ran out is left unread (an output is full, or a child of it holds the pipe)',
    );
    // What the drain held could not be sent: reported as lost, not silently dropped.
    expect(messages.join('\n')).toMatch(/outputs\.drain: Error L10 \(output buffer overflow\): outputs\.drain lost \d+ messages at shutdown/);
    expect(result.exitCode).toBe(0);
  }, 30_000);
});
