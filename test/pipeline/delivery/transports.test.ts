// The transports' use of a memory buffer's records: views of its chunks written as they are (streams), and
// bodies joined in reused memory (http), against real sockets on 127.0.0.1.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBuffer } from '../../../src/pipeline/buffers/memory';
import { CHUNK_SIZE } from '../../../src/pipeline/buffers/record-chunks';
import { HttpTransport } from '../../../src/pipeline/delivery/http-transport';
import { StreamTransport } from '../../../src/pipeline/delivery/stream-transport';

const servers: (Server | HttpServer)[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Records of varied sizes, numbered, spanning several chunks of the buffer, with one larger than a chunk. */
function records(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`<${i}>${'x'.repeat(i === 700 ? CHUNK_SIZE + 10 : (i * 37) % 500)}\n`));
}

describe('transports over a memory buffer', () => {
  it('a stream gets the bytes of every record in order, written from the chunks without a copy', async () => {
    const got: Buffer[] = [];
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const server = createServer((socket) => {
      socket.on('data', (c) => got.push(c));
      socket.on('end', () => {
        socket.end();
        closed();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = new StreamTransport({
      scheme: 'syslog',
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      connectTimeout: 5000,
      writeTimeout: 10_000,
      resendWindow: 1 << 20,
      confirmAfter: 60_000,
    });
    const buffer = new MemoryBuffer({ maxEvents: 100_000, maxSize: 1 << 30, whenFull: 'block' });
    const all = records(2000);
    for (const r of all) buffer.push(r);
    while (buffer.pending) buffer.confirm(await transport.send(buffer.take(300, 256 * 1024)));
    // Records scattered in memory (each a Buffer of its own, as a disk buffer's are not next to each other): copied into one.
    const scattered = records(100).map((r) => Buffer.from(r));
    await transport.send(scattered);
    expect(await transport.finish(Date.now() + 10_000)).toBe(true);
    await done;
    expect(Buffer.concat(got).equals(Buffer.concat([...all, ...scattered]))).toBe(true);
    transport.destroy();
  });

  it('http bodies are joined in memory reused from request to request, each one whole, gzip or not', async () => {
    for (const gzip of [false, true]) {
      const bodies: Buffer[] = [];
      const server = createHttpServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (c: Buffer) => chunks.push(c));
        request.on('end', () => {
          const raw = Buffer.concat(chunks);
          bodies.push(request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
          response.writeHead(200).end();
        });
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const transport = new HttpTransport({
        url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`),
        gzip,
        headers: {},
        timeout: 10_000,
        framing: { contentType: 'text/plain', body: (rs) => [Buffer.from('['), ...rs, Buffer.from(']')] },
      });
      const buffer = new MemoryBuffer({ maxEvents: 100_000, maxSize: 1 << 30, whenFull: 'block' });
      const all = records(1500);
      for (const r of all) buffer.push(r);
      // Batches that shrink and grow: a shorter body after a longer one in the same memory must not carry its tail.
      const sizes = [600, 50, 400, 10, 440];
      const sent: Buffer[][] = [];
      for (const size of sizes) {
        const batch = buffer.take(size, Infinity);
        sent.push(batch.map((r) => Buffer.from(r)));
        expect(await transport.send(batch, 0)).toBe(batch.length);
        buffer.confirm(batch.length);
      }
      expect(bodies.map(String)).toEqual(sent.map((batch) => `[${Buffer.concat(batch)}]`));
      expect(Buffer.concat(sent.flat()).equals(Buffer.concat(all))).toBe(true);
      transport.destroy();
    }
  });
});
