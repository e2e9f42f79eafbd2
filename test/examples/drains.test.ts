// examples/papertrail and examples/logentries: built with the buildpack, run as dynos, their drains received
// by a real syslog-ng on 127.0.0.1 (TLS with a CA made by openssl; TCP), parsed as RFC 5424.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftovers, tempDir } from '../helpers';
import { freePort, runDyno, Scratch, waitFor, webCommand } from '../buildpack/harness';
import { makeCertificates, parseRfc5424, SyslogNg } from '../pipeline/outputs/peers';
import { join } from 'node:path';
import { buildHeroku } from './harness';

const scratch = new Scratch();
const slugs: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ['papertrail', 'logentries']) slugs[name] = (await buildHeroku(scratch, name)).slug;
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Runs the web dyno of a built example with config vars set, until `ready` shows on its stdout (wrapped: the dyno itself is a promise of its exit). */
async function web(name: string, env: Record<string, string>, ready: RegExp) {
  const dyno = runDyno({
    app: slugs[name],
    command: webCommand(join(slugs[name], 'Procfile')),
    port: await freePort(),
    env: { HEROKU_APP_NAME: 'shop', ...env },
  });
  await waitFor(dyno, ready);
  return { dyno };
}

describe('examples/papertrail', () => {
  it('sends info and above over syslog+tls, verified against a CA given by NODE_EXTRA_CA_CERTS; stdout keeps every line', async () => {
    const certs = makeCertificates(tempDir());
    const server = await SyslogNg.start('tls', certs);
    const { dyno } = await web(
      'papertrail',
      { PAPERTRAIL_URL: `syslog+tls://localhost:${server.port}`, NODE_EXTRA_CA_CERTS: certs.ca },
      /ERROR payment provider timed out/,
    );
    const received = (await server.waitFor(5)).map(parseRfc5424);
    // drover's own lines (process started, exited, drops) go to the drain too: they say what happened to the app.
    expect(received.map((r) => r.msg)).toEqual([
      'Starting process with command `bash app.sh`',
      expect.stringMatching(/^Process started with pid \d+$/),
      expect.stringMatching(/^booting on port \d+$/),
      'INFO order 1001 paid',
      'ERROR payment provider timed out',
    ]);
    expect(received.slice(2).map((r) => [r.pri, r.appName, r.procId])).toEqual([
      [14, 'shop', 'web.1'],
      [14, 'shop', 'web.1'],
      [11, 'shop', 'web.1'],
    ]);
    // The debug line went to stdout only.
    expect(dyno.output()).toContain('DEBUG cache warmed');
    expect(dyno.output()).not.toMatch(/not trusted|outputs\.papertrail/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
    // The line printed during shutdown is flushed to the drain before drover exits.
    expect((await server.waitFor(4, 2000)).map((l) => parseRfc5424(l).msg)).toContain('shutting down');
  });
});

describe('examples/logentries', () => {
  it("puts the token from LOGENTRIES_TOKEN in each message's structured data", async () => {
    const server = await SyslogNg.start('tcp');
    const token = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';
    const { dyno } = await web('logentries', { LOGENTRIES_URL: `syslog+tcp://127.0.0.1:${server.port}`, LOGENTRIES_TOKEN: token }, /web\.1 started/);
    const received = (await server.waitFor(3)).map(parseRfc5424);
    expect(received.find((r) => r.msg === 'web.1 started')).toMatchObject({
      appName: 'shop',
      procId: 'web.1',
      structuredData: `[logentries@41058 token="${token}"]`,
    });
    expect(received.every((r) => r.structuredData === `[logentries@41058 token="${token}"]`)).toBe(true);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
