// `stdout` and `stderr` outputs: what the platform's log router (Logplex, Loggregator) picks up.
import { defineComponent, type ComponentContext, type Output } from '../component';
import { autoEncoder, createEncoder, FORMATS, resolveFormat, type FormatName } from '../formats/formats';
import type { Schema } from '../../config/schema';
import { FdWriter } from '../io/writer';
import { toJson } from '../formats/json-format';
import { toLogfmt } from '../formats/logfmt-format';
import { payloadSize, splitForTransport, type Measure } from '../formats/split-message';

const schema: Schema = {
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'auto',
    doc: 'raw (as printed), heroku (`timestamp app[web.1]: line`), prefixed (foreman style), json, logfmt, or auto: raw on a platform when one instance runs in the container (the platform adds its own prefix), prefixed elsewhere and when several run (so that their lines can be told apart)',
  },
  max_line_length: {
    type: 'size',
    doc: "a line longer than this many bytes is written as several lines (after filters and redaction; raw, heroku and prefixed count the line as printed, json and logfmt the whole rendered line), each with the whole message's severity, timestamp and fields; 0 never splits. Default: 10,000 on a platform (Logplex and Loggregator split there anyway, and would break a redacted value in two), 0 elsewhere",
  },
  color: { type: 'enum', values: ['auto', true, false], default: 'auto', doc: 'colour the prefixed format: auto colours on a terminal' },
};

/**
 * True when an output with these options writes a line exactly as printed: raw (or `auto` with one instance on a
 * platform), never split by drover. A process may then write to its descriptor itself (direct output).
 */
export function passesLinesUnchanged(options: Record<string, any>, onPlatform: boolean): boolean {
  return resolveFormat((options.format ?? 'auto') as FormatName, onPlatform) === 'raw' && options.max_line_length === undefined;
}

/** Writers are shared per descriptor, so two outputs on stdout keep their lines whole and in order. */
const writers = new Map<number, FdWriter>();
export function writerFor(fd: number): FdWriter {
  let writer = writers.get(fd);
  if (!writer) writers.set(fd, (writer = new FdWriter(fd)));
  return writer;
}

function createStreamOutput(fd: number, options: Record<string, any>, context: ComponentContext): Output {
  const out = writerFor(fd);
  const color = options.color === 'auto' ? context.isTTY : options.color;
  const format = resolveFormat(options.format as FormatName, context.onPlatform);
  // On a platform, `auto` follows the formation: prefixed while several instances run (after `drover scale web=2`).
  const encoder =
    options.format === 'auto' && context.onPlatform ? autoEncoder(color, context.instances) : createEncoder(format, { color, instances: context.instances });
  const lines = encoder.lines;
  const limit: number = options.max_line_length ?? (context.onPlatform ? 10000 : 0);
  const measure: Measure = format === 'json' ? (m) => Buffer.byteLength(toJson(m)) : format === 'logfmt' ? (m) => Buffer.byteLength(toLogfmt(m)) : payloadSize;
  return splitForTransport<Output>(
    {
      // The block writer takes lines up to the limit; longer ones come to write() to be split. json and logfmt
      // have no block writer.
      blockLimit: limit || undefined,
      write(message) {
        encoder.message(message, out);
        return !out.full;
      },
      lines:
        lines &&
        ((chunk, start, end, source, timestamp) => {
          lines(chunk, start, end, source, timestamp, out);
          return !out.full;
        }),
      // Raw lines, never split by drover (on a platform the default limit is the one the platform splits at itself):
      // a process may write to this descriptor itself when nothing else needs its lines.
      directFd: passesLinesUnchanged(options, context.onPlatform) ? fd : undefined,
      drained: () => out.drained(),
      close: (deadline) => out.flush(deadline),
      stats: () => ({ bytes_written: out.written }),
    },
    limit,
    measure,
  );
}

export const stdoutOutput = defineComponent({
  kind: 'outputs',
  type: 'stdout',
  summary: "Writes each message to drover's standard output, where the platform's log router reads it.",
  schema,
  example: '[outputs.stdout]\ntype = "stdout"\nformat = "auto"\nmatch = "TRUE"',
  create: (options, context) => createStreamOutput(1, options, context),
});

export const stderrOutput = defineComponent({
  kind: 'outputs',
  type: 'stderr',
  summary: "Writes each message to drover's standard error.",
  schema,
  example: '[outputs.errors]\ntype = "stderr"\nformat = "heroku"\nmatch = "Severity <= 3"',
  create: (options, context) => createStreamOutput(2, options, context),
});
