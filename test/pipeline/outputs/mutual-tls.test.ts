// Mutual TLS on every TLS drain (syslog+tls, http, otlp): receivers that require a client certificate.
import { chmodSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { applySchema, type Schema } from '../../../src/config/schema';
import type { ComponentDefinition } from '../../../src/pipeline/component';
import { httpOutput } from '../../../src/pipeline/outputs/http';
import { otlpOutput } from '../../../src/pipeline/outputs/otlp';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { tempDir } from '../../helpers';
import { line, makeCertificates, makeClientCertificate, parseRfc5424, sleep, SyslogNg, testContext } from './peers';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

function create(definition: ComponentDefinition<'outputs'>, table: Record<string, unknown>) {
  const { options, problems } = applySchema(definition.schema as Schema, { backoff_initial: '50ms', backoff_max: '200ms', ...table });
  expect(problems).toEqual([]);
  expect(definition.check?.(options) ?? []).toEqual([]);
  const context = testContext('outputs.drain', { HEROKU_APP_NAME: 'shop' });
  return { output: definition.create(options, context), context };
}

/**
 * Waits until a report matches, or `timeout` passes; returns the reports' text. `poke`, if given, runs every
 * 200 ms meanwhile (a stream drain notices a connection the receiver dropped only at its next write).
 */
async function reportsUntil(context: ReturnType<typeof testContext>, pattern: RegExp, poke?: () => void, timeout = 10_000): Promise<string> {
  const end = Date.now() + timeout;
  for (let i = 1; !context.reports.some((r) => pattern.test(r.text)) && Date.now() < end; i++) {
    await sleep(50);
    if (i % 4 === 0) poke?.();
  }
  return context.reports.map((r) => r.text).join('\n');
}

/** An HTTPS server that requires a client certificate signed by `ca`, and records the name of each client it took. */
async function mutualTlsServer(certs: { ca: string; cert: string; key: string }) {
  const clients: string[] = [];
  const s = createServer(
    { cert: readFileSync(certs.cert), key: readFileSync(certs.key), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      clients.push(String((request.socket as TLSSocket).getPeerCertificate().subject.CN));
      request.resume();
      request.on('end', () => response.end('{}'));
    },
  );
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { clients, port: (s.address() as { port: number }).port };
}

describe('mutual TLS', () => {
  it("syslog+tls: syslog-ng that requires a client certificate takes drover's and refuses a connection without one, which drover says clearly", async () => {
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const client = makeClientCertificate(dir);
    const server = await SyslogNg.start('tls', { ...certs, clientCa: certs.ca });

    const withCert = create(syslogOutput, { url: `syslog+tls://localhost:${server.port}`, ca_file: certs.ca, cert_file: client.cert, key_file: client.key });
    withCert.output.write(line('with a certificate'));
    await withCert.output.close(Date.now() + 5000);
    expect((await server.waitFor(1)).map((l) => parseRfc5424(l).msg)).toEqual(['with a certificate']);
    expect(withCert.context.reports).toEqual([]);

    const without = create(syslogOutput, { url: `syslog+tls://localhost:${server.port}`, ca_file: certs.ca });
    without.output.write(line('without a certificate'));
    const said = await reportsUntil(without.context, /client certificate/, () => without.output.write(line('without a certificate')));
    await without.output.close(Date.now() + 500);
    expect(said).toMatch(
      /^Error L13 \(delivery error\): outputs\.drain: syslog\+tls:\/\/localhost:\d+ (requires a client certificate and refused the connection without one|ended the TLS handshake) \(TLS alert "[a-z ]+"\): set cert_file and key_file \(mutual TLS\); retrying in/m,
    );
    expect(server.lines().map((l) => parseRfc5424(l).msg)).toEqual(['with a certificate']);
  });

  for (const definition of [httpOutput, otlpOutput]) {
    it(`${definition.type}: presents cert_file to a server that requires one, and says clearly when there is none`, async () => {
      const dir = tempDir();
      const certs = makeCertificates(dir);
      const client = makeClientCertificate(dir, 'shop-client');
      const { clients, port } = await mutualTlsServer(certs);
      const withCert = create(definition, {
        url: `https://localhost:${port}/v1/logs`,
        ca_file: certs.ca,
        cert_file: client.cert,
        key_file: client.key,
        batch_interval: '20ms',
      });
      withCert.output.write(line('hello'));
      await withCert.output.close(Date.now() + 5000);
      expect(clients).toEqual(['drover shop-client']);
      expect(withCert.output.stats!()).toMatchObject({ sent: 1, retries: 0 });
      expect(withCert.context.reports).toEqual([]);

      const without = create(definition, { url: `https://localhost:${port}/v1/logs`, ca_file: certs.ca, batch_interval: '20ms' });
      without.output.write(line('hello'));
      const said = await reportsUntil(without.context, /client certificate/);
      await without.output.close(Date.now() + 500);
      expect(said).toMatch(
        /^Error L13 \(delivery error\): outputs\.drain: https:\/\/localhost:\d+\/v1\/logs (requires a client certificate and refused the connection without one|ended the TLS handshake) \(TLS alert "[a-z ]+"\): set cert_file and key_file \(mutual TLS\); retrying in/m,
      );
      expect(clients).toHaveLength(1);
    });
  }

  it('warns at start about a key file others can read and a client certificate that expires within 14 days', async () => {
    const dir = tempDir();
    makeCertificates(dir);
    const fresh = makeClientCertificate(dir, 'fresh', 30);
    const soon = makeClientCertificate(dir, 'soon', 3);
    const url = 'https://localhost:1/logs';

    const quiet = create(httpOutput, { url, cert_file: fresh.cert, key_file: fresh.key });
    await quiet.output.close(Date.now());
    chmodSync(soon.key, 0o644);
    for (const definition of [httpOutput, otlpOutput, syslogOutput]) {
      const { output, context } = create(definition, {
        url: definition === syslogOutput ? 'syslog+tls://localhost:1' : url,
        cert_file: soon.cert,
        key_file: soon.key,
      });
      await output.close(Date.now()); // says what is pending
      const said = context.reports.map((r) => r.text);
      expect(said).toContainEqual(expect.stringMatching(/^outputs\.drain: key_file ".*soon\.key" can be read by every user \(mode 0644\); chmod 600 it$/));
      expect(said).toContainEqual(
        expect.stringMatching(/^outputs\.drain: the client certificate in cert_file ".*soon\.crt" expires on \d{4}-\d\d-\d\dT[\d:.]+Z, in 2 days; renew it$/),
      );
      expect(context.reports.every((r) => r.severity === 4)).toBe(true);
    }
    expect(quiet.context.reports).toEqual([]);
  });

  it('checks that cert_file and key_file come together and only with https', () => {
    const problems = (table: Record<string, unknown>) => httpOutput.check!(applySchema(httpOutput.schema, table).options);
    expect(problems({ url: 'https://x.example/', cert_file: 'c.pem' })).toEqual([
      { key: 'cert_file', message: 'options "cert_file" and "key_file" go together: set both or neither' },
    ]);
    expect(problems({ url: 'http://x.example/', cert_file: 'c.pem', key_file: 'k.pem' }).map((p) => p.message)).toEqual([
      'option "cert_file" applies to https:// URLs only, and url is "http://x.example/"',
      'option "key_file" applies to https:// URLs only, and url is "http://x.example/"',
    ]);
  });
});
