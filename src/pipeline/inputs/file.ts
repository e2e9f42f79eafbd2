// `file` input: follows files as `tail -F` does (globs, rename and copytruncate rotation), with checkpoints.
import { closeSync, type Stats } from 'node:fs';
import { dirname, relative } from 'node:path';
import { defineComponent, type ComponentContext, type Input, type InputHost } from '../component';
import { SEVERITY } from '../message';
import type { Schema } from '../../config/schema';
import type { BlockSource } from '../formats/formats';
import { expandGlob } from './glob';
import { FollowedFile } from './followed-file';
import { CheckpointCommitter, checkpointPath, readCheckpoints, writeCheckpoints, type Checkpoint } from './checkpoints';
import { writeProgress } from '../io/sinks';
import { findByInode, findCopy } from './rotated-files';
import { DirectoryWatchers } from './dir-watchers';

const schema: Schema = {
  paths: {
    type: 'string[]',
    default: [],
    doc: 'required: files to follow: globs (`*`, `?`, `[abc]`, `**`), relative to the app directory unless absolute, e.g. ["logs/nginx/*.log"]',
  },
  read_from: {
    type: 'enum',
    values: ['end', 'beginning'],
    default: 'end',
    doc: 'where to start in a file found at the first start (no checkpoint yet); files that appear later, or while drover was down, are read from the beginning',
  },
  logger: { type: 'string', default: '', doc: 'the Logger of its messages (default: the input name)' },
  checkpoint_dir: { type: 'string', default: '', doc: 'where read positions are saved (relative to the app); default: a directory of your user under $TMPDIR' },
  poll_interval: { type: 'duration', default: '250ms', doc: 'how often files at their end are checked for new lines' },
  scan_interval: { type: 'duration', default: '1s', doc: 'how often the globs are expanded again (new files, rotations)' },
  rotate_wait: { type: 'duration', default: '5s', doc: 'a file renamed away or deleted is still read until it has had no new line for this long' },
  max_open_files: { type: 'integer', default: 256, min: 1, max: 100000, doc: 'files kept open at once; idle files beyond it are closed and checked by name' },
};

/** Bytes read at once from one file. */
const CHUNK = 256 * 1024;
/** How often read positions are saved. */
const CHECKPOINT_INTERVAL = 1000;
/** At shutdown, how long the input reads what is left in its files. */
const CLOSE_READ_MS = 1000;
/** Positions listed by `drover status`, at most. */
const STATUS_FILES = 10;

export class FileInput implements Input {
  private readonly files = new Map<string, FollowedFile>();
  /** Files that had data at their last read: read again at once, not at the next poll. */
  private readonly active = new Set<FollowedFile>();
  /** Closed files that the last scan found grown (or renamed away with lines to read). */
  private readonly due = new Set<FollowedFile>();
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private readonly committer = new CheckpointCommitter();
  private readonly timers: NodeJS.Timeout[] = [];
  /** A write wakes the reader at once, not at the next poll; a new or renamed file brings the next scan forward. */
  private readonly watchers = new DirectoryWatchers(
    (path) => this.wake(path),
    () => this.scan(),
  );
  /** Followed files under the name the last scan found them by, for the watchers. */
  private byPath = new Map<string, FollowedFile>();
  private host!: InputHost;
  private checkpointFile = '';
  private pumping = false;
  private waiting = false;
  private closed = false;
  private openCount = 0;
  private bytes = 0;
  private errors = 0;
  private retired = 0;
  private savedAt = 0;
  private saveFailures = 0;
  /** Where the next poll starts in the list of files. */
  private pollFrom = 0;

  constructor(
    private readonly options: Record<string, any>,
    private readonly context: ComponentContext,
  ) {}

