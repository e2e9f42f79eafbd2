// `drover config`: the merged configuration, each section with the fragment it came from.
import type TOML from '@iarna/toml';
import { relative } from 'node:path';
import { APP_OPTIONS, APP_USAGE, loadAppFromArgs, parse, type Command } from '../command';
import { formatProblem } from '../../config/errors';

// The stringifier alone (load.ts says why not the package's index).
const stringifyToml = require('@iarna/toml/stringify.js') as typeof TOML.stringify;

export const config: Command = {
  summary: 'print the merged configuration, each section with the fragment it came from',
  usage: `Usage: drover config [options]\n\nPrints the configuration after merging the defaults with the app's drover/*.toml,\nas TOML, each section preceded by the file and line it came from.\n\n${APP_USAGE}`,
  async run(args) {
    const { values } = parse(args, APP_OPTIONS);
    const app = loadAppFromArgs(values, 'build');
    const out: string[] = [];
    for (const section of app.sections) {
      const file = section.origin.file.startsWith(app.appDir) ? relative(app.appDir, section.origin.file) : section.origin.file;
      out.push(`# from ${file}:${section.origin.line}`);
      const [kind, ...rest] = section.id.split('.');
      const nested = rest.length ? { [kind]: { [rest.join('.')]: section.table } } : { [kind]: section.table };
      out.push(stringifyToml(nested as TOML.JsonMap).trim(), '');
    }
    process.stdout.write(out.join('\n') + (out.length ? '' : '# no configuration\n'));
    for (const p of app.problems) process.stderr.write(formatProblem(p) + '\n');
    return app.problems.length ? 1 : 0;
  },
};
