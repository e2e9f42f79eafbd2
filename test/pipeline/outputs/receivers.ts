// Misbehaving drain receivers on 127.0.0.1, for the fault tests: real sockets, real servers.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach } from 'vitest';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const server of open.splice(0)) server.close();
});

/** The messages of an octet-counted syslog stream (RFC 6587: `LEN SP MSG`), as they complete. */
export function frames(onMessage: (message: string) => boolean | undefined): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const space = pending.indexOf(32);
      if (space < 0) return;
      const length = Number(pending.subarray(0, space).toString());
      if (pending.length < space + 1 + length) return;
      const message = pending.subarray(space + 1, space + 1 + length).toString();
      pending = pending.subarray(space + 1 + length);
      if (onMessage(message) === false) return;
    }
  };
}

/**
 * A syslog receiver that reads `perConnection` messages on each connection and then closes it, throwing away
 * whatever else it received (the kernel answers what is left unread with a reset).
 */
export async function closingReceiver(perConnection: number): Promise<{ port: number; messages: string[]; connections: number; stop(): void }> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const state = { port: 0, messages, connections: 0, stop: (): void => undefined };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let taken = 0;
    let done = false;
    socket.on(
      'data',
      frames((message) => {
        if (done) return false;
        messages.push(message);
        if (++taken < perConnection) return true;
        done = true;
        socket.destroy();
        return false;
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  const close = () => {
    sockets.forEach((s) => s.destroy());
    server.close();
  };
  state.stop = close;
  open.push({ close });
  return state;
}

/** An HTTP receiver that answers 413 to any body over `maxBody` bytes and 200 otherwise, keeping what it took. */
export async function limitedHttpReceiver(maxBody: number): Promise<{ url: string; bodies: Buffer[]; refused: number[] }> {
  const bodies: Buffer[] = [];
  const refused: number[] = [];
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = Buffer.concat(parts);
      if (body.length > maxBody) {
        refused.push(body.length);
        response.writeHead(413, { 'Content-Type': 'text/plain' }).end('Payload Too Large');
      } else {
        bodies.push(body);
        response.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => server.close() });
  server.on('connection', (socket) => open.push({ close: () => socket.destroy() }));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/logs`, bodies, refused };
}