  async start(host: InputHost): Promise<void> {
    this.host = host;
    this.checkpointFile = checkpointPath(host.appDir, this.options.checkpoint_dir, this.options.name);
    const saved = readCheckpoints(this.checkpointFile);
    this.scan(saved ?? new Map(), saved === undefined);
    // The first start saves where it begins at once: a restart before the first checkpoint must not skip to
    // the end again (read_from = "end") past lines written meanwhile.
    if (saved === undefined) this.save([...this.files.values()].map((f) => f.checkpoint()));
    const empty = (this.options.paths as string[]).filter((p) => expandGlob(p, host.appDir).size === 0);
    if (empty.length) this.context.report(`no file matches ${empty.join(', ')} yet: waiting for one`);
    this.timers.push(setInterval(() => this.scan(), this.options.scan_interval));
    this.timers.push(setInterval(() => this.poll(), this.options.poll_interval));
    this.timers.push(setInterval(() => this.saveCommitted(), CHECKPOINT_INTERVAL));
    this.poll();
  }

  /** Expands the globs: new files are followed, renamed ones found again, ones whose name leads elsewhere detached. */
  private scan(saved?: Map<string, Checkpoint>, firstRun = false): void {
    if (this.closed) return;
    const found = new Map<string, Stats>();
    for (const pattern of this.options.paths as string[]) expandGlob(pattern, this.host.appDir, found);
    const byKey = new Map<string, [string, Stats]>();
    for (const [path, stat] of found) if (!byKey.has(`${stat.dev}:${stat.ino}`)) byKey.set(`${stat.dev}:${stat.ino}`, [path, stat]);
    const now = Date.now();
    for (const file of this.files.values()) {
      const hit = byKey.get(file.key);
      if (hit) {
        file.path = hit[0];
        file.detachedAt = undefined;
        if (file.fd === undefined && file.changed(hit[1])) this.due.add(file);
      } else if (file.detachedAt === undefined) {
        file.detachedAt = now;
        file.lastData = now;
        // A closed file renamed away may have lines written to it since it was closed: find it by inode.
        if (file.fd === undefined) this.findAway(file);
      }
    }
    for (const [path] of found) this.watchers.watch(dirname(path));
    for (const [key, [path, stat]] of byKey) {
      if (this.files.has(key)) continue;
      const checkpoint = saved?.get(key);
      // Resumed where it was saved; a file shorter than that was truncated while drover was down.
      let start = 0;
      if (checkpoint) start = checkpoint.position <= stat.size ? checkpoint.position : 0;
      else if (firstRun && this.options.read_from === 'end') start = stat.size;
      this.follow(path, stat, start);
    }
    this.byPath = new Map([...this.files.values()].filter((f) => f.detachedAt === undefined).map((f) => [f.path, f]));
    // Saved files that no glob matches any more were rotated while drover was down: read what is left of them.
    if (saved) {
      for (const [key, checkpoint] of saved) {
        if (this.files.has(key)) continue;
        const away = findByInode(dirname(checkpoint.path), checkpoint.dev, checkpoint.ino);
        if (!away || away[1].size <= checkpoint.position) continue;
        this.follow(away[0], away[1], checkpoint.position).detachedAt = now;
      }
    }
  }

  /** A followed file was written to: read it now (when it is open and reading is not paused). */
  private wake(path: string): void {
    const file = this.byPath.get(path);
    if (this.closed || !file || file.fd === undefined || this.active.has(file) || this.waiting) return;
    this.active.add(file);
    this.pump();
  }

  private follow(path: string, stat: Stats, start: number): FollowedFile {
    const source: BlockSource = {
      logger: this.options.logger || this.options.name,
      stream: 'stdout',
      pid: 0,
      hostname: this.context.hostname,
      severity: SEVERITY.info,
      type: 'file',
      fields: { path },
    };
    const file = new FollowedFile(path, stat.dev, stat.ino, start, source, this.host.sink, this.host.maxLine, this.host.partialTimeout);
    this.files.set(file.key, file);
    if (stat.size !== start) this.due.add(file);
    return file;
  }

  /** A closed file whose name now leads elsewhere: reopened under its new name in the same directory, or forgotten. */
  private findAway(file: FollowedFile): void {
    const away = findByInode(dirname(file.path), file.dev, file.ino);
    if (away && away[1].size > file.position) {
      file.path = away[0];
      this.due.add(file);
    } else this.retire(file);
  }

