// `drover version`: the version of drover and of the Node.js running it.
import { VERSION } from '../../version';
import type { Command } from '../command';

export const version: Command = {
  summary: 'print the version',
  usage: 'Usage: drover version\n\nPrints the drover version and the Node.js version running it.',
  async run() {
    process.stdout.write(`drover ${VERSION} (node ${process.version})\n`);
    return 0;
  },
};
