// `file` output: appends messages to a file, rotating it by size (app.log → app.log.1 → … → app.log.N) and
// keeping a set number of old files, so a long-running dyno or VM cannot fill its disk.
import { existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineComponent, type ComponentContext, type Output } from '../component';
import { createEncoder, FORMATS, type ConcreteFormat, type Encoder } from '../formats/formats';
import type { Message } from '../message';
import type { Schema } from '../../config/schema';
import { FdWriter } from '../io/writer';

const schema: Schema = {
  path: { type: 'string', required: true, doc: 'the file to append to, e.g. "log/app.log" (relative to the app directory); its directory is created' },
  format: {
    type: 'enum',
    values: FORMATS.filter((f) => f !== 'auto'),
    default: 'heroku',
    doc: 'raw (as printed), heroku (`timestamp app[web.1]: line`), prefixed, json or logfmt',
  },
  max_size: { type: 'size', default: '10MB', doc: 'rotate once the file reaches this size ("0" never rotates); a line is never split across files' },
  keep: { type: 'integer', default: 5, min: 0, max: 1000, doc: 'rotated files kept (path.1 is the newest); older ones are deleted; 0 keeps none' },
};

/** An FdWriter that counts what it is given, so rotation can happen on a line boundary before the bytes hit disk. */
class CountingWriter extends FdWriter {
  appended = 0;

  override bytes(source: Buffer, start = 0, end = source.length): void {
    this.appended += end - start;
    super.bytes(source, start, end);
  }

  override text(value: string): void {
    this.appended += Buffer.byteLength(value, 'utf8');
    super.text(value);
  }

  override byte(value: number): void {
    this.appended++;
    super.byte(value);
  }

  override lineInPlace<T>(value: T, write: (value: T, bytes: Buffer, at: number, limit: number) => number): number {
    const appended = super.lineInPlace(value, write);
    this.appended += appended;
    return appended;
  }
}

/**
 * Rotation renames the file while its writer may still have writes queued: on POSIX those writes follow the
 * open descriptor into `path.1`, so every line lands whole in the file it was counted for.
 */
export class FileOutput implements Output {
  private writer: CountingWriter;
  private readonly retired: Promise<void>[] = [];
  private readonly encoder: Encoder;
  private rotations = 0;
  private failures = 0;
  private written = 0;

  constructor(
    private readonly path: string,
    format: ConcreteFormat,
    private readonly maxSize: number,
    private readonly keep: number,
    private readonly context?: ComponentContext,
  ) {
    this.encoder = createEncoder(format, { color: false, instances: context?.instances });
    mkdirSync(dirname(path), { recursive: true });
    this.writer = this.open();
  }

  write(message: Message): boolean {
    this.encoder.message(message, this.writer);
    if (this.maxSize > 0 && this.writer.appended >= this.maxSize) this.rotate();
    return !this.writer.full;
  }

  drained(): Promise<void> {
    return this.writer.drained();
  }

  async close(deadline: number): Promise<void> {
    await this.retire(this.writer, deadline);
    await Promise.all(this.retired);
  }

  stats(): Record<string, number> {
    return { bytes_written: this.written + this.writer.written, rotations: this.rotations, rotation_failures: this.failures };
  }

  /** path.N-1 -> path.N ... path -> path.1, then a fresh path. */
  private rotate(): void {
    const old = this.writer;
    try {
      if (this.keep === 0) unlinkSync(this.path);
      else {
        const oldest = `${this.path}.${this.keep}`;
        if (existsSync(oldest)) unlinkSync(oldest);
        for (let n = this.keep - 1; n >= 1; n--) if (existsSync(`${this.path}.${n}`)) renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
        renameSync(this.path, `${this.path}.1`);
      }
      this.writer = this.open();
    } catch (error) {
      // Someone moved the file or the disk is full: keep appending where we are rather than losing lines.
      this.failures++;
      old.appended = 0;
      this.context?.report(`cannot rotate ${this.path}: ${(error as Error).message}`, 4);
      return;
    }
    this.rotations++;
    this.retired.push(this.retire(old, Infinity));
  }

  private open(): CountingWriter {
    const fd = openSync(this.path, 'a', 0o644);
    const writer = new CountingWriter(fd);
    writer.appended = statSync(this.path).size; // a file left by the last run counts towards its size
    return writer;
  }

  private async retire(writer: CountingWriter, deadline: number): Promise<void> {
    await writer.flush(deadline);
    this.written += writer.written;
    writer.close();
  }
}

/** The `file` output. */
export const fileOutput = defineComponent({
  kind: 'outputs',
  type: 'file',
  summary: 'Appends messages to a file, rotated by size with a number of old files kept.',
  schema,
  example: '[outputs.file]\ntype = "file"\nmatch = "TRUE"\npath = "log/drover.log"\nformat = "heroku"\nmax_size = "10MB"\nkeep = 5',
  check: (options) => (options.path.trim() === '' ? [{ key: 'path', message: 'option "path" must be a file name, got ""', hint: 'e.g. "log/app.log"' }] : []),
  create(options, context) {
    try {
      return new FileOutput(options.path, options.format, options.max_size, options.keep, context);
    } catch (error) {
      throw new Error(`${context.id}: cannot open "${options.path}" for appending: ${(error as Error).message}`);
    }
  },
});
