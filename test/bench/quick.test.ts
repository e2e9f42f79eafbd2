// The benchmarks must keep working: `node bench/run.mjs --quick --no-write` runs every workload once on a
// tenth of the data and prints the report; this checks every workload produced its table.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('bench --quick', () => {
  it('runs every workload and reports each one', () => {
    const report = execFileSync(process.execPath, [join(ROOT, 'bench', 'run.mjs'), '--quick', '--no-write'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 150_000,
    });
    for (const title of [
      'Passthrough, raw format',
      'Passthrough, heroku format',
      'Passthrough, json decode',
      'Latency from a child',
      'Start-up to child running',
      'Idle RSS of the supervisor',
      'Time to restart a crashed process',
      'Clean shutdown of 10 processes',
      'syslog+tcp throughput',
      'File input: following a file',
      'CPU of the supervisor while an app logs 20,000 lines/s',
      'Build: bin/compile',
      'Matcher and regex decoder',
    ])
      expect(report).toContain(`## ${title}`);
    expect(report).not.toContain('The workload failed');
    // drover itself must have a number in every workload that is not pending.
    const sections = report
      .split('\n## ')
      .slice(1)
      .filter((s) => !s.includes('**Pending:**') && !s.startsWith('Goals'));
    for (const section of sections) expect(section, section.split('\n')[0]).toMatch(/^\| drover \| \d/m);
    expect(report).toContain('| goal | measured (median) | status |');
  }, 160_000);
});
