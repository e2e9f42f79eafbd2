// Finding a rotated file again: under its new name by inode, or the copy that copytruncate made, by its bytes.
import { closeSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FollowedFile } from './followed-file';

/** The entry of `dir` that is this inode (a rotated file under its new name), with its stat. */
export function findByInode(dir: string, dev: number, ino: number): [string, Stats] | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const stat = statSync(join(dir, name));
      if (stat.ino === ino && stat.dev === dev && stat.isFile()) return [join(dir, name), stat];
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Copies look back this far: copytruncate has just made the copy. */
const COPY_AGE_MS = 60_000;

/** A file beside `file`, written in the last minute, not followed, that has file.tail at file.position: its copy. */
export function findCopy(file: FollowedFile, followed: Set<string>): { path: string; fd: number } | undefined {
  if (file.tail.length === 0) return undefined;
  const dir = dirname(file.path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const probe = Buffer.alloc(file.tail.length);
  for (const name of names) {
    const path = join(dir, name);
    if (followed.has(path)) continue;
    let fd: number | undefined;
    try {
      const stat = statSync(path);
      if (!stat.isFile() || stat.size < file.position || Date.now() - stat.mtimeMs > COPY_AGE_MS) continue;
      fd = openSync(path, 'r');
      if (readSync(fd, probe, 0, probe.length, file.position - probe.length) === probe.length && probe.equals(file.tail)) return { path, fd };
    } catch {
      // gone meanwhile, or unreadable: not the copy
    }
    if (fd !== undefined) closeSync(fd);
  }
  return undefined;
}
