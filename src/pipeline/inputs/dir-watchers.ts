// inotify watches on the directories of followed files, so that the file input reads a write at once instead of
// at its next poll. Polling stays, for file systems without inotify and for a full watch table.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/** One watch per directory (not per file: 1,000 files in one directory take one watch). */
export class DirectoryWatchers {
  private readonly watchers = new Map<string, FSWatcher | undefined>();
  private entriesQueued = false;

  /** `changed(path)`: a file was written to; `entries()`: a file appeared, went or was renamed (called at most every 20 ms). */
  constructor(
    private readonly changed: (path: string) => void,
    private readonly entries: () => void,
  ) {}

  /** Watches `dir` from now on, once; a directory that cannot be watched (ENOSPC, no inotify) is left to polling. */
  watch(dir: string): void {
    if (this.watchers.has(dir)) return;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dir, { persistent: false }, (event, name) => {
        if (event === 'rename' || name === null) this.entriesSoon();
        else this.changed(join(dir, String(name)));
      });
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    this.watchers.set(dir, watcher);
  }

  private entriesSoon(): void {
    if (this.entriesQueued) return;
    this.entriesQueued = true;
    setTimeout(() => {
      this.entriesQueued = false;
      this.entries();
    }, 20);
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher?.close();
    this.watchers.clear();
  }
}
