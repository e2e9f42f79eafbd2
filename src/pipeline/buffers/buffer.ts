// The `buffer` option of a drain, and the record buffer it asks for (the contract is in record-buffer.ts).
import { join } from 'node:path';
import { applySchema, tableFields, type Field } from '../../config/schema';
import { DiskBuffer } from './disk';
import { MemoryBuffer } from './memory';
import { privateSubdir } from '../../supervisor/private-dir';
import { WHEN_FULL, type RecordBuffer, type WhenFull } from './record-buffer';

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
