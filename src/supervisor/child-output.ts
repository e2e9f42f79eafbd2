// Wiring a child's stdout and stderr into the pipeline, pausing them while an output is full.
import type { ChildProcess } from 'node:child_process';
import { LineSplitter } from '../pipeline/intake/splitter';
import type { Pipeline } from '../pipeline/pipeline';
import { SEVERITY } from '../pipeline/message';
import type { BlockSource } from '../pipeline/formats/formats';
import type { LineCounts } from './metrics';
import { readPipe } from './reader';
import type { LineSink } from '../pipeline/intake/splitter';

export interface OutputOptions {
  logger: string;
  hostname: string;
  pipeline: Pipeline;
  maxLine: number;
  partialTimeout: number;
  /** Lines read per instance and stream, when metrics are served. */
  lines?: LineCounts;
}

/** A child's two streams as the instance sees them. */
export interface ChildOutput {
  /** Resolves when both pipes have closed (every line read and passed on). */
  closed: Promise<void>;
  /** Milliseconds so far during which reading was paused because an output was full (the pipes may hold lines). */
  readonly pausedMs: number;
}

/** Reads both streams line by line into the pipeline; reading pauses while the pipeline is blocked. */
export function attachOutput(child: ChildProcess, options: OutputOptions): ChildOutput {
  let pausedStreams = 0;
  // Paused time: what earlier pauses added up to, and when the current one (either stream paused) began.
  let pausedTotal = 0;
  let pausedSince = 0;
  const closed = [child.stdout!, child.stderr!].map((stream, index) => {
    const name = index === 0 ? 'stdout' : 'stderr';
    const source: BlockSource = {
      logger: options.logger,
      stream: name,
      pid: child.pid ?? 0,
      hostname: options.hostname,
      severity: name === 'stderr' ? SEVERITY.err : SEVERITY.info,
      type: 'log',
    };
    const splitter = new LineSplitter(
      source,
      options.lines ? countingSink(options.pipeline, options.lines.cell(options.logger, name)) : options.pipeline,
      options.maxLine,
      options.partialTimeout,
      options.pipeline.blockLimit,
    );
    const reader = readPipe(stream, (bytes) => {
      splitter.push(bytes);
      if (options.pipeline.blocked && !reader.paused) {
        // The rest of a partial line may be waiting in the pipe: it is not "partial" while we are not reading.
        reader.pause();
        splitter.hold();
        if (pausedStreams++ === 0) pausedSince = Date.now();
        options.pipeline.onResume(() => {
          if (--pausedStreams === 0) pausedTotal += Date.now() - pausedSince;
          splitter.release();
          reader.resume();
        });
      }
    });
    // A read error (rare on a pipe) ends the stream like EOF: what was read is passed on, and 'close' follows.
    stream.on('error', () => undefined);
    return new Promise<void>((resolve) =>
      stream.on('close', () => {
        splitter.end();
        resolve();
      }),
    );
  });
  return {
    closed: Promise.all(closed).then(() => undefined),
    get pausedMs() {
      return pausedTotal + (pausedStreams > 0 ? Date.now() - pausedSince : 0);
    },
  };
}

/** The pipeline, counting the lines that pass into `cell` (only when metrics are served: it costs a scan of each block). */
function countingSink(pipeline: Pipeline, cell: { lines: number }): LineSink {
  return {
    block(source, chunk, start, end, timestamp) {
      for (let at = chunk.indexOf(10, start); at >= 0 && at < end; at = chunk.indexOf(10, at + 1)) cell.lines++;
      pipeline.block(source, chunk, start, end, timestamp);
    },
    line(source, bytes, timestamp, cut, owned) {
      // A cut line's pieces are one line of the app's: counted once, when its last piece comes.
      if (!cut) cell.lines++;
      pipeline.line(source, bytes, timestamp, cut, owned);
    },
  };
}
