import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileOutput, FileOutput } from '../../../src/pipeline/outputs/file';
import { childLines, make, message, problemsOf, recorder } from '../filters/context';
import { tempDir } from '../../helpers';

const done = (output: { close(deadline: number): Promise<void> }) => output.close(Date.now() + 5000);

describe('file output', () => {
  it('appends messages in the chosen format, creating the directory', async () => {
    const dir = tempDir();
    const path = join(dir, 'log', 'app.log');
    const out = make(fileOutput, { path, format: 'heroku' });
    out.write(message('hello', 'web.1'));
    out.write(message('world', 'worker.1'));
    await done(out);
    expect(readFileSync(path, 'utf8')).toBe('2023-11-14T22:13:20.000000+00:00 app[web.1]: hello\n2023-11-14T22:13:20.000000+00:00 app[worker.1]: world\n');
  });

  it('rotates by size on line boundaries and keeps `keep` old files, newest in path.1', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    const out = make(fileOutput, { path, format: 'raw', max_size: 100, keep: 2 });
    for (let i = 0; i < 30; i++) out.write(message(`line ${String(i).padStart(2, '0')} ${'x'.repeat(12)}`)); // 21 bytes a line
    await done(out);
    expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    const lines = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l.slice(5, 7)));
    // 5 lines (105 bytes) make a file reach 100: files hold 0-4, 5-9, …, 25-29; two old ones are kept.
    expect([lines('app.log.2'), lines('app.log.1'), lines('app.log')]).toEqual([[20, 21, 22, 23, 24], [25, 26, 27, 28, 29], []]);
    expect((out.stats!() as Record<string, number>).rotations).toBe(6);
  });

  it('counts logfmt lines, which are written straight into its buffer, towards the size too', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    const out = make(fileOutput, { path, format: 'logfmt', max_size: 1000, keep: 100 });
    const expected = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(2, '0')}`);
    for (const text of expected) out.write(message(text));
    await done(out);
    const rotated = readdirSync(dir)
      .filter((f) => f !== 'app.log')
      .sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()));
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    // Each rotated file reached 1000 bytes with its last line, not before.
    const lineLength = readFileSync(join(dir, rotated[0]), 'utf8').indexOf('\n') + 1;
    for (const f of rotated) expect(readFileSync(join(dir, f)).length, f).toBeGreaterThanOrEqual(1000);
    for (const f of rotated) expect(readFileSync(join(dir, f)).length, f).toBeLessThan(1000 + lineLength);
    const all = [...rotated, 'app.log'].map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(
      all
        .split('\n')
        .filter(Boolean)
        .map((l) => /msg="([^"]*)"/.exec(l)![1]),
    ).toEqual(expected);
  });

  it('counts a file left by the last run towards its size', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    writeFileSync(path, 'y'.repeat(95) + '\n');
    const out = make(fileOutput, { path, format: 'raw', max_size: 100, keep: 1 });
    out.write(message('new'));
    await done(out);
    expect(readFileSync(join(dir, 'app.log.1'), 'utf8')).toBe('y'.repeat(95) + '\nnew\n');
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('with keep = 0 deletes the full file', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    const out = make(fileOutput, { path, format: 'raw', max_size: 10, keep: 0 });
    out.write(message('0123456789'));
    out.write(message('abc'));
    await done(out);
    expect(readdirSync(dir)).toEqual(['app.log']);
    expect(readFileSync(path, 'utf8')).toBe('abc\n');
  });

  it('writes the bytes of binary, invalid UTF-8 and 1 MB lines from a real process unchanged in raw format', async () => {
    const lines = childLines(`
      process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]));
      process.stdout.write('m'.repeat(1024 * 1024) + '\\n');
      for (let i = 0; i < 1000; i++) process.stdout.write('line ' + i + '\\n');
    `);
    const dir = tempDir();
    const path = join(dir, 'app.log');
    const out = new FileOutput(path, 'raw', 0, 5);
    for (const raw of lines) out.write(message(raw));
    await done(out);
    const written = readFileSync(path);
    expect(written.subarray(0, 5)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]));
    expect(written.length).toBe(lines.reduce((n, l) => n + l.length + 1, 0));
    expect(written.toString('latin1').endsWith('line 998\nline 999\n')).toBe(true);
  });

  it('fails to start with the path and the reason, and validates options', () => {
    const dir = tempDir({ file: 'not a directory' });
    expect(() => make(fileOutput, { path: join(dir, 'file', 'app.log') }, recorder())).toThrow(
      /^filters\.test: cannot open ".*\/file\/app\.log" for appending: .*(ENOTDIR|EEXIST)/,
    );
    expect(existsSync(join(dir, 'file'))).toBe(true);
    expect(problemsOf(fileOutput, {})).toEqual(['option "path" is required']);
    expect(problemsOf(fileOutput, { path: 'x', format: 'auto' })[0]).toMatch(
      /^option "format" must be one of "raw", "heroku", "prefixed", "json", "logfmt", got string "auto"/,
    );
    expect(problemsOf(fileOutput, { path: 'x', max_size: 'big' })[0]).toMatch(/^option "max_size" must be a size/);
  });
});
