// What a command does when whatever reads its stdout or stderr goes away (`drover status | head -5`).

type StdioName = 'stdout' | 'stderr';

/**
 * A command that only prints (status, check, config, ...) stops quietly, with status 141 as a command ended by
 * SIGPIPE would (Node.js ignores SIGPIPE, so the write fails with EPIPE instead, which would print a stack
 * trace). `keepRunning` (start, run) swallows the error instead: those must go on supervising their processes,
 * and the log pipeline deals with its own writes to stdout.
 */
export function onClosedPipe(keepRunning: boolean): void {
  for (const name of ['stdout', 'stderr'] as StdioName[]) {
    const handle = (stream: NodeJS.WriteStream) =>
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        if (!keepRunning) process.exit(141);
      });
    if (keepRunning) whenCreated(name, handle);
    else handle(process[name]);
  }
}

/**
 * Calls `then` with process[name] when something first uses it, instead of making it now. Making it makes the
 * descriptor non-blocking (libuv does, for a pipe), for drover and every process sharing it; the supervisor's log
 * output then has to write from the main thread, and a pipe left blocking is written from the thread pool
 * instead, 15% faster (io/sinks.ts). `start` and `run` write their own lines through the pipeline, not the stream.
 */
function whenCreated(name: StdioName, then: (stream: NodeJS.WriteStream) => void): void {
  const descriptor = Object.getOwnPropertyDescriptor(process, name);
  const get = descriptor?.get;
  if (!get || !descriptor.configurable) return void then(process[name]);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, name, { configurable: true, enumerable: descriptor.enumerable, get: () => stream });
      then(stream);
      return stream;
    },
  });
}
