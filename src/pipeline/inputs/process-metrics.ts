// `process_metrics` input: Heroku's log-runtime-metrics lines for every running instance, measured from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { defineComponent, type ComponentContext, type Input, type InputHost } from '../component';
import { Message, SEVERITY } from '../message';
import type { Schema } from '../../config/schema';

const schema: Schema = {
  interval: { type: 'duration', default: '20s', doc: 'how often each running instance is measured (Heroku samples every 20 s)' },
};

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux ABI Node.js runs on. */
const TICKS = 100;

/** One process as /proc/PID/stat shows it. */
interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU time and that of the children it has reaped. */
  ticks: number;
}

/** What one instance's process tree uses now. */
export interface TreeSample {
  processes: number;
  rssKb: number;
  swapKb: number;
  cpuSeconds: number;
}

/** Every process now, from /proc/PID/stat; processes that exit meanwhile are skipped. */
function readProcesses(): ProcStat[] {
  const list: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      list.push({ pid: Number(name), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
    } catch {
      // gone
    }
  }
  return list;
}

/** The processes of the tree rooted at `root` (itself and every descendant, also those in other groups). */
export function sampleTree(root: number, processes: ProcStat[] = readProcesses()): TreeSample | undefined {
  const children = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const p of processes) {
    if (p.pid === root) rootStat = p;
    let list = children.get(p.ppid);
    if (!list) children.set(p.ppid, (list = []));
    list.push(p);
  }
  if (!rootStat) return undefined;
  const sample: TreeSample = { processes: 0, rssKb: 0, swapKb: 0, cpuSeconds: 0 };
  const queue = [rootStat];
  while (queue.length) {
    const p = queue.pop()!;
    sample.processes++;
    sample.cpuSeconds += p.ticks / TICKS;
    try {
      const status = readFileSync(`/proc/${p.pid}/status`, 'latin1');
      sample.rssKb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      sample.swapKb += Number(/^VmSwap:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
    queue.push(...(children.get(p.pid) ?? []));
  }
  return sample;
}

const mb = (kb: number) => (kb / 1024).toFixed(2);

export class ProcessMetricsInput implements Input {
  private timer: NodeJS.Timeout | undefined;
  private host!: InputHost;
  private samples = 0;
  private errors = 0;

  constructor(
    private readonly options: Record<string, any>,
    private readonly context: ComponentContext,
  ) {}

  async start(host: InputHost): Promise<void> {
    this.host = host;
    this.timer = setInterval(() => this.measure(), this.options.interval);
    this.timer.unref();
  }

  /** One line per running instance, in Heroku's format, with the numbers in Fields as well. */
  private measure(): void {
    let processes: ProcStat[];
    let load: string[];
    try {
      processes = readProcesses();
      load = readFileSync('/proc/loadavg', 'latin1').split(' ');
    } catch (error) {
      if (this.errors++ === 0) this.context.report(`cannot read /proc (${(error as Error).message}): process_metrics needs Linux`, SEVERITY.warning);
      return;
    }
    for (const { name, pid } of this.host.instances()) {
      if (pid === undefined) continue;
      const s = sampleTree(pid, processes);
      if (!s) continue;
      const totalKb = s.rssKb + s.swapKb;
      const text = `source=${name} sample#memory_total=${mb(totalKb)}MB sample#memory_rss=${mb(s.rssKb)}MB sample#memory_swap=${mb(s.swapKb)}MB sample#load_avg_1m=${load[0]} sample#load_avg_5m=${load[1]} sample#load_avg_15m=${load[2]} sample#cpu_time=${s.cpuSeconds.toFixed(2)}s sample#processes=${s.processes}`;
      const message = new Message(Buffer.from(text, 'latin1'), name, 'stdout', pid, this.context.hostname, Date.now(), 'metrics');
      message.severity = SEVERITY.info;
      message.fields = {
        source: name,
        memory_total: Number(mb(totalKb)),
        memory_rss: Number(mb(s.rssKb)),
        memory_swap: Number(mb(s.swapKb)),
        load_avg_1m: Number(load[0]),
        cpu_time: Number(s.cpuSeconds.toFixed(2)),
        processes: s.processes,
      };
      this.samples++;
      this.host.emit(message);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  stats(): Record<string, number | string> {
    return { samples: this.samples, errors: this.errors };
  }
}

/** The `process_metrics` input. */
export const processMetricsInput = defineComponent({
  kind: 'inputs',
  type: 'process_metrics',
  summary:
    'Every interval, one line per running instance in Heroku\'s log-runtime-metrics format (memory, swap, load, CPU time of its whole process tree, from /proc), with Type "metrics".',
  schema,
  example: '[inputs.metrics]\ntype = "process_metrics"\ninterval = "20s"',
  check: (options) =>
    options.interval < 1000
      ? [{ key: 'interval', message: `option "interval" must be at least 1s, got ${options.interval} ms`, hint: 'e.g. interval = "20s"' }]
      : [],
  create: (options, context) => new ProcessMetricsInput(options, context),
});
