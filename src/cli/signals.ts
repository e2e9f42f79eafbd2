// What drover does with every signal that would otherwise end Node.js at once (and leave the app unsupervised).
import { constants } from 'node:os';

/**
 * Signals that stop every process gracefully, as SIGTERM does: the usual stop requests, a terminal's quit
 * (Ctrl-\), an abort request, a container runtime's power-fail (LXC stops its init with SIGPWR) and a CPU
 * time limit's warning (SIGXCPU comes before the hard limit's SIGKILL).
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGABRT', 'SIGPWR', 'SIGXCPU'];

/** Signals that mean nothing to drover but would end Node.js: ignored, with a line saying so. */
export const IGNORED_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGSTKFLT', 'SIGSYS', 'SIGTRAP'];

/** SIGUSR1 prints the state of every instance (it would open Node.js's inspector otherwise). */
export const STATUS_SIGNAL: NodeJS.Signals = 'SIGUSR1';

/** True when this platform has the signal (SIGPWR and SIGSTKFLT are Linux's). */
export function hasSignal(signal: NodeJS.Signals): boolean {
  return Object.hasOwn(constants.signals, signal);
}

export interface SignalHandlers {
  stop(signal: NodeJS.Signals): void;
  status(): void;
  ignored(signal: NodeJS.Signals): void;
  /** SIGHUP, when given: reload the configuration (as nginx and supervisord do) instead of stopping. */
  reload?(): void;
}

/** Installs a handler for every signal above; returns a function that removes them. */
export function handleSignals(handlers: SignalHandlers): () => void {
  const installed: [NodeJS.Signals, () => void][] = [];
  const on = (signal: NodeJS.Signals, handler: () => void) => {
    if (!hasSignal(signal)) return;
    process.on(signal, handler);
    installed.push([signal, handler]);
  };
  for (const signal of STOP_SIGNALS) {
    const reload = handlers.reload;
    on(signal, signal === 'SIGHUP' && reload ? () => reload() : () => handlers.stop(signal));
  }
  for (const signal of IGNORED_SIGNALS) if (signal !== 'SIGPROF' || !profiling()) on(signal, () => handlers.ignored(signal));
  on(STATUS_SIGNAL, () => handlers.status());
  return () => {
    for (const [signal, handler] of installed) process.off(signal, handler);
  };
}

/** True under --cpu-prof or --prof: V8's sampler then ticks with SIGPROF, and a listener would take them all. */
function profiling(): boolean {
  return /--(cpu-)?prof\b/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`);
}

/** A line for an ignored signal, saying what drover does with the signals that mean something. */
export function ignoredLine(signal: NodeJS.Signals): string {
  return `Received ${signal}: ignored (SIGTERM, SIGINT or SIGQUIT stop every process; SIGHUP reloads the configuration; SIGUSR1 prints their state)`;
}

/** The inspector address bin/drover gives node: TEST-NET-1 (RFC 5737), which binding always fails on. */
const SHIM_INSPECT_PORT = '--inspect-port=192.0.2.1:9229';

/**
 * Keeps Node.js's inspector closed for drover's own process: a listener on SIGUSR1 replaces the one that would
 * open it on 127.0.0.1:9229 (bin/drover also points the inspector at an address that cannot be bound, for the
 * moments before this runs). An inspector opened by --inspect in NODE_OPTIONS (meant for the app's node
 * processes, which still get it) is closed, with a line on stderr.
 */
export function keepInspectorClosed(): void {
  process.on(STATUS_SIGNAL, () => undefined);
  // bin/drover's own --inspect-port (an address no machine has) cannot have opened it: node:inspector, and the
  // node:worker_threads it loads, would add 3 ms to every start for nothing.
  const flags = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.filter((a) => a !== SHIM_INSPECT_PORT).join(' ')}`;
  if (!/--inspect|--debug/.test(flags)) return;
  // Loaded only here: a Node.js built without the inspector throws on loading node:inspector.
  if (typeof require !== 'function') return;
  const inspector = require('node:inspector') as typeof import('node:inspector');
  if (inspector.url() === undefined) return;
  inspector.close();
  process.stderr.write(
    "drover: closed the Node.js inspector that --inspect opened in drover itself (anyone on this machine could have run code in it); the app's processes still get NODE_OPTIONS as it is.\n",
  );
}
