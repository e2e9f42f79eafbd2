// A pattern that backtracks exponentially in JavaScript must not be able to stop the supervisor's event loop:
// the real `bin/drover start`, a regex decoder ^(?<x>a+)+$ and a process printing a's and a "!".
import { afterEach, describe, expect, it } from 'vitest';
import { drover, jsonLines, JSON_STDOUT, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

describe('regex decoder on a pathological line (bin/drover start)', () => {
  it('keeps decoding, answers status and stops on SIGTERM', async () => {
    const app = tempDir({
      Procfile: `web: ${process.execPath} web.js\n`,
      // 40 a's and a "!" take JavaScript's backtracking engine about 2^40 steps: it never returns.
      'web.js': `
        for (let i = 0; i < 50; i++) console.log('a'.repeat(40 + i) + '!');
        console.log('aaaa');
        console.log('after the bad lines');
        setInterval(() => {}, 1000);
      `,
      'drover/009-stdout.toml': JSON_STDOUT,
      'drover/100-regex.toml': '[decoders.as]\ntype = "regex"\npattern = \'^(?<x>a+)+$\'\n',
    });
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /"message":"after the bad lines"/, 20_000);
    const lines = jsonLines(child.output()).filter((l) => l.logger === 'web.1');
    expect(lines.filter((l) => l.message.endsWith('!')).length).toBe(50);
    expect(lines.some((l) => l.message === 'aaaa')).toBe(true);

    const status = await drover(['status', '--json', '--socket', socket], { timeout: 10_000 });
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(String(status.stdout)).instances.map((i: { name: string }) => i.name)).toContain('web.1');

    const asked = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(Date.now() - asked).toBeLessThan(15_000);
    expect(result.exitCode).toBe(0);
  }, 60_000);
});
