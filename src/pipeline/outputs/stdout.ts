// `stdout` and `stderr` outputs: what the platform's log router (Logplex, Loggregator) picks up.
import { defineComponent, type ComponentContext, type Output } from '../component';
import { createEncoder, FORMATS, resolveFormat, type FormatName } from '../formats';
import type { Schema } from '../../config/schema';
import { FdWriter } from '../writer';

const schema: Schema = {
  format: { type: 'enum', values: FORMATS, default: 'auto', doc: 'raw (as printed), heroku (`timestamp app[web.1]: line`), prefixed (foreman style), json, logfmt, or auto: raw on a platform, prefixed elsewhere' },
  color: { type: 'enum', values: ['auto', true, false], default: 'auto', doc: 'colour the prefixed format: auto colours on a terminal' },
};

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
  const encoder = createEncoder(resolveFormat(options.format as FormatName, context.onPlatform), { color });
  const lines = encoder.lines;
  return {
    write(message) {
      encoder.message(message, out);
      return !out.full;
    },
    lines: lines && ((chunk, start, end, source, timestamp) => {
      lines(chunk, start, end, source, timestamp, out);
      return !out.full;
    }),
    drained: () => out.drained(),
    close: (deadline) => out.flush(deadline),
    stats: () => ({ bytes_written: out.written }),
  };
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
