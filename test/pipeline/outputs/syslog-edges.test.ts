// Drain edge cases found in review: idle waits, connections still opening at close, UDP name errors, and
// a receiver that drops an idle connection.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { applySchema } from '../../../src/config/schema';
import { loadConfig } from '../../../src/config/load';
import { tempDir } from '../../helpers';
import { join } from 'node:path';
import { line, sleep, testContext } from './peers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function options(table: Record<string, unknown>) {
  const { options, problems } = applySchema(syslogOutput.schema, table);
  expect(problems).toEqual([]);
  return options as Record<string, any>;
}

/** A TCP server on loopback that hands each connection to `onSocket`; closed after the test. */
async function server(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const srv = createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    sockets.forEach((s) => s.destroy());
    srv.close();
  });
  return { server: srv, port: (srv.address() as { port: number }).port, sockets };
}

describe('syslog output edge cases', () => {
  it('does not pile up waiters while it goes idle between lines', async () => {
    const received: Buffer[] = [];
    const { port } = await server((s) => s.on('data', (d) => received.push(d)));
    const output = syslogOutput.create(options({ url: `syslog+tcp://127.0.0.1:${port}` }), testContext('outputs.drain'));
    for (let i = 0; i < 2000; i++) {
      output.write(line(`line ${i}`));
      await new Promise((r) => setImmediate(r));
    }
    // One waiter at most, however often the loop went idle.
    const signals = Object.values(output as object).filter((v) => v && typeof v === 'object' && Array.isArray((v as { waiters?: unknown }).waiters));
    expect(Math.max(...signals.map((s) => (s as { waiters: unknown[] }).waiters.length))).toBeLessThanOrEqual(1);
    await output.close(Date.now() + 2000);
    expect(Buffer.concat(received).toString()).toContain('line 1999');
  });

  it('keeps its close deadline while a TLS connection is still opening, and never sends after close', async () => {
    // Accepts TCP but never answers the TLS handshake; notes when the client goes away.
    let open = 0;
    const silent = await server((s) => {
      open++;
      s.resume();
      s.on('close', () => open--);
    });
    const output = syslogOutput.create(
      options({ url: `syslog+tls://127.0.0.1:${silent.port}`, connect_timeout: '8s', tls_verify: false }),
      testContext('outputs.drain'),
    );
    output.write(line('too late'));
    await sleep(100);
    const started = Date.now();
    await output.close(started + 500);
    expect(Date.now() - started).toBeLessThan(650);
    await sleep(200);
    // The half-open connection was dropped, not kept.
    expect(open).toBe(0);
  });

  it('reports why a UDP drain cannot resolve its host, and tries again', async () => {
    const context = testContext('outputs.drain');
    const output = syslogOutput.create(options({ url: 'syslog+udp://no-such-host.invalid:514', backoff_initial: '50ms' }), context);
    output.write(line('nowhere'));
    await sleep(400);
    await output.close(Date.now() + 100);
    const text = context.reports.map((r) => r.text).join('\n');
    expect(text).toMatch(/syslog\+udp:\/\/no-such-host\.invalid:514: getaddrinfo (ENOTFOUND|EAI_AGAIN)/);
    expect(text).not.toContain('Port should be');
  });

  it('sends again, rather than reporting lost, what was unconfirmed when the drain dropped an idle connection', async () => {
    const received: string[] = [];
    let connections = 0;
    const { port } = await server((s) => {
      connections++;
      s.on('data', (d) => received.push(d.toString()));
      // The first connection is closed by the receiver once it has read a little; later ones stay open.
      if (connections === 1) setTimeout(() => s.end(), 200);
    });
    const context = testContext('outputs.drain');
    const output = syslogOutput.create(options({ url: `syslog+tcp://127.0.0.1:${port}` }), context);
    for (let i = 0; i < 50; i++) output.write(line(`msg ${i}`));
    await sleep(500);
    await output.close(Date.now() + 3000);
    expect(context.reports.map((r) => r.text).join('\n')).not.toContain('lost');
    expect(output.stats!()).toMatchObject({ lost: 0 });
    expect(connections).toBe(2);
    expect(received.join('')).toContain('msg 49');
  });
});

describe('syslog output configuration edge cases', () => {
  const problemsOf = (toml: string) =>
    loadConfig({ dirs: [join(tempDir({ 'drover/100.toml': toml }), 'drover')], env: {}, mode: 'run' }).problems.map((p) => p.message);

  it('rejects structured data whose SD-ID holds a ] or whose parameter has no value', () => {
    for (const sd of ['[a]b]', '[a b]', '[a=b]']) {
      expect(problemsOf(`[outputs.d]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:514"\nstructured_data = '${sd}'\n`)[0]).toContain(
        'must be RFC 5424 structured data',
      );
    }
    expect(problemsOf(`[outputs.d]\ntype = "syslog"\nurl = "syslog+tcp://127.0.0.1:514"\nstructured_data = '[id@1 x="a\\]b"][b@1]'\n`)).toEqual([]);
  });

  it('rejects a UDP datagram size too small for the header', () => {
    expect(problemsOf('[outputs.d]\ntype = "syslog"\nurl = "syslog+udp://127.0.0.1:514"\nmax_datagram_size = 100\n')).toEqual([
      'option "max_datagram_size" must be at least 480 bytes (RFC 5426), got 100',
    ]);
  });
});
