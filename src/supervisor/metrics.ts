// `[supervisor] metrics_address`: drover's own health in the Prometheus text format (GET /metrics), read from the
// same counters as `drover status`, plus lines read per instance and stream and the usual process_* metrics.
import type * as Http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Supervisor } from './supervisor';

/** Lines read from each instance's stdout and stderr, kept for the life of drover (restarts do not reset them). */
export class LineCounts {
  private readonly cells = new Map<string, { instance: string; stream: string; lines: number }>();

  /** The counter of one stream of one instance: the reader adds to `lines`. */
  cell(instance: string, stream: string): { lines: number } {
    const key = `${instance}\n${stream}`;
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = { instance, stream, lines: 0 }));
    return cell;
  }

  all(): { instance: string; stream: string; lines: number }[] {
    return [...this.cells.values()];
  }
}

/** `host:port` of metrics_address, or a clear error naming the option. */
export function parseMetricsAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`option "metrics_address" must be HOST:PORT such as "127.0.0.1:9464", got ${JSON.stringify(address)}`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** Serves GET /metrics on `address`; resolves once it listens. */
export function serveMetrics(address: string, supervisor: Supervisor, lines: LineCounts): Promise<Server> {
  const { host, port } = parseMetricsAddress(address);
  const http = require('node:http') as typeof Http;
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('only GET /metrics\n');
      return;
    }
    if ((request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('drover serves its metrics at /metrics\n');
      return;
    }
    const body = renderMetrics(supervisor, lines);
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`metrics_address ${address}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)),
    );
    server.listen(port, host, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** One metric family: HELP, TYPE and its samples. */
class Family {
  private readonly samples: string[] = [];
  constructor(
    readonly name: string,
    readonly type: 'counter' | 'gauge',
    readonly help: string,
  ) {}
  add(value: number, labels: Record<string, string> = {}): this {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
    this.samples.push(`${this.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    return this;
  }
  text(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.samples.join('\n')}${this.samples.length ? '\n' : ''}`;
  }
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The metrics page (Prometheus text format 0.0.4). */
export function renderMetrics(supervisor: Supervisor, lines: LineCounts): string {
  const status = supervisor.status();
  const typeOf = new Map(supervisor.instances.map((i) => [i.name, i.plan.type.name]));
  const up = new Family('drover_process_up', 'gauge', 'Whether the instance is running (1) or not (0).');
  const restarts = new Family('drover_process_restarts_total', 'counter', 'Restarts of the instance since drover started.');
  for (const i of status.instances) {
    const labels = { instance: i.name, type: typeOf.get(i.name) ?? '' };
    up.add(i.state === 'RUNNING' ? 1 : 0, labels);
    restarts.add(i.restarts, labels);
  }
  const read = new Family('drover_lines_total', 'counter', 'Lines read from the instance, by stream.');
  for (const c of lines.all()) read.add(c.lines, { instance: c.instance, stream: c.stream });

  const sent = new Family(
    'drover_output_events_sent_total',
    'counter',
    'Messages an output handed to its destination (for drains: in requests or on connections that were accepted).',
  );
  const dropped = new Family(
    'drover_output_events_dropped_total',
    'counter',
    'Messages an output dropped: buffer_full (when_full), rejected (refused by the drain, a partial success, or max_retries spent), shutdown (lost at stop).',
  );
  const buffered = new Family('drover_output_buffer_events', 'gauge', "Messages waiting in the output's buffer.");
  const bufferedBytes = new Family('drover_output_buffer_bytes', 'gauge', "Bytes waiting in the output's buffer.");
  const errors = new Family(
    'drover_output_delivery_errors_total',
    'counter',
    'Failed deliveries (each is retried): refused connections, timeouts, 5xx answers.',
  );
  for (const [id, stats] of Object.entries(status.outputs)) {
    // Drains (syslog, http, otlp) have a buffer and a send loop; stdout and file write in place.
    if (!('buffered' in stats)) continue;
    const output = { output: id.replace(/^outputs\./, '') };
    sent.add(num(stats.sent), output);
    dropped.add(num(stats.dropped), { ...output, reason: 'buffer_full' });
    dropped.add(num(stats.rejected), { ...output, reason: 'rejected' });
    dropped.add(num(stats.lost), { ...output, reason: 'shutdown' });
    buffered.add(num(stats.buffered), output);
    bufferedBytes.add(num(stats.buffered_bytes), output);
    errors.add(num(stats.retries), output);
  }
  return [up, restarts, read, sent, dropped, buffered, bufferedBytes, errors, ...processFamilies(status.uptime)].map((f) => f.text()).join('');
}

/** The process_* metrics client libraries export, for drover's own process (Linux /proc where needed). */
function processFamilies(uptimeMs: number): Family[] {
  const cpu = process.cpuUsage();
  const families = [
    new Family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.').add(cpu.user / 1e6),
    new Family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.').add(cpu.system / 1e6),
    new Family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.').add((cpu.user + cpu.system) / 1e6),
    new Family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.').add(
      Math.round((Date.now() - process.uptime() * 1000) / 1000),
    ),
    new Family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.').add(process.memoryUsage.rss?.() ?? process.memoryUsage().rss),
    new Family('drover_uptime_seconds', 'gauge', 'Seconds since the supervisor started.').add(uptimeMs / 1000),
  ];
  try {
    families.push(new Family('process_open_fds', 'gauge', 'Number of open file descriptors.').add(readdirSync('/proc/self/fd').length - 1));
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (limit) families.push(new Family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.').add(Number(limit[1])));
    const vsize = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[20]);
    if (vsize) families.push(new Family('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.').add(vsize));
  } catch {
    // Not Linux: the portable ones above are enough.
  }
  return families;
}
