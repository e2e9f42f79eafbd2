// What an output keeps between encoding a message and a drain confirming it: the `buffer` option and its contract.
import { join } from 'node:path';
import { applySchema, tableFields, type Field } from '../../config/schema';
import { DiskBuffer } from './disk';
import { MemoryBuffer } from './memory';
import { privateSubdir } from '../../supervisor/private-dir';

export const WHEN_FULL = ['block', 'drop_newest', 'drop_oldest'] as const;
export type WhenFull = (typeof WHEN_FULL)[number];

/**
 * Encoded records in order, with two cursors: records are *pending* until the sender takes them, then *sent*
 * until the drain confirms them. A broken connection rewinds the sent ones to pending (at-least-once).
 * Only pending records count against the limits, so unconfirmed ones can never wedge a full buffer.
 */
export interface RecordBuffer {
  readonly type: 'memory' | 'disk';
  readonly whenFull: WhenFull;
  /** Keeps `record` (the caller hands it over and does not reuse it); false when the writer should wait for `drained()` (when_full = "block"). */
  push(record: Buffer): boolean;
  /** Up to `maxCount` records and about `maxBytes` bytes (at least one record) from the oldest pending one. */
  take(maxCount: number, maxBytes: number): Buffer[];
  /** Confirms the oldest `count` sent records: they are never sent again. */
  confirm(count: number): void;
  /** Makes every sent, unconfirmed record pending again, oldest first. */
  rewind(): void;
  readonly pending: number;
  readonly pendingBytes: number;
  readonly unconfirmed: number;
  /** Why records are being dropped other than for space (a disk that cannot be written), if so. */
  readonly failure?: string;
  /** Resolves when something is pending. */
  whenPending(): Promise<void>;
  /** Resolves when `push` would not ask the writer to wait. */
  drained(): Promise<void>;
  /** Records dropped because the buffer was full, since the last call (for reports); totals are in stats. */
  takeDropped(): number;
  stats(): Record<string, number>;
  /** Stops the buffer: a disk buffer keeps what is left for the next start; returns how many records are lost. */
  close(): number;
}

const whenFull: Field = {
  type: 'enum',
  values: WHEN_FULL,
  default: 'drop_oldest',
  doc: "what to do when the buffer is full: drop_oldest (default: a drain outage must not stall the app), drop_newest, or block (stop reading the app's output until there is room)",
};

/** The `buffer` option of the syslog and http outputs: a table chosen by its `type`. */
export const bufferField: Field = {
  type: 'table',
  doc: 'where records wait for the drain: { type = "memory", max_events, max_size, when_full } or { type = "disk", path, max_size, when_full }',
  discriminator: 'type',
  fields: {
    type: {
      type: 'enum',
      values: ['memory', 'disk'],
      default: 'memory',
      doc: 'memory (default; lost when drover stops) or disk (survives a restart of drover)',
    },
  },
  variants: {
    memory: {
      max_events: { type: 'integer', min: 1, default: 10000, doc: 'most records waiting to be sent' },
      max_size: { type: 'size', default: '10MB', doc: 'most bytes waiting to be sent' },
      when_full: whenFull,
    },
    disk: {
      path: {
        type: 'string',
        doc: 'directory of the segment files; default $TMPDIR/drover-<uid>/buffers/<output name>, in a directory only that user can use (0700, checked)',
      },
      max_size: { type: 'size', default: '256MB', doc: 'most bytes waiting to be sent' },
      segment_size: { type: 'size', default: '16MB', doc: 'size of each segment file: drop_oldest drops a segment at a time' },
      when_full: whenFull,
    },
  },
};

/** The buffer an output's options ask for (memory with defaults when there is no `buffer` option). */
export function createBuffer(options: Record<string, any> | undefined, outputName: string, _env: NodeJS.ProcessEnv): RecordBuffer {
  const field = bufferField as Extract<Field, { type: 'table' }>;
  const raw = options ?? {};
  // Options that came through the loader already have defaults; fill them in for direct callers (tests, tools).
  const { options: resolved, problems } = applySchema(tableFields(field, raw), raw, 'buffer.');
  if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
  if (resolved.type === 'disk') {
    const dir = (resolved.path as string | undefined) || join(privateSubdir('buffers'), outputName);
    return new DiskBuffer({
      dir,
      maxSize: resolved.max_size as number,
      segmentSize: resolved.segment_size as number,
      whenFull: resolved.when_full as WhenFull,
    });
  }
  return new MemoryBuffer({ maxEvents: resolved.max_events as number, maxSize: resolved.max_size as number, whenFull: resolved.when_full as WhenFull });
}
