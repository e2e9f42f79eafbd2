// Scheduled process types: on time, overlap skip/queue/replace, timeout, drover status and drover run NAME.
import { afterEach, describe, expect, it } from 'vitest';
import { drover, JSON_STDOUT, jsonLines, killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const messages = (text: string) => jsonLines(text).map((l) => `${l.logger}: ${l.message}`);
const count = (child: { output(): string }, pattern: RegExp) => messages(child.output()).filter((m) => pattern.test(m)).length;
async function until(test: () => boolean, timeout = 30_000): Promise<void> {
  for (const end = Date.now() + timeout; !test(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An app with a `web` that runs until stopped and a scheduled `job` configured by `options`. */
function scheduledApp(command: string, options: string) {
  return tempDir({
    Procfile: `web: echo web up; exec sleep 1000\njob: ${command}\n`,
    'drover/009-stdout.toml': JSON_STDOUT,
    'drover/100.toml': `[processes.job]\n${options}\n`,
  });
}

describe('scheduled processes', () => {
  it('a schedule with seconds runs on time (within 300 ms) for 10 runs, and not at boot', async () => {
    const app = scheduledApp('echo "ran $(date +%s%3N)"', 'schedule = "* * * * * *"');
    const child = startDrover(app);
    const bootedAt = Date.now();
    await until(() => count(child, /^job\.1: ran \d+$/) >= 10);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    const runs = messages(result.stdout)
      .filter((m) => /^job\.1: ran \d+$/.test(m))
      .map((m) => Number(m.split(' ')[2]));
    // Not at boot: the first run is at the first whole second after drover started.
    expect(runs[0]).toBeGreaterThanOrEqual(Math.floor(bootedAt / 1000) * 1000);
    for (const at of runs.slice(0, 10)) expect(at % 1000, `run at ${at}`).toBeLessThan(300);
    const seconds = runs.slice(0, 10).map((at) => Math.floor(at / 1000));
    expect(new Set(seconds).size).toBe(10);
    expect(seconds[9] - seconds[0]).toBe(9);
  }, 60_000);

  it('overlap = "skip": a run due while the previous one runs is skipped and reported', async () => {
    const app = scheduledApp('echo "start $(date +%s%3N)"; sleep 2.5; echo done', 'schedule = "* * * * * *"\noverlap = "skip"');
    const child = startDrover(app);
    await until(() => count(child, /^job\.1: done$/) >= 2);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen.filter((m) => m.startsWith('job.1: Skipped the run due at')).length).toBeGreaterThanOrEqual(3);
    // Never two at once: every start comes after the previous run's "done".
    const order = seen.filter((m) => /^job\.1: (start \d+|done)$/.test(m)).map((m) => m.split(' ')[1]);
    for (let i = 1; i < order.length; i++) expect(order[i] === 'done' ? order[i - 1] !== 'done' : order[i - 1] === 'done').toBe(true);
  }, 60_000);

  it('overlap = "queue": the run due meanwhile starts when the previous ends (one queued at most)', async () => {
    const app = scheduledApp('echo "start $(date +%s%3N)"; sleep 1.5; echo "end $(date +%s%3N)"', 'schedule = "* * * * * *"\noverlap = "queue"');
    const child = startDrover(app);
    await until(() => count(child, /^job\.1: end \d+$/) >= 3);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen.some((m) => m.startsWith('job.1: Queued the run due at'))).toBe(true);
    expect(seen).toContain('job.1: Starting the queued run');
    // The queued run starts right after the previous one ends, not at the next whole second.
    const ends = seen.filter((m) => /^job\.1: end \d+$/.test(m)).map((m) => Number(m.split(' ')[2]));
    const starts = seen.filter((m) => /^job\.1: start \d+$/.test(m)).map((m) => Number(m.split(' ')[2]));
    expect(starts[1] - ends[0]).toBeGreaterThanOrEqual(0);
    expect(starts[1] - ends[0]).toBeLessThan(500);
  }, 60_000);

  it('overlap = "replace": the previous run is stopped and a new one starts', async () => {
    const app = scheduledApp(`trap 'echo stopped; exit 143' TERM; echo "start $$"; sleep 100 & wait`, 'schedule = "*/2 * * * * *"\noverlap = "replace"');
    const child = startDrover(app);
    await until(() => count(child, /^job\.1: start \d+$/) >= 2);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen.some((m) => /^job\.1: Replacing the previous run \(pid \d+\) with the run due at/.test(m))).toBe(true);
    expect(seen).toContain('job.1: stopped');
    expect(seen.some((m) => m.startsWith('job.1: Scheduled run was replaced (status 143)'))).toBe(true);
    const pids = seen.filter((m) => /^job\.1: start \d+$/.test(m)).map((m) => m.split(' ')[2]);
    expect(new Set(pids).size).toBe(pids.length);
  }, 60_000);

  it('timeout stops a stuck run (SIGKILL after stopwaitsecs); the failure is reported and the schedule goes on', async () => {
    const app = scheduledApp(`trap '' TERM; echo stuck; sleep 100`, 'schedule = "*/2 * * * * *"\ntimeout = "500ms"\nstopwaitsecs = "300ms"');
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await until(() => count(child, /^job\.1: Scheduled run timed out/) >= 2);
    const status = JSON.parse((await drover(['status', '--json', '--socket', socket])).stdout as string);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen).toContain('job.1: Scheduled run still running after timeout = 0.5s: stopping it with SIGTERM');
    expect(seen.some((m) => m.startsWith('job.1: Error R12 (Exit timeout)'))).toBe(true);
    expect(seen.some((m) => /^job\.1: Scheduled run timed out \(status 137\) after 0\.\d+s; next run at /.test(m))).toBe(true);
    expect(status.schedules[0]).toMatchObject({
      name: 'job.1',
      schedule: '*/2 * * * * *',
      timezone: 'UTC',
      overlap: 'skip',
      last: { status: 137, timedOut: true },
    });
    expect(status.schedules[0].failed).toBeGreaterThanOrEqual(2);
    // drover keeps running: the web is untouched.
    expect(seen.filter((m) => m.startsWith('web.1: Starting process'))).toHaveLength(1);
  }, 60_000);

  it('drover status shows the next run and the last result; drover run NAME runs it now', async () => {
    const app = scheduledApp('echo "report for $DYNO"; exit 3', 'schedule = "0 3 * * *"\ntimezone = "Europe/Berlin"');
    const socket = `${app}/control.sock`;
    const child = startDrover(app, [], { DROVER_SOCKET: socket });
    await waitForLine(child, /web up/);
    await waitForLine(child, /Scheduled `0 3 \* \* \*` \(Europe\/Berlin\); next run at/);
    const before = await drover(['status', '--socket', socket]);
    expect(before.stdout).toMatch(/job\.1 +0 3 \* \* \* \(Europe\/Berlin\) +\d{4}-\d\d-\d\dT0[12]:00:00\.000Z +- +0\/0\/0/);
    const run = await drover(['run', 'job'], { cwd: app, env: { DROVER_SOCKET: socket } });
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(run.stdout).toContain('job.1 runs now in the running supervisor');
    await waitForLine(child, /Scheduled run failed with status 3/);
    const after = await drover(['status', '--socket', socket]);
    expect(after.stdout).toMatch(/job\.1 .* failed \(3\) at \d{4}-.* 1\/1\/0/);
    child.kill('SIGTERM');
    const seen = messages((await child).stdout);
    expect(seen).toContain('job.1: report for job.1');
    expect((await child).exitCode).toBe(0);
  }, 60_000);

  it('drover check fails on a cron expression with an error, naming the line and column', async () => {
    const app = tempDir({ Procfile: 'job: echo hi\n', 'drover/100.toml': '[processes.job]\nschedule = "0 61 * * *"\ntimezone = "Mars/Olympus"\n' });
    const result = await drover(['check'], { cwd: app });
    expect(result.exitCode).not.toBe(0);
    const text = String(result.stdout) + String(result.stderr);
    expect(text).toContain('drover/100.toml:2:15: [processes.job] option "schedule" = "0 61 * * *", column 3: invalid hour "61"');
    expect(text).toContain('option "timezone" must be an IANA time zone such as "Europe/Berlin" or "UTC", got "Mars/Olympus"');
    const valid = tempDir({
      Procfile: 'job: echo hi\n',
      'drover/100.toml': '[processes.job]\nschedule = "*/10 * * * * *"\ntimezone = "Europe/Berlin"\noverlap = "queue"\n',
    });
    const ok = await drover(['check'], { cwd: valid });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/job +echo hi {2}\(schedule "\*\/10 \* \* \* \* \*" \(Europe\/Berlin, overlap queue\)\)/);
  });

  it('a formation that does not name a scheduled type does not schedule it; it cannot be scaled; drover run NAME without a supervisor runs it here', async () => {
    const app = scheduledApp('echo "job ran"', 'schedule = "* * * * * *"');
    const socket = `${app}/control.sock`;
    const child = startDrover(app, ['web'], { DROVER_SOCKET: socket });
    await waitForLine(child, /web up/);
    await new Promise((r) => setTimeout(r, 2200));
    expect(child.output()).not.toContain('job ran');
    child.kill('SIGTERM');
    await child;
    const both = startDrover(app, ['web,job'], { DROVER_SOCKET: socket });
    await waitForLine(both, /"message":"job ran"/);
    const scaled = await drover(['scale', 'job=2', '--socket', socket]);
    expect(scaled.exitCode).toBe(1);
    expect(scaled.stderr).toBe('drover scale: job is scheduled (schedule = ...): each runs on its schedule, as one instance');
    both.kill('SIGTERM');
    await both;
    const here = await drover(['run', 'job'], { cwd: app, env: { DROVER_SOCKET: `${app}/none.sock` } });
    expect(here.exitCode).toBe(0);
    expect(here.stdout).toBe('job ran');
  }, 30_000);
});
