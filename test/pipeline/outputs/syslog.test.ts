import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { applySchema } from '../../../src/config/schema';
import { tempDir } from '../../helpers';
import { line, makeCertificates, parseRfc5424, sleep, SyslogNg, testContext } from './peers';
import { join } from 'node:path';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Options as the config loader would hand them over (defaults filled in, units converted). */
function options(table: Record<string, unknown>) {
  const { options, problems } = applySchema(syslogOutput.schema, table);
  expect(problems).toEqual([]);
  return options as Record<string, any>;
}

async function sendAll(table: Record<string, unknown>, texts: string[], env: NodeJS.ProcessEnv = { HEROKU_APP_NAME: 'shop' }, wait = 5000) {
  const context = testContext('outputs.papertrail', env);
  const output = syslogOutput.create(options(table), context);
  texts.forEach((text, i) => output.write(line(text, i % 2 ? 'worker.2' : 'web.1', i % 3 ? 'stdout' : 'stderr', Date.UTC(2026, 0, 2, 3, 4, 5, i))));
  await output.close(Date.now() + wait);
  return { context, output };
}

describe('syslog output against syslog-ng', () => {
  it('sends RFC 5424 over TCP with octet counting, with the fields a drain expects', async () => {
    const server = await SyslogNg.start('tcp');
    const texts = ['hello', 'ünïcödé ✓', 'with "quotes" and [brackets]', ' leading space', 'x'.repeat(5000)];
    const { context, output } = await sendAll({ url: `syslog+tcp://127.0.0.1:${server.port}`, structured_data: '[logentries@41058 token="abc"]' }, texts);
    const received = (await server.waitFor(texts.length)).map(parseRfc5424);
    expect(received.map((r) => r.msg)).toEqual(texts);
    expect(received[0]).toEqual({
      pri: 1 * 8 + 3,
      version: 1,
      timestamp: '2026-01-02T03:04:05.000000+00:00',
      hostname: 'dynohost',
      appName: 'shop',
      procId: 'web.1',
      msgId: '-',
      structuredData: '[logentries@41058 token="abc"]',
      msg: 'hello',
    });
    expect(received[1]).toMatchObject({ pri: 14, procId: 'worker.2', timestamp: '2026-01-02T03:04:05.001000+00:00' });
    expect(output.stats!()).toMatchObject({ sent: 5, confirmed: 5, buffered: 0, dropped: 0 });
    expect(context.reports).toEqual([]);
  });

  it('sends newline-framed messages when asked, with another facility', async () => {
    const server = await SyslogNg.start('tcp', undefined, true);
    await sendAll({ url: `syslog://127.0.0.1:${server.port}`, framing: 'newline', facility: 'local7', app_name: 'billing' }, ['one', 'two\nparts']);
    const received = (await server.waitFor(2)).map(parseRfc5424);
    expect(received.map((r) => [r.pri, r.appName, r.msg])).toEqual([
      [23 * 8 + 3, 'billing', 'one'],
      [23 * 8 + 6, 'billing', 'two parts'],
    ]);
  });

  it('sends over TLS, verifying the server against ca_file', async () => {
    const certs = makeCertificates(tempDir());
    const server = await SyslogNg.start('tls', certs);
    const { context } = await sendAll({ url: `syslog+tls://localhost:${server.port}`, ca_file: certs.ca }, ['secret 1', 'secret 2'], {
      VCAP_APPLICATION: '{"application_name":"cf-app"}',
    });
    const received = (await server.waitFor(2)).map(parseRfc5424);
    expect(received.map((r) => [r.appName, r.msg])).toEqual([
      ['cf-app', 'secret 1'],
      ['cf-app', 'secret 2'],
    ]);
    expect(context.reports).toEqual([]);
  });

  it('refuses an untrusted server, and says why; tls_verify = false is warned about', async () => {
    const certs = makeCertificates(tempDir());
    const server = await SyslogNg.start('tls', certs);
    const refused = await sendAll({ url: `syslog+tls://127.0.0.1:${server.port}`, backoff_initial: '50ms' }, ['not for strangers'], undefined, 500);
    expect(server.lines()).toEqual([]);
    expect(refused.context.reports.map((r) => r.text).join('\n')).toMatch(/TLS certificate of syslog\+tls:\/\/127\.0\.0\.1:\d+ not trusted: .*set ca_file/);
    expect(refused.output.stats!()).toMatchObject({ lost: 1 });

    const unchecked = await sendAll({ url: `syslog+tls://127.0.0.1:${server.port}`, tls_verify: false }, ['anyone may read this']);
    expect((await server.waitFor(1)).map((l) => parseRfc5424(l).msg)).toEqual(['anyone may read this']);
    expect(unchecked.context.reports).toEqual([
      expect.objectContaining({
        text: expect.stringMatching(/^outputs\.papertrail: tls_verify = false: the certificate of 127\.0\.0\.1 is not checked/),
        severity: 4,
      }),
    ]);
  });

  it('sends UDP datagrams of at most max_datagram_size, a longer message in several (cut with max_line_length = 0), on character boundaries', async () => {
    const server = await SyslogNg.start('udp');
    await sendAll({ url: `syslog+udp://127.0.0.1:${server.port}`, max_datagram_size: 100 }, ['short', 'é'.repeat(100)]);
    const received = (await server.waitFor(8)).map(parseRfc5424);
    expect(received[0].msg).toBe('short');
    const header = `<14>1 2026-01-02T03:04:05.001000+00:00 dynohost shop worker.2 - - `.length;
    const pieces = received.slice(1).map((r) => r.msg);
    expect(pieces.join('')).toBe('é'.repeat(100));
    for (const piece of pieces) expect(header + Buffer.byteLength(piece)).toBeLessThanOrEqual(100);
    const cut = await SyslogNg.start('udp');
    await sendAll({ url: `syslog+udp://127.0.0.1:${cut.port}`, max_datagram_size: 100, max_line_length: 0 }, ['short', 'é'.repeat(100)]);
    expect((await cut.waitFor(2)).map((l) => parseRfc5424(l).msg)[1]).toBe('é'.repeat(Math.floor((100 - header) / 2)));
  });

  it('keeps what it could not send in a disk buffer, and sends it after a restart of drover', async () => {
    const server = await SyslogNg.start('tcp');
    await server.stop(); // the drain is down while drover runs the first time
    const path = tempDir();
    const table = { url: `syslog+tcp://127.0.0.1:${server.port}`, backoff_initial: '50ms', buffer: { type: 'disk', path } };
    const first = await sendAll(
      table,
      Array.from({ length: 1000 }, (_, i) => `kept ${i}`),
      undefined,
      300,
    );
    expect(first.output.stats!()).toMatchObject({ buffered: 1000, lost: 0 });
    expect(first.context.reports.at(-1)!.text).toBe('outputs.papertrail: kept 1000 messages in the disk buffer; they are sent at the next start');

    await server.resume();
    const second = await sendAll(table, ['after restart']);
    const received = (await server.waitFor(1001)).map((l) => parseRfc5424(l).msg);
    expect(received).toEqual([...Array.from({ length: 1000 }, (_, i) => `kept ${i}`), 'after restart']);
    expect(second.context.reports[0].text).toBe('outputs.papertrail: resuming 1000 messages left in the disk buffer by the last run');
  });

  it('detects a receiver that accepts the connection but never reads (write_timeout), and reconnects', async () => {
    const stuck: Socket[] = [];
    const silent = createServer((socket) => {
      socket.pause();
      stuck.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      stuck.forEach((s) => s.destroy());
      silent.close();
    });
    const context = testContext('outputs.papertrail');
    const output = syslogOutput.create(
      options({
        url: `syslog+tcp://127.0.0.1:${(silent.address() as { port: number }).port}`,
        write_timeout: '400ms',
        backoff_initial: '50ms',
        buffer: { max_size: '64MB', max_events: 100000 },
      }),
      context,
    );
    const big = 'z'.repeat(9_990); // under the 10,000-byte split
    for (let i = 0; i < 3000; i++) output.write(line(`${i} ${big}`)); // 30 MB: more than the kernel buffers hold
    const started = Date.now();
    while (!context.reports.some((r) => r.text.includes('write timeout')) && Date.now() - started < 10_000) await sleep(50);
    expect(context.reports.map((r) => r.text).join('\n')).toMatch(
      /write timeout: syslog\+tcp:\/\/127\.0\.0\.1:\d+ took no data for 400 ms \(write_timeout\); reconnecting/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(300);
    expect(stuck.length).toBeGreaterThan(1); // it connected again
    await output.close(Date.now() + 200);
    expect(output.stats!()).toMatchObject({ write_timeouts: expect.any(Number) });
    expect((output.stats!().lost as number) + (output.stats!().confirmed as number)).toBe(3000);
  });
});

describe('syslog output configuration', () => {
  const load = (toml: string, env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ dirs: [join(tempDir({ 'drover/100-drains.toml': toml }), 'drover')], env, mode: 'run' });

  it('loads the example from the issue', () => {
    const { config, problems } = load(
      `[outputs.papertrail]\ntype = "syslog"\nurl = "\${PAPERTRAIL_URL}"\nmatch = "Severity <= 6"\nbuffer = { type = "disk", max_size = "256MB", when_full = "block" }\n`,
      { PAPERTRAIL_URL: 'syslog+tls://logs.example.com:12345' },
    );
    expect(problems).toEqual([]);
    expect(config.outputs[0].options).toMatchObject({
      url: 'syslog+tls://logs.example.com:12345',
      facility: 'user',
      framing: 'octet-counting',
      tls_verify: true,
      buffer: { type: 'disk', max_size: 256 * 1024 * 1024, when_full: 'block', segment_size: 16 * 1024 * 1024 },
    });
  });

  it('rejects a bad URL, options of another buffer type, and malformed structured data, naming each', () => {
    const { problems } = load(
      '[outputs.a]\ntype = "syslog"\nurl = "tcp://logs.example.com"\nstructured_data = "token=abc"\nbuffer = { type = "memory", path = "/tmp/x", when_full = "wait" }\n[outputs.b]\ntype = "syslog"\nurl = "syslog+udp://h:514"\nca_file = "ca.pem"\nbuffer = { type = "tape" }\n',
    );
    expect(problems.map((p) => `${p.line} ${p.component} ${p.message}`)).toEqual([
      expect.stringMatching(
        /^3 outputs\.a option "url" must be a drain URL with a port, such as "syslog\+tls:\/\/logs\.example\.com:12345".*got string "tcp:\/\/logs\.example\.com"$/,
      ),
      '5 outputs.a unknown option "buffer.path"',
      '5 outputs.a option "buffer.when_full" must be one of "block", "drop_newest", "drop_oldest", got string "wait"',
      '10 outputs.b option "buffer.type" must be one of "memory", "disk", got string "tape"',
    ]);
    // Cross-option checks run once the options themselves are valid.
    const more = load('[outputs.a]\ntype = "syslog"\nurl = "syslog+udp://h:514"\nstructured_data = "token=abc"\nca_file = "ca.pem"\n');
    expect(more.problems.map((p) => p.message)).toEqual([
      'option "structured_data" must be RFC 5424 structured data such as [id@12345 key="value"], got "token=abc"',
      'option "ca_file" applies to syslog+tls:// URLs only, and url is "syslog+udp://h:514"',
    ]);
  });
});
