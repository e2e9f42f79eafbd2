// Sizing libuv's thread pool for the supervisor.
import { access } from 'node:fs';

/** Threads in drover's pool: room for outputs stalled in blocking writes, and some to spare. */
const THREADS = 16;

/**
 * Starts libuv's thread pool with at least THREADS threads; call it before anything uses the pool. An output
 * on a blocking pipe, a terminal or a file holds a thread for each write, and as long as its reader stalls: with
 * the default 4 threads a few stalled outputs would leave none for the DNS lookups of drains. libuv reads
 * UV_THREADPOOL_SIZE once, when its first job starts the pool; the processes drover starts get the variable as
 * it was.
 */
export function startThreadPool(): void {
  const before = process.env.UV_THREADPOOL_SIZE;
  process.env.UV_THREADPOOL_SIZE = String(Math.max(THREADS, Number(before) || 0));
  access('/', () => undefined);
  if (before === undefined) delete process.env.UV_THREADPOOL_SIZE;
  else process.env.UV_THREADPOOL_SIZE = before;
}
