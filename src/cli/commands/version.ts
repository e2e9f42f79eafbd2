// `drover version`: the version of drover and of the Node.js running it.
import type { Command } from '../command';

declare const DROVER_VERSION: string;

/** The version baked into the bundle at build time (package.json's), or `dev` when run from source. */
export const VERSION = typeof DROVER_VERSION === 'string' ? DROVER_VERSION : 'dev';

export const version: Command = {
  summary: 'print the version',
  usage: 'Usage: drover version\n\nPrints the drover version and the Node.js version running it.',
  async run() {
    process.stdout.write(`drover ${VERSION} (node ${process.version})\n`);
    return 0;
  },
};
