// The control socket: `drover status` and `drover restart` talk to a running supervisor over it.
import { createServer, createConnection, type Server } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Supervisor } from './supervisor';

export type ControlRequest = { command: 'status' } | { command: 'restart'; name: string };

/** The socket of the supervisor of an app: `[supervisor] control_socket`, $DROVER_SOCKET, else one per app dir in $TMPDIR. */
export function controlSocketPath(appDir: string, configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  if (env.DROVER_SOCKET) return env.DROVER_SOCKET;
  return join(tmpdir(), `drover-${process.getuid?.() ?? 0}-${fnv1a(appDir)}.sock`);
}

/** FNV-1a of a string, 8 hex digits: a short stable name, without loading node:crypto (and OpenSSL) at start-up. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Serves one JSON request per connection; the socket is readable by its owner only (0600). */
export async function serveControl(path: string, supervisor: Supervisor): Promise<Server> {
  if (existsSync(path)) {
    if (await answers(path)) throw new Error(`another drover supervisor answers on ${path}; stop it, or set DROVER_SOCKET for this one`);
    unlinkSync(path); // left by a supervisor that was killed
  }
  const server = createServer((socket) => {
    let input = '';
    socket.setEncoding('utf8');
    socket.on('data', (data) => {
      input += data;
      const nl = input.indexOf('\n');
      if (nl < 0) return;
      socket.end(JSON.stringify(answer(input.slice(0, nl), supervisor)) + '\n');
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      server.unref();
      resolve(server);
    });
  });
}

/** True when something accepts connections on the socket. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

function answer(line: string, supervisor: Supervisor): unknown {
  let request: ControlRequest;
  try {
    request = JSON.parse(line);
  } catch {
    return { error: 'the request is not JSON' };
  }
  switch (request.command) {
    case 'status':
      return supervisor.status();
    case 'restart': {
      if (supervisor.stopping) return { error: 'the supervisor is shutting down' };
      const restarted = supervisor.restart(request.name);
      return restarted.length ? { restarted } : { error: `no process named "${request.name}" (known: ${supervisor.instances.map((i) => i.name).join(', ')})` };
    }
    default:
      return { error: `unknown command ${JSON.stringify((request as { command: unknown }).command)}` };
  }
}

/** Sends one request to a running supervisor and returns its answer. */
export function requestControl(path: string, request: ControlRequest, timeout = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let output = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeout, () => socket.destroy(new Error(`no answer from the supervisor on ${path} within ${timeout} ms`)));
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (d) => (output += d));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(output));
      } catch {
        reject(new Error(`the supervisor on ${path} answered something that is not JSON`));
      }
    });
    socket.on('error', reject);
  });
}
