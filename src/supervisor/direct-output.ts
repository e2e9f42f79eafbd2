// Direct output: when nothing in the pipeline needs a process's lines, it writes straight to drover's stdout, as
// it would without drover, and drover's cost per line is nothing. drover still prints its own lines there.
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { BlockSource } from '../pipeline/formats/formats';
import { writerFor } from '../pipeline/outputs/stdout';
import { isNonBlocking, isStream } from '../pipeline/io/sinks';

export interface DirectContext {
  pipeline: Pipeline;
  /** [supervisor] direct_output. */
  enabled: boolean;
  /** True when lines are counted for metrics_address. */
  counting: boolean;
  /** Inputs configured: their lines share the descriptor, and keep whole only through drover's writer. */
  inputs: number;
  /** Instances in the formation, scheduled ones included. */
  instances: number;
  hostname: string;
}

/**
 * The descriptor instance `logger` may have as its stdout and stderr, or why it may not. Decided at each start, so
 * that a reload or a scale applies from the next start.
 */
export function directOutput(logger: string, context: DirectContext): { fd: number } | { why: string } {
  if (!context.enabled) return { why: '[supervisor] direct_output = false' };
  if (context.counting) return { why: 'metrics_address counts its lines' };
  if (context.inputs > 0) return { why: 'inputs write to the same output' };
  // Each instance's lines stay whole only through drover: two processes' long writes can mix in one pipe.
  if (context.instances !== 1) return { why: 'more than one instance runs' };
  const source = (stream: 'stdout' | 'stderr'): BlockSource => ({
    logger,
    stream,
    pid: 0,
    hostname: context.hostname,
    severity: stream === 'stderr' ? SEVERITY.err : SEVERITY.info,
    type: 'log',
  });
  const fd = context.pipeline.directFd([source('stdout'), source('stderr')]);
  if (typeof fd === 'string') return { why: fd };
  // A terminal would change how the app prints (colours, buffering); a non-blocking descriptor would make its
  // writes fail with EAGAIN when the reader is slow; drover's own writes must be ones it can keep whole.
  if (!isStream(fd)) return { why: `fd ${fd} is not a pipe or socket` };
  if (isNonBlocking(fd)) return { why: `fd ${fd} is non-blocking` };
  const writer = writerFor(fd);
  if (writer.sinkKind !== 'thread pool') return { why: `fd ${fd} was non-blocking when drover started` };
  writer.keepLinesWhole();
  return { fd };
}

/** Said once, the first time an instance writes directly. */
export function directExplained(name: string, fd: number): string {
  return `${name} writes straight to drover's ${fd === 2 ? 'stderr' : 'stdout'} (output: direct), since nothing in the pipeline needs its lines: drover reads none of them, and \`drover logs\` shows only drover's own. [supervisor] direct_output = false sends them through the pipeline`;
}
