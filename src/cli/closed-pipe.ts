// What a command does when whatever reads its stdout or stderr goes away (`drover status | head -5`).

/**
 * A command that only prints (status, check, config, ...) stops quietly, with status 141 as a command ended by
 * SIGPIPE would (Node.js ignores SIGPIPE, so the write fails with EPIPE instead, which would print a stack
 * trace). `keepRunning` (start, run) swallows the error instead: those must go on supervising their processes,
 * and the log pipeline deals with its own writes to stdout.
 */
export function onClosedPipe(keepRunning: boolean): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      if (!keepRunning) process.exit(141);
    });
  }
}
