import { describe, expect, it } from 'vitest';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { applySchema } from '../../../src/config/schema';
import { tempDir } from '../../helpers';
import { line, makeCertificates, parseRfc5424, SyslogNg, testContext } from './peers';

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
    expect(received[0]).toEqual({ pri: 1 * 8 + 3, version: 1, timestamp: '2026-01-02T03:04:05.000000+00:00', hostname: 'dynohost', appName: 'shop', procId: 'web.1', msgId: '-', structuredData: '[logentries@41058 token="abc"]', msg: 'hello' });
    expect(received[1]).toMatchObject({ pri: 14, procId: 'worker.2', timestamp: '2026-01-02T03:04:05.001000+00:00' });
    expect(output.stats!()).toMatchObject({ sent: 5, confirmed: 5, buffered: 0, dropped: 0 });
    expect(context.reports).toEqual([]);
  });

  it('sends newline-framed messages when asked, with another facility', async () => {
    const server = await SyslogNg.start('tcp', undefined, true);
    await sendAll({ url: `syslog://127.0.0.1:${server.port}`, framing: 'newline', facility: 'local7', app_name: 'billing' }, ['one', 'two\nparts']);
    const received = (await server.waitFor(2)).map(parseRfc5424);
    expect(received.map((r) => [r.pri, r.appName, r.msg])).toEqual([[23 * 8 + 3, 'billing', 'one'], [23 * 8 + 6, 'billing', 'two parts']]);
  });

  it('sends over TLS, verifying the server against ca_file', async () => {
    const certs = makeCertificates(tempDir());
    const server = await SyslogNg.start('tls', certs);
    const { context } = await sendAll({ url: `syslog+tls://localhost:${server.port}`, ca_file: certs.ca }, ['secret 1', 'secret 2'], { VCAP_APPLICATION: '{"application_name":"cf-app"}' });
    const received = (await server.waitFor(2)).map(parseRfc5424);
    expect(received.map((r) => [r.appName, r.msg])).toEqual([['cf-app', 'secret 1'], ['cf-app', 'secret 2']]);
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
    expect(unchecked.context.reports).toEqual([expect.objectContaining({ text: expect.stringMatching(/^outputs\.papertrail: tls_verify = false: the certificate of 127\.0\.0\.1 is not checked/), severity: 4 })]);
  });

  it('sends UDP datagrams, cut to max_datagram_size on a character boundary', async () => {
    const server = await SyslogNg.start('udp');
    await sendAll({ url: `syslog+udp://127.0.0.1:${server.port}`, max_datagram_size: 100 }, ['short', 'é'.repeat(100)]);
    const received = (await server.waitFor(2)).map(parseRfc5424);
    expect(received[0].msg).toBe('short');
    const header = `<14>1 2026-01-02T03:04:05.001000+00:00 dynohost shop worker.2 - - `.length;
    expect(received[1].msg).toBe('é'.repeat(Math.floor((100 - header) / 2)));
  });
});
