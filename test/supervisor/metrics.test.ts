// `[supervisor] metrics_address`, scraped by Prometheus itself (Debian's package) and checked with promtool.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDrover, tempDir, waitForLine } from '../helpers';
import { freePort, sleep } from '../pipeline/outputs/peers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Prometheus scraping `target` every second, with its API on a loopback port. */
async function startPrometheus(target: string): Promise<{ query(expr: string): Promise<Record<string, number>> }> {
  const dir = tempDir();
  const port = await freePort();
  // honor_labels: drover's `instance` label (web.1) is kept rather than renamed to exported_instance.
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: drover\n    honor_labels: true\n    static_configs:\n      - targets: ["${target}"]\n`,
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${port}/api/v1/query?query=`;
  return {
    /** The current value of each series of `expr`, keyed by its labels (without job). */
    async query(expr: string) {
      const answer = (await (await fetch(api + encodeURIComponent(expr))).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      // Without labels of the target's own (job, and instance when drover's metric has none).
      return Object.fromEntries(
        answer.data.result.map((r) => [
          Object.entries(r.metric)
            .filter(([k, v]) => k !== 'job' && k !== '__name__' && !(k === 'instance' && v === target && expr !== 'up'))
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
          Number(r.value[1]),
        ]),
      );
    },
  };
}

/** Polls until `check` stops throwing, or `timeout` passes (then throws its last error). */
async function eventually<T>(check: () => Promise<T>, timeout = 30_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await sleep(250);
    }
  }
}

describe('metrics_address', () => {
  it('is scraped by Prometheus; promtool accepts it; after a drain outage the counters match what drover said', async () => {
    const drainPort = await freePort();
    const metricsPort = await freePort();
    const app = tempDir({
      // web prints 51 lines at once and waits; worker runs a moment and exits, so it is restarted.
      Procfile: 'web: for i in $(seq 1 50); do echo "line $i"; done; echo oops >&2; exec sleep 60\nworker: sleep 1.2; exit 3\n',
      'drover/50-metrics.toml': `[supervisor]
metrics_address = "127.0.0.1:${metricsPort}"

[processes.worker]
startsecs = 1

# Nothing listens on the drain's port at first: an outage. Its buffer keeps 10 lines and drops the oldest.
[outputs.drain]
type = "http"
url = "http://127.0.0.1:${drainPort}/logs"
format = "ndjson"
match = "Type != 'drover'"
batch_interval = "50ms"
backoff_initial = "100ms"
backoff_max = "100ms"
buffer = { type = "memory", max_events = 10, when_full = "drop_oldest" }
`,
    });
    const child = startDrover(app);
    cleanups.push(() => child.kill('SIGKILL'));
    await waitForLine(child, /Serving Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    const prometheus = await startPrometheus(`127.0.0.1:${metricsPort}`);

    // The format, as Prometheus's own tool reads it.
    const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(execFileSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' })).toBe('');
    expect(page).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(page).toMatch(/^process_cpu_seconds_total [\d.e-]+$/m);

    // The outage lasts about two seconds of retries; then the drain comes up and takes what the buffer kept.
    await waitForLine(child, /retrying in 0\.1s/);
    await sleep(2000);
    const received: string[] = [];
    const drain: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (d) => (body += d));
      request.on('end', () => {
        received.push(...body.trim().split('\n'));
        response.end('ok');
      });
    });
    cleanups.push(() => drain.close());
    await new Promise<void>((resolve) => drain.listen(drainPort, '127.0.0.1', resolve));

    const scraped = await eventually(async () => {
      // Every line of web either reached the drain or was dropped, and Prometheus has seen that.
      const sent = (await prometheus.query('drover_output_events_sent_total'))['output=drain'];
      const full = (await prometheus.query('drover_output_events_dropped_total{reason="buffer_full"}'))['output=drain,reason=buffer_full'];
      expect(sent + full).toBe(51);
      expect(sent).toBe(received.length);
      const restarts = await prometheus.query('drover_process_restarts_total');
      expect(restarts['instance=worker.1,type=worker']).toBeGreaterThanOrEqual(1);
      return {
        up: await prometheus.query('drover_process_up'),
        target: await prometheus.query('up'),
        lines: await prometheus.query('drover_lines_total'),
        dropped: await prometheus.query('drover_output_events_dropped_total'),
        errors: await prometheus.query('drover_output_delivery_errors_total'),
        buffered: await prometheus.query('drover_output_buffer_events'),
      };
    });
    // The buffer kept 10 (more if the sender took a batch before all 51 had arrived).
    expect(received.length).toBeGreaterThanOrEqual(10);
    expect(scraped.target).toEqual({ [`instance=127.0.0.1:${metricsPort}`]: 1 });
    expect(scraped.up['instance=web.1,type=web']).toBe(1);
    expect(scraped.lines).toMatchObject({ 'instance=web.1,stream=stdout': 50, 'instance=web.1,stream=stderr': 1 });
    expect(scraped.buffered).toEqual({ 'output=drain': 0 });

    // What drover said in its own lines, once the reports still pending are out (they are said at most once a second).
    await sleep(2500);
    const said = child.output();
    const sum = (pattern: RegExp, count: (m: RegExpMatchArray) => number) => [...said.matchAll(pattern)].reduce((n, m) => n + count(m), 0);
    const droppedSaid = sum(/Error L10 \(output buffer overflow\): outputs\.drain dropped (\d+) messages \(memory buffer full/g, (m) => Number(m[1]));
    const errorsSaid = sum(
      /Error L13 \(delivery error\): outputs\.drain: .*; retrying in [\d.]+s \(attempt \d+\)(?: \(and (\d+) more like it\))?/g,
      (m) => 1 + Number(m[1] ?? 0),
    );
    expect(droppedSaid).toBe(51 - received.length);
    expect(scraped.dropped).toEqual({ 'output=drain,reason=buffer_full': droppedSaid, 'output=drain,reason=rejected': 0, 'output=drain,reason=shutdown': 0 });
    expect(errorsSaid).toBeGreaterThanOrEqual(5);
    expect(scraped.errors).toEqual({ 'output=drain': errorsSaid });
    child.kill('SIGTERM');
    await child;
  }, 90_000);

  it('refuses a metrics_address that is not HOST:PORT, naming the option', async () => {
    const app = tempDir({ Procfile: 'web: sleep 1\n', 'drover/50.toml': '[supervisor]\nmetrics_address = "9464"\n' });
    const result = await startDrover(app);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/metrics_address/);
    expect(result.all).toMatch(/HOST:PORT, such as "127\.0\.0\.1:9464"/);
  });
});
