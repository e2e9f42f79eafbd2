// Process plumbing shared by the workloads: real pipes, line watching, /proc readings and clean teardown.
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

let fifoCount = 0;

/**
 * A real pipe (a FIFO), not the socketpair Node gives children for 'pipe': supervisord's
 * stdout_logfile=/dev/stdout cannot reopen a socket. Returns the write fd for the tool and a readable stream.
 */
export function realPipe(dir) {
  const path = join(dir, `pipe-${process.pid}-${fifoCount++}`);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, 'w');
  const stream = new Socket({ fd: readFd, readable: true, writable: false });
  return { writeFd, stream, path };
}

/** A FIFO path read by a fast external reader (grep), so the reader is never the bottleneck of a pipe test. */
export function fifoPath(dir) {
  const path = join(dir, `sink-${process.pid}-${fifoCount++}`);
  execFileSync('mkfifo', [path]);
  return path;
}

/** Spawns a tool in its own process group; keeps the tail of its stderr for error messages. */
export function spawnTool(spec, stdout) {
  const child = spawn(spec.cmd, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', stdout, 'pipe'],
    detached: true,
  });
  child.stderrTail = '';
  child.stderr.on('data', (d) => {
    child.stderrTail = (child.stderrTail + d).slice(-2000);
  });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  child.on('error', (e) => {
    child.stderrTail += `\nspawn error: ${e.message}`;
  });
  return child;
}

/** Calls onLine(line, nowMs) for every complete line of a stream. */
export function watchLines(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const now = performance.now();
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) onLine(line, now);
  });
  stream.on('error', () => {});
}

/** Resolves when check() is true (polled every 2 ms), rejects with `what` after timeoutMs. */
export function waitUntil(check, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const tick = () => {
      if (check()) return resolve(performance.now());
      if (performance.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** Resident and peak resident memory of a process in MiB, from /proc/PID/status (null once it is gone). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kib('VmRSS');
    const hwm = kib('VmHWM');
    // A zombie has no memory lines: treat it as gone.
    return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss: rss / 1024, hwm: hwm / 1024 } : null;
  } catch {
    return null;
  }
}

/** Every live descendant of pid, found through /proc (tools put children in process groups of their own). */
export function descendants(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!parents.has(ppid)) parents.set(ppid, []);
      parents.get(ppid).push(Number(entry));
    } catch {
      /* it exited meanwhile */
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length)
    for (const c of parents.get(queue.shift()) ?? []) {
      found.push(c);
      queue.push(c);
    }
  return found;
}

/** Stops a tool politely (SIGTERM, then SIGKILL after graceMs) and kills whatever it left behind. */
export async function stopTool(child, graceMs = 5000) {
  const left = descendants(child.pid);
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    await child.exited;
    clearTimeout(timer);
  }
  for (const pid of [...left, ...descendants(child.pid)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* group empty */
  }
}

/** Closes an fd the parent no longer needs once a child holds it. */
export function closeQuietly(fd) {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/**
 * Spawns a tool whose children each print READY, and resolves once `count` READY lines came out of it:
 * { child, pipe, started, ready } (times in ms from performance.now). The caller stops the child.
 */
export async function startUntilReady(spec, count = 1, timeoutMs = 30_000) {
  const pipe = realPipe(spec.cwd);
  const started = performance.now();
  const child = spawnTool(spec, pipe.writeFd);
  closeQuietly(pipe.writeFd);
  let seen = 0;
  let ready;
  watchLines(pipe.stream, (line, now) => {
    if (/\bREADY\b/.test(line) && ++seen === count) ready = now;
  });
  try {
    await waitUntil(() => ready !== undefined || child.exitCode !== null, timeoutMs, `${count} READY line(s)`);
    if (ready === undefined) throw new Error(`exited (${child.exitCode}) before READY${stderrNote(child)}`);
  } catch (error) {
    await stopTool(child);
    pipe.stream.destroy();
    throw error;
  }
  return { child, pipe, started, ready };
}

/** Whether a process still runs (a zombie waiting to be reaped does not count). */
export function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** `; stderr: …` with the end of what a tool printed on stderr, or nothing when it printed nothing. */
export function stderrNote(child) {
  const tail = child.stderrTail.trim().slice(-300);
  return tail ? `; stderr: ${tail}` : '';
}
