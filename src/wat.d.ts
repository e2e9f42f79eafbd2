// WebAssembly text files are compiled at build time: importing one gives the module's bytes (scripts/wat.mjs).
declare module '*.wat' {
  const bytes: Uint8Array;
  export default bytes;
}

// The part of the WebAssembly JS API drover uses. TypeScript declares it only in its DOM libraries, and
// @types/node 20 not at all.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Global {
    value: number;
  }
}
