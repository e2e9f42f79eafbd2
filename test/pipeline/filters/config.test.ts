// The configuration users write: the issue's example, and every component's own `example`, load without problems.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load';
import { definitionsOf, findDefinition } from '../../../src/pipeline/registry';
import { ROOT, tempDir } from '../../helpers';

function load(files: Record<string, string>) {
  const app = tempDir(files);
  return loadConfig({ dirs: [join(ROOT, 'conf'), join(app, 'drover')], env: {}, mode: 'run' });
}

const ISSUE_EXAMPLE = `
[decoders.json]
type = "json"
match = "Logger =~ /^web/"

[filters.nodebug]
type = "drop"
match = "Fields[level] == 'debug'"

[filters.quiet]
type = "throttle"
match = "Logger == 'worker.1'"
limit = 100
window = "1s"

[outputs.stdout]
type = "stdout"
format = "logfmt"
match = "TRUE"
`;

describe('pipeline configuration', () => {
  it("loads the issue's drover/100-logs.toml", () => {
    const { config, problems } = load({ 'drover/100-logs.toml': ISSUE_EXAMPLE });
    expect(problems).toEqual([]);
    expect(config.decoders).toEqual([
      expect.objectContaining({
        name: 'json',
        type: 'json',
        match: 'Logger =~ /^web/',
        options: expect.objectContaining({ payload: 'message', max_depth: 8 }),
      }),
    ]);
    expect(config.filters.map((f) => [f.name, f.type, f.match])).toEqual([
      ['nodebug', 'drop', "Fields[level] == 'debug'"],
      ['quiet', 'throttle', "Logger == 'worker.1'"],
    ]);
    expect(config.filters[1].options).toEqual({ limit: 100, window: 1000, key: 'Logger' });
    expect(config.outputs).toEqual([expect.objectContaining({ name: 'stdout', options: { format: 'logfmt', color: 'auto' } })]);
  });

  const mine = [...definitionsOf('decoders'), ...definitionsOf('filters'), findDefinition('outputs', 'file')!];
  for (const definition of mine) {
    it(`accepts the example of the ${definition.type} ${definition.kind.replace(/s$/, '')}`, () => {
      const { problems } = load({ 'drover/100-example.toml': definition.example });
      expect(problems).toEqual([]);
    });
  }

  it('reports a bad option with file, line and component', () => {
    const { problems } = load({ 'drover/100-x.toml': '[filters.q]\ntype = "throttle"\nlimit = "lots"\n\n[decoders.r]\ntype = "regex"\npattern = "(?<a>"\n' });
    expect(problems.map((p) => `${p.line} ${p.component} ${p.message}`)).toEqual([
      '3 filters.q option "limit" must be an integer, got string "lots"',
      '7 decoders.r option "pattern" must be a valid RE2 regular expression, got "(?<a>": missing closing ) at column 1',
    ]);
  });
});
