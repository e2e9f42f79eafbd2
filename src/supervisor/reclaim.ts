// Keeps peak memory down while processes print a lot: each pipe read allocates a fresh 64 KiB buffer, and V8
// only collects them once ~64 MiB of such outside-the-heap memory has piled up. A young-generation collection
// every few MiB read frees them sooner, for well under a millisecond each.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'minor' | 'major' }) => void;

const EVERY = 8 * 1024 * 1024;
let collect: Collect | undefined | null;
let sinceLast = 0;

function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null; // not available: memory is then bounded by V8's own limits
    }
  }
  return collect;
}

/** Counts bytes read from the processes and runs a minor collection every 8 MiB. */
export function noteBytesRead(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < EVERY) return;
  sinceLast = 0;
  collector()?.({ type: 'minor' });
}
