import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { ROOT, tempDir } from '../helpers';
import { join } from 'node:path';

const DEFAULTS = join(ROOT, 'conf');

function load(files: Record<string, string>, env: NodeJS.ProcessEnv = {}, mode: 'build' | 'run' = 'run') {
  const app = tempDir(files);
  return loadConfig({ dirs: [DEFAULTS, join(app, 'drover')], env, mode });
}

describe('loadConfig', () => {
  it('loads the default stdout output when the app has no fragments', () => {
    const { config, problems } = load({});
    expect(problems).toEqual([]);
    expect(config.outputs).toEqual([expect.objectContaining({ name: 'stdout', type: 'stdout', match: 'TRUE', options: { format: 'auto', color: 'auto' } })]);
  });

  it('lets a same-named app fragment replace a default, and an empty one disable it', () => {
    expect(load({ 'drover/009-stdout.toml': '' }).config.outputs).toEqual([]);
    const replaced = load({ 'drover/009-stdout.toml': '[outputs.plain]\ntype = "stderr"\nformat = "raw"\n' });
    expect(replaced.config.outputs.map((o) => o.name)).toEqual(['plain']);
  });

  it('replaces a section defined again in a later fragment whole', () => {
    const { config } = load({ 'drover/100-a.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "json"\nmatch = "Severity <= 3"\n' });
    expect(config.outputs).toEqual([expect.objectContaining({ name: 'stdout', match: 'Severity <= 3', options: { format: 'json', color: 'auto' } })]);
  });

  it('applies process defaults and converts units', () => {
    const { config, problems } = load({
      'drover/100-p.toml': '[processes.worker]\ncommand = "bin/worker"\nstopwaitsecs = "1.5s"\nautorestart = "unexpected"\n',
    });
    expect(problems).toEqual([]);
    expect(config.processes.worker).toMatchObject({
      command: 'bin/worker',
      numprocs: 1,
      autorestart: 'unexpected',
      startsecs: 1000,
      startretries: 5,
      stopsignal: 'TERM',
      stopwaitsecs: 1500,
      exitcodes: [0],
    });
  });

  it('collects every error with file, line, component and hint', () => {
    const { problems } = load({
      'drover/100-bad.toml':
        '[processes.web]\ncommand = "x"\nnumprocs = "two"\nrestart = true\n\n[outputs.out]\ntype = "stdout"\nformat = "fancy"\nmatch = "Logger = 1"\n',
      'drover/200-bad.toml': '[outputs.two]\ntype = "stdot"\n\n[filters.f]\nmatch = "TRUE"\n',
      'drover/300-bad.toml': '[output.x]\ntype = "stdout"\n',
    });
    const summary = problems.map((p) => `${p.file.split('/').pop()}:${p.line} ${p.component} ${p.message}`);
    expect(summary).toEqual([
      '100-bad.toml:3 processes.web option "numprocs" must be an integer, got string "two"',
      '100-bad.toml:4 processes.web unknown option "restart"',
      '100-bad.toml:8 outputs.out option "format" must be one of "auto", "raw", "heroku", "prefixed", "json", "logfmt", got string "fancy"',
      '100-bad.toml:9 outputs.out option "match": unexpected character "=" at column 8 of "Logger = 1"',
      '200-bad.toml:2 outputs.two unknown output type "stdot"',
      '200-bad.toml:4 filters.f option "type" is required',
      '300-bad.toml:1  unknown section [output]',
    ]);
    expect(problems.find((p) => p.message.includes('"restart"'))?.hint).toBe('did you mean "autorestart"?');
    expect(problems.find((p) => p.message.includes('stdot'))?.hint).toBe('did you mean "stdout"?');
  });

  it('reports invalid TOML with its line and column', () => {
    const { problems } = load({ 'drover/100-x.toml': '[outputs.a]\ntype = "stdout"\nformat = raw\n' });
    expect(problems).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/^invalid TOML: .*\(column 10\)$/) })]);
  });

  it('resolves ${VAR} and ${VAR:-default} from the environment', () => {
    const files = { 'drover/100-p.toml': '[processes.web]\ncommand = "serve"\nenvironment = { ARGS = "--port ${PORT:-5000} --name ${NAME}" }\n' };
    expect(load(files, { NAME: 'app' }).config.processes.web.environment).toEqual({ ARGS: '--port 5000 --name app' });
    expect(load(files, { NAME: 'app', PORT: '8080' }).config.processes.web.environment).toEqual({ ARGS: '--port 8080 --name app' });
  });

  it("leaves a process command to the shell, which expands it with each instance's own PORT", () => {
    const { config, problems } = load({ 'drover/100-p.toml': '[processes.web]\ncommand = "serve --port ${PORT} $$HOME"\n' });
    expect(problems).toEqual([]);
    expect(config.processes.web.command).toBe('serve --port ${PORT} $$HOME');
  });

  it('treats an unset ${VAR} as an error at run time and a warning at build time, said once', () => {
    const files = { 'drover/100-f.toml': '[filters.f]\ntype = "drop"\nmatch = "${MATCH}"\n' };
    const run = load(files, {}, 'run');
    expect(run.problems.map((p) => p.message)).toEqual(['option "match" uses ${MATCH}, which is not set']);
    const build = load(files, {}, 'build');
    expect(build.problems).toEqual([]);
    expect(build.warnings).toEqual([expect.objectContaining({ line: 3, component: 'filters.f' })]);
  });

  it('disables an output whose ${VAR} is unset or gives a bad value at run time; required = true makes it an error', () => {
    const files = { 'drover/100-o.toml': '[outputs.o]\ntype = "stdout"\nformat = "${FORMAT}"\n\n[outputs.d]\ntype = "syslog"\nurl = "${DRAIN}"\n' };
    const run = load(files, { DRAIN: 'logs.example.com' }, 'run');
    expect(run.problems).toEqual([]);
    expect(run.config.outputs.map((o) => o.name)).toEqual(['stdout']);
    expect(run.config.disabled.map((d) => [d.name, d.problems.map((p) => p.message)])).toEqual([
      ['o', ['option "format" uses ${FORMAT}, which is not set']],
      ['d', [expect.stringMatching(/^option "url" must be a drain URL with a port/)]],
    ]);
    // A literal mistake is not the environment's: it stays an error.
    expect(load({ 'drover/100-o.toml': '[outputs.o]\ntype = "stdout"\nformat = "fancy"\n' }, {}, 'run').problems).toHaveLength(1);
    const required = load({ 'drover/100-o.toml': '[outputs.o]\ntype = "stdout"\nrequired = true\nformat = "${FORMAT}"\n' }, {}, 'run');
    expect(required.problems.map((p) => p.message)).toEqual(['option "format" uses ${FORMAT}, which is not set']);
    expect(required.config.disabled).toEqual([]);
    const build = load(files, { DRAIN: 'logs.example.com' }, 'build');
    expect(build.problems).toEqual([]);
    expect(build.warnings.map((w) => w.message)).toEqual([
      'option "format" uses ${FORMAT}, which is not set; at start [outputs.o] is disabled until it is set, and the processes start regardless (required = true refuses to start instead)',
      expect.stringMatching(
        /^option "url" must be a drain URL with a port.*; at start \[outputs\.d\] is disabled until it is right, and the processes start regardless/,
      ),
    ]);
  });
});

describe('loadConfig line numbers', () => {
  it('finds the line of an array of tables, which is not a valid section', () => {
    const app = tempDir({ 'drover/100.toml': '# outputs\n\n[[outputs.x]]\ntype = "stdout"\n' });
    const { problems } = loadConfig({ dirs: [join(app, 'drover')], env: {}, mode: 'run' });
    expect(problems).toEqual([expect.objectContaining({ line: 3, component: 'outputs.x', message: '[outputs.x] must be a table of options' })]);
  });
});
