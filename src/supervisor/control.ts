// The control socket: `drover status` and `drover restart` talk to a running supervisor over it.
import { createServer, createConnection, type Server } from 'node:net';
import { chmodSync, existsSync, lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Supervisor } from './supervisor';
import { checkDir, ControlError, controlDir, describeUid, ensurePrivateDir, fnv1a, uid } from './private-dir';

export { ControlError, controlDir, ensurePrivateDir, fnv1a, privateSubdir } from './private-dir';
import { scale } from './scale';
import { reload } from './reload';
import { logsRequest, type LogsRequest } from './log-frames';

export type ControlRequest =
  | { command: 'status' }
  | { command: 'restart'; name: string }
  | { command: 'run'; name: string }
  | { command: 'scale'; formation: string }
  | { command: 'reload' }
  | LogsRequest;

/** The socket of the supervisor of an app: `[supervisor] control_socket`, $DROVER_SOCKET, else one per app dir in controlDir(). */
export function controlSocketPath(appDir: string, configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  if (env.DROVER_SOCKET) return env.DROVER_SOCKET;
  return join(controlDir(), `${fnv1a(appDir)}.sock`);
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
    throw new ControlError(
      `permission denied: ${path} is in a directory of ${ownerOf(dirname(path))}, and you are ${describeUid(uid())}: only the user who ran drover start can ask its supervisor; run this command as that user`,
    );
  }
  if (!stat.isSocket())
    throw new ControlError(`${path} is not a socket (it is not drover's control socket): pass -s the socket drover start made, or remove that file`);
  if (stat.uid !== uid())
    throw new ControlError(
      `permission denied: the control socket ${path} belongs to ${describeUid(stat.uid)}, and you are ${describeUid(uid())}: only the user who ran drover start can ask its supervisor (and a socket of someone else's is not trusted); run this command as that user`,
    );
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
  return owners.length
    ? `; other users' supervisors keep their sockets in ${owners.join(', ')}: if one of them runs this app, permission denied: only that user can ask it`
    : '';
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
      if (logs) return supervisor.history.serve(socket, logs, directNotes(supervisor));
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

/** What `drover logs` cannot show: the lines of instances that write straight to stdout (direct output). */
function directNotes(supervisor: Supervisor): string[] {
  const direct = supervisor.instances.filter((i) => i.directFd !== undefined).map((i) => i.name);
  if (!direct.length) return [];
  return [
    `${direct.join(', ')} writes straight to drover's stdout (output: direct), so its lines are not kept here; [supervisor] direct_output = false keeps them (they then go through the pipeline)`,
  ];
}
