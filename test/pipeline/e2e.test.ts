// The pipeline end to end: the real `bin/drover start` on a temporary app whose processes print real lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDrover, tempDir } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const NODE = process.execPath;
/** Each process runs once: drover exits when they are all done. */
const ONCE = (...types: string[]) => types.map((t) => `[processes.${t}]\nautorestart = false\nstartsecs = 0\n`).join('\n');

/** logfmt lines of one logger, as [msg, the rest of the line after msg]. */
function logfmt(stdout: string, logger: string): { msg: string; level: string; line: string }[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes(` logger=${logger} msg=`))
    .map((line) => {
      const at = line.indexOf(' msg=') + 5;
      const rest = line.slice(at);
      const end = rest.startsWith('"') ? rest.search(/(?<!\\)" |(?<!\\)"$/) + 1 : rest.indexOf(' ');
      return {
        msg: rest.startsWith('"') ? JSON.parse(rest.slice(0, end)) : rest.slice(0, end === -1 ? undefined : end),
        level: /level=(\w+)/.exec(line)![1],
        line,
      };
    });
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

describe('pipeline end to end (bin/drover start)', () => {
  it("runs the issue's drover/100-logs.toml: JSON decoded, debug dropped, worker throttled with a summary", async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\nworker: ${NODE} worker.js\n`,
      'web.js': `
        const levels = ['info', 'debug', 'error', 'debug'];
        for (let i = 0; i < 200; i++) console.log(JSON.stringify({ level: levels[i % 4], msg: 'request ' + i, time: 1700000000 + i, req: { path: '/p' + i } }));
        console.log('not json at all');
      `,
      'worker.js': `for (let i = 0; i < 500; i++) console.log('job ' + i);`,
      'drover/100-logs.toml': ISSUE_EXAMPLE,
      'drover/200-once.toml': ONCE('web', 'worker'),
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const web = logfmt(result.stdout, 'web.1').filter((l) => /^(request |not json)/.test(l.msg)); // not drover's own lines
    const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 2 === 0);
    expect(web.map((l) => l.msg)).toEqual([...expected.map((i) => `request ${i}`), 'not json at all']);
    expect(web[1]).toMatchObject({ level: 'err' });
    expect(web[1].line).toMatch(/^time=2023-11-14T22:13:22.000Z level=err logger=web.1 msg="request 2" req.path=\/p2$/);
    const jobs = logfmt(result.stdout, 'worker.1').filter((l) => l.msg.startsWith('job '));
    const summaries = [...result.stdout.matchAll(/suppressed (\d+) messages from worker\.1 in the last 1s/g)].map((m) => Number(m[1]));
    expect(jobs.length).toBeGreaterThanOrEqual(100);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(jobs.length + summaries.reduce((a, b) => a + b, 0)).toBe(500);
    expect(jobs.map((l) => l.msg).slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `job ${i}`));
  });

  it('passes 100,000 JSON lines printed at once through decode → drop → logfmt, all in order', async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\n`,
      'web.js': `
        const out = [];
        for (let i = 0; i < 100000; i++) out.push(JSON.stringify({ level: i % 4 === 1 ? 'debug' : 'info', msg: 'line ' + i, n: i }));
        process.stdout.write(out.join('\\n') + '\\n');
      `,
      'drover/100-logs.toml': ISSUE_EXAMPLE,
      'drover/200-once.toml': ONCE('web'),
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => l.includes(' msg="line '));
    expect(lines).toHaveLength(75_000);
    const numbers = lines.map((l) => Number(/ n=(\d+)/.exec(l)![1]));
    expect(numbers).toEqual(Array.from({ length: 100_000 }, (_, i) => i).filter((i) => i % 4 !== 1));
  }, 60_000);

  it('two processes printing 200,000 lines at once: stdout and a file output both get every line whole and in order', async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\nworker: ${NODE} web.js\n`,
      'web.js': `
        const out = [];
        for (let i = 0; i < 200000; i++) out.push(process.env.DYNO + ' line ' + String(i).padStart(60, '.'));
        process.stdout.write(out.join('\\n') + '\\n');
      `,
      'drover/100-out.toml':
        '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\nmatch = "Type == \'log\'"\n\n[outputs.file]\ntype = "file"\nformat = "raw"\npath = "all.log"\nmax_size = "1GB"\nmatch = "Type == \'log\'"\n',
      'drover/200-once.toml': ONCE('web', 'worker'),
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const expected = (dyno: string) => Array.from({ length: 200_000 }, (_, i) => `${dyno} line ${String(i).padStart(60, '.')}`);
    const file = readFileSync(join(app, 'all.log'), 'utf8').split('\n');
    for (const dyno of ['web.1', 'worker.1']) {
      expect(result.stdout.split('\n').filter((l) => l.startsWith(`${dyno} `))).toEqual(expected(dyno));
      expect(file.filter((l) => l.startsWith(`${dyno} `))).toEqual(expected(dyno));
    }
  }, 60_000);

  // The json decoder compiles a small function per sequence of keys (field-shapes.ts); where code generation from
  // strings is off, it assigns the keys instead, with the same outcome.
  it('decodes JSON lines where node runs with --disallow-code-generation-from-strings', async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\n`,
      'web.js': `for (let i = 0; i < 3000; i++) console.log(JSON.stringify({ level: i % 3 ? 'info' : 'debug', msg: 'hit ' + i, i, ok: true }));`,
      'drover/100-logs.toml': `[decoders.json]\ntype = "json"\n\n[filters.nodebug]\ntype = "drop"\nmatch = "Fields[level] == 'debug'"\n\n[outputs.stdout]\ntype = "stdout"\nformat = "logfmt"\nmatch = "Type == 'log'"\n`,
      'drover/200-once.toml': ONCE('web'),
    });
    const result = await startDrover(app, [], { NODE_OPTIONS: '--disallow-code-generation-from-strings' });
    expect(result.exitCode, result.all).toBe(0);
    const lines = logfmt(result.stdout, 'web.1');
    const kept = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect(lines.map((l) => l.msg)).toEqual(kept.map((i) => `hit ${i}`));
    expect(lines.map((l) => l.line.slice(l.line.indexOf(' msg=')))).toEqual(kept.map((i) => ` msg="hit ${i}" i=${i} ok=true`));
  }, 60_000);

  it('never drops what a decoder cannot parse: 1 MB lines, invalid UTF-8, binary and malformed JSON come out as printed', async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\n`,
      'web.js': `
        const chunks = [
          '{"level":"info","msg":"' + 'x'.repeat(1024 * 1024) + '"}\\n',
          Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
          Buffer.from([0x00, 0x01, 0x02, 0x80, 0x0a]),
          'level=warn msg="unterminated\\n',
          '{"level": "info", "msg": \\n',
          '{"ok":true}\\n',
        ].map((c) => Buffer.from(c));
        require('fs').writeFileSync('printed.bin', Buffer.concat(chunks));
        for (const c of chunks) process.stdout.write(c);
      `,
      'drover/100-logs.toml': `[decoders.json]\ntype = "json"\n\n[decoders.logfmt]\ntype = "logfmt"\npayload = "keep"\n\n[decoders.levels]\ntype = "severity"\n\n[outputs.stdout]\ntype = "file"\npath = "out/raw.log"\nformat = "raw"\nmatch = "Type == 'log'"\n`,
      'drover/200-once.toml': ONCE('web'),
    });
    const result = await startDrover(app);
    expect(result.exitCode).toBe(0);
    const printed = readFileSync(join(app, 'printed.bin'));
    const written = readFileSync(join(app, 'out/raw.log'));
    // The line of 1 MiB + 34 bytes is cut once, at the memory bound ([supervisor] max_line_length, 1 MiB): the same
    // bytes, with one line break added (a file output has no transport limit to split for).
    const strip = (b: Buffer) => Buffer.from(b.filter((c) => c !== 10));
    expect(strip(written).equals(strip(printed))).toBe(true);
    expect(written.length - printed.length).toBe(1);
    expect(written.subarray(written.length - 74).toString('latin1')).toBe(printed.subarray(printed.length - 74).toString('latin1'));
  }, 30_000);

  it('joins a stack trace, collapses repeats, redacts secrets, counts, and writes a rotated file', async () => {
    const app = tempDir({
      Procfile: `web: ${NODE} web.js\n`,
      'web.js': `
        const log = (s) => console.log(s);
        log('INFO starting with ' + process.env.STRIPE_API_KEY);
        log('ERROR request failed');
        log('java.lang.IllegalStateException: boom');
        log('\\tat com.example.App.run(App.java:10)');
        log('\\tat com.example.App.main(App.java:3)');
        for (let i = 0; i < 5; i++) log('WARN retrying connection to postgres://app:hunter2hunter@db:5432/x');
        log('DEBUG done');
        setTimeout(() => {}, 300);
      `,
      'drover/100-logs.toml': `
[decoders.levels]
type = "severity"
field = "level"

[filters.traces]
type = "multiline"
timeout = "100ms"

[filters.dedupe]
type = "dedupe"

[filters.redact]
type = "redact"

[filters.tag]
type = "fields"
match = "Type == 'log'"
add = { region = "eu" }

[filters.counter]
type = "counter"
match = "Type == 'log'"
interval = "10s"

[outputs.stdout]
type = "stdout"
format = "json"
match = "TRUE"

[outputs.file]
type = "file"
path = "log/app.log"
format = "heroku"
max_size = "200B"
keep = 2
match = "Type == 'log'"
`,
      'drover/200-once.toml': ONCE('web'),
    });
    const result = await startDrover(app, [], { STRIPE_API_KEY: 'sk_live_0123456789' });
    expect(result.exitCode).toBe(0);
    const records = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const web = records.filter((r) => r.logger === 'web.1' && r.type === undefined);
    expect(web.map((r) => [r.level, r.message])).toEqual([
      ['info', 'INFO starting with [REDACTED]'],
      ['err', 'ERROR request failed'],
      // No level word on the exception's own line: set `start` to join it to the ERROR line before it.
      ['info', 'java.lang.IllegalStateException: boom\n\tat com.example.App.run(App.java:10)\n\tat com.example.App.main(App.java:3)'],
      ['warning', 'WARN retrying connection to postgres://app:[REDACTED]@db:5432/x'],
      ['warning', 'last message repeated 4 times'],
      ['debug', 'DEBUG done'],
    ]);
    expect(web[0]).toMatchObject({ region: 'eu', level: 'info' });
    expect(result.stdout).not.toContain('sk_live_0123456789');
    expect(result.stdout).not.toContain('hunter2hunter');
    const counter = records.find((r) => r.logger === 'filters.counter');
    expect(counter).toMatchObject({ type: 'drover', lines: 6, 'web.1.err': 1, 'web.1.warning': 2, 'web.1.info': 2, 'web.1.debug': 1 });
    expect(counter.message).toMatch(/^counted 6 messages in [\d.]+m?s \([\d.]+\/s\): web\.1 err=1 warning=2 info=2 debug=1$/);
    const files = ['log/app.log.2', 'log/app.log.1', 'log/app.log'].map((f) => {
      try {
        return readFileSync(join(app, f), 'utf8');
      } catch {
        return '';
      }
    });
    const text = files.join('');
    expect(text).toContain('app[web.1]: DEBUG done\n');
    expect(text).not.toContain('hunter2hunter');
    expect(files[1].length).toBeGreaterThanOrEqual(200);
  }, 30_000);
});
