// drover's private directory per user, $TMPDIR/drover-<uid> (0700, checked): control sockets, and the default
// place of disk buffers and input checkpoints. Kept apart from control.ts so that buffers and inputs can use it
// without importing the control socket's commands (and, through them, the whole configuration loader).
import { chmodSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export function uid(): number {
  return process.getuid?.() ?? 0;
}

/** A user's name from /etc/passwd, for messages ("root (uid 0)"). */
export function describeUid(id: number): string {
  try {
    const row = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((r) => r.split(':')[2] === String(id));
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
export function checkDir(dir: string): number {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0o700; // nothing there yet: the socket is missing too
    throw error;
  }
  if (!stat.isDirectory())
    throw new ControlError(
      `${dir} should be drover's directory for control sockets, but it is not a directory (someone may have put it there): remove it, or set DROVER_SOCKET to a path in a directory of yours`,
    );
  if (stat.uid !== uid())
    throw new ControlError(
      `${dir} should be drover's directory for control sockets, but it belongs to ${describeUid(stat.uid)}, not to you, ${describeUid(uid())}: someone else made it, maybe to put a socket of theirs where drover status would ask; remove it, or set DROVER_SOCKET to a path in a directory of yours`,
    );
  return stat.mode;
}

/** FNV-1a of a string, 8 hex digits: a short stable name, without loading node:crypto (and OpenSSL) at start-up. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