  /** Every poll_interval: files at their end are read once; detached files quiet for rotate_wait are let go. */
  private poll(): void {
    if (this.closed || this.waiting) return;
    const now = Date.now();
    const files = [...this.files.values()];
    // An output that fills stops the round; the next one starts where this one stopped, so no file waits for ever.
    const from = this.pollFrom % Math.max(1, files.length);
    for (let k = 0; k < files.length; k++) {
      const file = files[(from + k) % files.length];
      if (this.host.blocked) {
        this.pollFrom = from + k;
        break;
      }
      if (this.active.has(file)) continue;
      if (file.fd === undefined) {
        // Opened while there is room; beyond max_open_files, only once a scan saw it change.
        if (!this.due.has(file) && this.openCount >= this.options.max_open_files) continue;
        if (!this.makeRoom() || !file.open()) continue;
        this.openCount++;
        this.due.delete(file);
      }
      const result = this.readOnce(file);
      if (typeof result === 'number') this.active.add(file);
      else if (result === 'eof' && file.detachedAt !== undefined && now - Math.max(file.lastData, file.detachedAt) >= this.options.rotate_wait)
        this.retire(file);
    }
    if (this.active.size) this.pump();
  }

  /** Reads the files that have data, a chunk each in turn, until they are at their end or an output is full. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    const round = () => {
      if (this.closed) return;
      // A chunk from each file with data in turn, until an output is full (so memory stays bounded by one chunk
      // past its high-water mark, however many files have data); files read move to the back of the turn.
      for (const file of [...this.active]) {
        if (this.host.blocked) break;
        this.active.delete(file);
        if (typeof this.readOnce(file) === 'number') this.active.add(file);
      }
      if (this.active.size === 0) {
        this.pumping = false;
        return;
      }
      if (!this.host.blocked) return void setImmediate(round);
      // An output is full: stop reading (the files keep the lines) until it drains.
      this.waiting = true;
      for (const file of this.files.values()) file.hold();
      this.host.onResume(() => {
        this.waiting = false;
        for (const file of this.files.values()) file.release();
        round();
      });
    };
    setImmediate(round);
  }

  private readOnce(file: FollowedFile): ReturnType<FollowedFile['read']> {
    try {
      const result = file.read(this.buffer);
      if (typeof result === 'number') this.bytes += result;
      else if (result === 'truncated') this.afterTruncation(file);
      return result;
    } catch (error) {
      this.errors++;
      this.context.report(`cannot read ${file.path}: ${(error as Error).message}; it is no longer followed`, SEVERITY.err);
      this.retire(file);
      return 'gone';
    }
  }

  /**
   * copytruncate copied the file, then truncated it: lines written after our last read are in the copy, which
   * is found in the same directory by its bytes at our position. Lines written between the copy and the
   * truncation are in neither file: no reader can get those.
   */
  private afterTruncation(file: FollowedFile): void {
    const copy = findCopy(file, new Set([...this.files.values()].map((f) => f.path)));
    try {
      file.restart(this.buffer, copy?.fd);
    } finally {
      if (copy) closeSync(copy.fd);
    }
    this.context.report(
      `${file.path} was truncated: reading it from the start${copy ? ` (lines written before that were read from ${copy.path})` : ''}`,
      SEVERITY.notice,
    );
  }

  /** Closes the idle open file read longest ago when max_open_files are open; false when none can be closed. */
  private makeRoom(): boolean {
    if (this.openCount < this.options.max_open_files) return true;
    let oldest: FollowedFile | undefined;
    for (const file of this.files.values()) {
      if (file.fd === undefined || file.detachedAt !== undefined || this.active.has(file)) continue;
      if (!oldest || file.lastData < oldest.lastData) oldest = file;
    }
    if (!oldest) return false;
    oldest.closeFd();
    this.openCount--;
    return true;
  }

