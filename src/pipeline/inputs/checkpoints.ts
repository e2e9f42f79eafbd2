// Where the file input was in each file, saved so that a restarted drover resumes there (atomic rename, JSON).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fnv1a, privateSubdir } from '../../supervisor/private-dir';
import { writeProgress } from '../io/sinks';

/** One file's saved read position: the byte after the last whole line passed on. */
export interface Checkpoint {
  path: string;
  dev: number;
  ino: number;
  position: number;
}

/** The checkpoint file of an input: `checkpoint_dir` (relative to the app) or a directory per user under $TMPDIR. */
export function checkpointPath(appDir: string, configuredDir: string, inputName: string): string {
  const dir = configuredDir ? resolve(appDir, configuredDir) : privateSubdir('checkpoints');
  return join(dir, `${fnv1a(appDir)}-${inputName}.json`);
}

/** The saved checkpoints keyed by `dev:ino`, or undefined when there are none (a first run). */
export function readCheckpoints(path: string): Map<string, Checkpoint> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const saved = JSON.parse(text) as { files: Checkpoint[] };
    return new Map(saved.files.map((c) => [`${c.dev}:${c.ino}`, c]));
  } catch {
    return new Map(); // a torn write cannot happen (rename), but a hand-edited file can: start over, from the start of files
  }
}

/** Writes the checkpoints atomically: a crash leaves the old file or the new one, never half of one. */
export function writeCheckpoints(path: string, checkpoints: Checkpoint[]): void {
  mkdirSync(resolve(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ files: checkpoints }) + '\n', { mode: 0o600 });
  renameSync(temporary, path);
}

/**
 * Decides when positions may be saved: only once what was read up to them has been written by the outputs that
 * write to descriptors (stdout, files). A snapshot taken now is committed on a later call, once every byte handed
 * to those outputs by then is written; so a SIGKILL loses no line that a checkpoint claims, and the lines sent
 * twice after a restart are at most those read in the last two intervals.
 */
export class CheckpointCommitter {
  private pending: { checkpoints: Checkpoint[]; handed: number } | undefined;

  /** Call once per interval with the current positions; returns those that are safe to save now, if any. */
  next(current: Checkpoint[], blocked: boolean): Checkpoint[] | undefined {
    const progress = writeProgress();
    let ready: Checkpoint[] | undefined;
    if (this.pending && (progress.written >= this.pending.handed || (progress.unwritten === 0 && this.pending.handed !== Infinity))) {
      ready = this.pending.checkpoints;
      this.pending = undefined;
    }
    if (!this.pending && !blocked) {
      // The writers hand over what they hold at the end of this turn: count it after them.
      const pending = { checkpoints: current, handed: Infinity };
      this.pending = pending;
      setImmediate(() => {
        const after = writeProgress();
        pending.handed = after.written + after.unwritten;
      });
    }
    return ready;
  }
}
