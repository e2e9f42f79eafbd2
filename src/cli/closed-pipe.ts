// What a command does when whatever reads its stdout or stderr goes away (`drover status | head -5`).

/**
 * A command that only prints (status, check, config, ...) stops quietly, with status 141 as a command ended by
 * SIGPIPE would (Node.js ignores SIGPIPE, so the write fails with EPIPE instead, which would print a stack
 * trace). `keepRunning` (start, run) swallows the error instead: those must go on supervising their processes,
 * and the log pipeline deals with its own writes to stdout. There the streams are hooked only once something
 * uses them: making Node.js's stream for a pipe sets O_NONBLOCK on it, which the processes that write to drover's
 * stdout directly (direct output) would share.
 */
export function onClosedPipe(keepRunning: boolean): void {
  const hook = (stream: NodeJS.WriteStream) =>
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      if (!keepRunning) process.exit(141);
    });
  for (const name of ['stdout', 'stderr'] as const) {
    if (!keepRunning) {
      hook(process[name]);
      continue;
    }
    const original = Object.getOwnPropertyDescriptor(process, name);
    if (!original?.get || !original.configurable) {
      hook(process[name]);
      continue;
    }
    let hooked: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: original.enumerable,
      get() {
        const stream = original.get!.call(process) as NodeJS.WriteStream;
        if (stream !== hooked) hook((hooked = stream));
        return stream;
      },
    });
  }
}