  /** Stops following a file: its partial line is passed on and its descriptor closed. */
  private retire(file: FollowedFile): void {
    file.flush();
    if (file.fd !== undefined) this.openCount--;
    file.closeFd();
    this.files.delete(file.key);
    this.active.delete(file);
    this.due.delete(file);
    this.retired++;
  }

  /** Saves the positions whose lines the outputs have written (see CheckpointCommitter). */
  private saveCommitted(): void {
    const ready = this.committer.next(
      [...this.files.values()].map((f) => f.checkpoint()),
      this.host.blocked,
    );
    if (ready) this.save(ready);
  }

  private save(checkpoints: Checkpoint[]): void {
    try {
      writeCheckpoints(this.checkpointFile, checkpoints);
      this.savedAt = Date.now();
    } catch (error) {
      // Said once, not every second; the count goes on in `drover status`.
      if (this.saveFailures++ === 0)
        this.context.report(
          `cannot save read positions to ${this.checkpointFile}: ${(error as Error).message}; a restart will read files again from where they were last saved. Set checkpoint_dir to a writable directory`,
          SEVERITY.warning,
        );
      this.errors++;
    }
  }

  /** Reads what the files hold now (for at most a second), passes on partial lines, and saves the positions once written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.watchers.close();
    const until = Date.now() + CLOSE_READ_MS;
    for (const file of this.files.values()) {
      if (file.fd === undefined && !(this.due.has(file) && file.open())) continue;
      // Not past a full output: what is not read stays in the file, and the saved position says where.
      while (Date.now() < until && !this.host.blocked && typeof this.readOnce(file) === 'number');
    }
    const checkpoints = [...this.files.values()].map((f) => f.checkpoint());
    for (const file of this.files.values()) {
      file.flush();
      file.closeFd();
    }
    // Saved once the outputs have written what was read (at most 2 s): else the last committed positions stay.
    await new Promise((resolve) => setImmediate(resolve));
    for (const giveUp = Date.now() + 2000; writeProgress().unwritten > 0 && Date.now() < giveUp; ) await new Promise((r) => setTimeout(r, 20));
    if (writeProgress().unwritten === 0) this.save(checkpoints);
  }

  stats(): Record<string, number | string> {
    let lines = 0;
    let open = 0;
    let detached = 0;
    let truncations = 0;
    for (const file of this.files.values()) {
      lines += file.lines;
      truncations += file.truncations;
      if (file.fd !== undefined) open++;
      if (file.detachedAt !== undefined) detached++;
    }
    const stats: Record<string, number | string> = {
      files: this.files.size,
      open_files: open,
      rotated_being_read: detached,
      files_done: this.retired,
      lines,
      bytes: this.bytes,
      truncations,
      errors: this.errors,
      checkpoint_age_ms: this.savedAt ? Date.now() - this.savedAt : -1,
    };
    let listed = 0;
    for (const file of this.files.values()) {
      if (listed++ === STATUS_FILES) break;
      stats[`position[${relative(this.host.appDir, file.path)}]`] = file.position;
    }
    return stats;
  }
}

/** The `file` input. */
export const fileInput = defineComponent({
  kind: 'inputs',
  type: 'file',
  summary:
    'Follows files as `tail -F` does: globs, files that appear later, rotation by rename (the old file is read until quiet) or copytruncate (lines written between the copy and the truncation are lost: no reader can get them), read positions saved once written and resumed after a restart. Messages have Type "file", Logger the input name, Fields[path].',
  schema,
  example: '[inputs.nginx]\ntype = "file"\npaths = ["logs/nginx/*.log", "/tmp/php-fpm.*.log"]\nread_from = "end"',
  check: (options) =>
    options.paths.length === 0 || options.paths.some((p: string) => p.trim() === '')
      ? [
          {
            key: 'paths',
            message: `option "paths" must list at least one file or glob, got ${JSON.stringify(options.paths)}`,
            hint: 'e.g. paths = ["logs/*.log"]',
          },
        ]
      : [],
  create: (options, context) => new FileInput(options, context),
});
