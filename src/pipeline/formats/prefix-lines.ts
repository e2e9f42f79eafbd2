// Copies lines each preceded by a prefix: the hot loop of the heroku and prefixed formats, in WebAssembly.
import kernelBytes from './prefix-lines.wat';

// The kernel's memory: the prefix, then the input lines, then the output, each followed by room for the 16-byte
// loads and stores that run past a region's end.
const PREFIX_MAX = 1024;
const INPUT = PREFIX_MAX;
const INPUT_SIZE = 256 * 1024;
const SLACK = 64;
const OUTPUT = INPUT + INPUT_SIZE + SLACK;
const OUTPUT_SIZE = 512 * 1024;

interface Kernel {
  memory: Buffer;
  prefixLines(src: number, srcEnd: number, dst: number, dstEnd: number, plen: number): number;
  read: WebAssembly.Global;
}

let kernel: Kernel | null | undefined;

/** The kernel, instantiated on first use; null where WebAssembly is off (node --jitless). */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(kernelBytes));
    const memory = exports.memory as WebAssembly.Memory;
    kernel = { memory: Buffer.from(memory.buffer), prefixLines: exports.prefixLines as Kernel['prefixLines'], read: exports.read as WebAssembly.Global };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly kernel does the work (else prefixLinesInJs does). */
export function usesWebAssembly(): boolean {
  return loadKernel() !== null;
}

/** How much of the source was taken and how much of the target filled, as TextEncoder#encodeInto says. */
export interface Copied {
  read: number;
  written: number;
}

/**
 * Copies the lines of `source` (each ending in `\n`) into `target`, each preceded by `prefix`, as many whole
 * lines as fit. `read` is 0 when the first line does not fit, or is longer than 256 KiB: the caller then makes
 * room or copies that line itself.
 */
export function prefixLinesInto(prefix: Buffer, source: Buffer, target: Buffer): Copied {
  const k = loadKernel();
  if (!k || prefix.length > PREFIX_MAX) return prefixLinesInJs(prefix, source, target);
  const room = Math.min(target.length, OUTPUT_SIZE);
  // No more input than the output could hold: copying input that is then left over would be wasted.
  const take = Math.min(source.length, INPUT_SIZE, room);
  k.memory.set(prefix, 0);
  k.memory.set(take === source.length ? source : source.subarray(0, take), INPUT);
  const end = k.prefixLines(INPUT, INPUT + take, OUTPUT, OUTPUT + room, prefix.length);
  const written = end - OUTPUT;
  target.set(k.memory.subarray(OUTPUT, end));
  return { read: k.read.value - INPUT, written };
}

/** The same in JavaScript: for a prefix longer than the kernel's room for it, or no WebAssembly. */
export function prefixLinesInJs(prefix: Buffer, source: Buffer, target: Buffer): Copied {
  let read = 0;
  let written = 0;
  for (;;) {
    const end = source.indexOf(10, read) + 1;
    if (end === 0 || written + prefix.length + end - read > target.length) break;
    target.set(prefix, written);
    target.set(source.subarray(read, end), written + prefix.length);
    written += prefix.length + end - read;
    read = end;
  }
  return { read, written };
}
