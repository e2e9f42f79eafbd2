// Direct output: when nothing in the pipeline needs a process's lines, it writes straight to drover's stdout, as
// it would without drover, and drover's cost per line is nothing. drover still prints its own lines there.
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { BlockSource } from '../pipeline/formats/formats';
import { passesLinesUnchanged, writerFor } from '../pipeline/outputs/stdout';
import { isNonBlocking, isStream } from '../pipeline/io/sinks';
import type { DroverConfig } from '../config/load';

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

/** The rules on the supervisor's side (the pipeline's are Pipeline.directFd): why direct output cannot apply, if so. */
function supervisorRefuses(context: Pick<DirectContext, 'enabled' | 'counting' | 'inputs' | 'instances'>): string | undefined {
  if (!context.enabled) return '[supervisor] direct_output is not true';
  if (context.counting) return 'metrics_address counts its lines';
  if (context.inputs > 0) return 'inputs write to the same output';
  // Each instance's lines stay whole only through drover: two processes' long writes can mix in one pipe.
  if (context.instances !== 1) return 'more than one instance runs';
  return undefined;
}

/**
 * The descriptor instance `logger` may have as its stdout and stderr, or why it may not. Decided at each start, so
 * that a reload or a scale applies from the next start.
 */
export function directOutput(logger: string, context: DirectContext): { fd: number } | { why: string } {
  const refused = supervisorRefuses(context);
  if (refused) return { why: refused };
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

/**
 * Whether direct output may apply to any instance of this start (checked before the outputs exist). When it
 * cannot, drover's stdout and stderr are made Node.js streams as they always were: for a pipe that sets O_NONBLOCK,
 * and the outputs then write through a libuv stream, which costs less per write than the thread pool's blocking
 * writes when lines come one by one (20,000 lines/s: 3.5% of a core against 10-18%). When it can, they stay
 * blocking, as the process that writes to them directly needs.
 */
export function mayBeDirect(config: DroverConfig, instances: number, counting: boolean, onPlatform: boolean): boolean {
  const enabled = config.supervisor.direct_output === true;
  if (supervisorRefuses({ enabled, counting, inputs: config.inputs.length, instances })) return false;
  // Pipeline.directFd's rules, read from the configuration (its outputs do not exist yet).
  const [only, ...others] = config.outputs;
  if (config.decoders.length || config.filters.length || !only || others.length) return false;
  return (only.type === 'stdout' || only.type === 'stderr') && passesLinesUnchanged(only.options, onPlatform);
}
