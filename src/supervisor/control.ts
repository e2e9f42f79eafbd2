// The control socket: `drover status` and `drover restart` talk to a running supervisor over it.
import { createServer, createConnection, type Server } from 'node:net';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Supervisor } from './supervisor';
import { scale } from './scale';
import { reload } from './reload';
import { logsRequest, type LogsRequest } from './log-frames';

export type ControlRequest = { command: 'status' } | { command: 'restart'; name: string } | { command: 'run'; name: string } | { command: 'scale'; formation: string } | { command: 'reload' } | LogsRequest;

/** The socket of the supervisor of an app: `[supervisor] control_socket`, $DROVER_SOCKET, else one per app dir in controlDir(). */
export function controlSocketPath(appDir: string, configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  if (env.DROVER_SOCKET) return env.DROVER_SOCKET;
  return join(controlDir(), `${fnv1a(appDir)}.sock`);
}

/**
 * `$TMPDIR/drover-<uid>`: the directory of the default sockets. Only its owner can create a socket in it (0700,
 * checked), so nobody else can put a socket of their own at the path `drover status` will ask.
 */
export function controlDir(): string {
  return join(tmpdir(), `drover-${uid()}`);
}

/** A control socket that is not safe to use, or not ours: the message says whose it is and what to do. */
export class ControlError extends Error {
  override name = 'ControlError';
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** A user's name from /etc/passwd, for messages ("root (uid 0)"). */
function describeUid(id: number): string {
  try {
    const row = readFileSync('/etc/passwd', 'utf8').split('\n').find((r) => r.split(':')[2] === String(id));
    return row ? `${row.split(':')[0]} (uid ${id})` : `uid ${id}`;
  } catch {
    return `uid ${id}`;
  }
}

/**
 * `$TMPDIR/drover-<uid>/NAME`, made if need be: the default place of drover's own files (disk buffers, input
 * checkpoints), in the checked 0700 directory of the control sockets, so that no other user can create it first
 * (with a symlink, say) and have drover write where they choose or read what it wrote.
 */
export function privateSubdir(name: string): string {
  ensurePrivateDir(controlDir());
  const dir = join(controlDir(), name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Makes `dir` (mode 0700) or checks the one there: a directory of ours that nobody else can write into. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Ours, but opened up (by hand, or an old umask): nobody else may create or replace sockets in it.
  if (checkDir(dir) & 0o077) chmodSync(dir, 0o700);
}

/** Throws unless `dir` is a directory (not a symlink) owned by the caller; returns its mode. */
function checkDir(dir: string): number {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0o700; // nothing there yet: the socket is missing too
    throw error;
  }
  if (!stat.isDirectory()) throw new ControlError(`${dir} should be drover's directory for control sockets, but it is not a directory (someone may have put it there): remove it, or set DROVER_SOCKET to a path in a directory of yours`);
  if (stat.uid !== uid()) throw new ControlError(`${dir} should be drover's directory for control sockets, but it belongs to ${describeUid(stat.uid)}, not to you, ${describeUid(uid())}: someone else made it, maybe to put a socket of theirs where drover status would ask; remove it, or set DROVER_SOCKET to a path in a directory of yours`);
  return stat.mode;
}

/**
 * Refuses a socket another user could have made: it must be a socket owned by the caller (whose supervisor it
 * asks). A socket the caller cannot even look at gets a "permission denied" that says whose it is.
 */
export function checkSocketOwner(path: string): void {
  if (dirname(path) === controlDir()) checkDir(controlDir());
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    throw new ControlError(`permission denied: ${path} is in a directory of ${ownerOf(dirname(path))}, and you are ${describeUid(uid())}: only the user who ran drover start can ask its supervisor; run this command as that user`);
  }
  if (!stat.isSocket()) throw new ControlError(`${path} is not a socket (it is not drover's control socket): pass -s the socket drover start made, or remove that file`);
  if (stat.uid !== uid()) throw new ControlError(`permission denied: the control socket ${path} belongs to ${describeUid(stat.uid)}, and you are ${describeUid(uid())}: only the user who ran drover start can ask its supervisor (and a socket of someone else's is not trusted); run this command as that user`);
}

/**
 * For a `drover status` that finds no socket of its own: the control directories of other users in $TMPDIR, as
 * a sentence saying that a supervisor there is not theirs to ask; empty when there are none.
 */
export function otherUsersSupervisors(): string {
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir()).filter((n) => /^drover-\d+$/.test(n) && n !== `drover-${uid()}`);
  } catch {
    // no $TMPDIR to list
  }
  const owners = names.map((n) => `${join(tmpdir(), n)} of ${describeUid(Number(n.slice('drover-'.length)))}`);
  return owners.length ? `; other users' supervisors keep their sockets in ${owners.join(', ')}: if one of them runs this app, permission denied: only that user can ask it` : '';
}

/** Who owns the nearest path above `path` that can be looked at. */
function ownerOf(path: string): string {
  for (let p = path; ; p = dirname(p)) {
    try {
      return describeUid(lstatSync(p).uid);
    } catch {
      if (dirname(p) === p) return 'another user';
    }
  }
}

/** FNV-1a of a string, 8 hex digits: a short stable name, without loading node:crypto (and OpenSSL) at start-up. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Serves one JSON request per connection; the socket is readable by its owner only (0600). */
export async function serveControl(path: string, supervisor: Supervisor): Promise<Server> {
  if (dirname(path) === controlDir()) ensurePrivateDir(controlDir());
  if (existsSync(path)) {
    checkSocketOwner(path);
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
      socket.removeAllListeners('data');
      const logs = logsRequest(input.slice(0, nl));
      if (logs) return supervisor.history.serve(socket, logs);
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
    case 'run':
      return supervisor.scheduler.runNow(request.name);
    case 'scale':
      return scale(supervisor, request.formation);
    case 'reload':
      return reload(supervisor, 'drover reload');
    default:
      return { error: `unknown command ${JSON.stringify((request as { command: unknown }).command)}` };
  }
}

/** Sends one request to a running supervisor and returns its answer. */
export function requestControl(path: string, request: ControlRequest, timeout = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    checkSocketOwner(path);
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
