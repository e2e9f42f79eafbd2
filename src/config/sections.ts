// Schemas of the sections that are not pipeline components: [supervisor] and [processes.NAME].
import type { Schema } from './schema';

export const SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'KILL', 'USR1', 'USR2'] as const;

/** `[supervisor]`: how drover itself behaves. */
export const supervisorSchema: Schema = {
  backoff_initial: { type: 'duration', default: '1s', doc: 'delay before the first restart of a process that exited; it doubles on each retry' },
  backoff_max: { type: 'duration', default: '30s', doc: 'the longest delay between two restarts' },
  max_line_length: {
    type: 'size',
    default: '1MB',
    min: 64,
    doc: 'the memory bound of one line: decoders, filters and matchers see each line whole up to this many bytes; a longer line is cut into several messages, each but the last with Fields[cut] = true. Outputs split lines for their transport themselves (see their max_line_length)',
  },
  partial_line_timeout: { type: 'duration', default: '200ms', doc: 'a line without its newline is passed on after this long' },
  hostname: { type: 'string', default: '', doc: 'the Hostname of messages; default: the machine host name' },
  metrics_address: {
    type: 'string',
    default: '',
    pattern: /^$|^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):\d{1,5}$/,
    patternHint: 'HOST:PORT, such as "127.0.0.1:9464" (0.0.0.0:9464 or :9464 for every interface)',
    doc: 'HOST:PORT where drover serves Prometheus metrics at GET /metrics (processes, lines, outputs, process_*); off unless set',
  },
  log_history: {
    type: 'integer',
    default: 1500,
    min: 0,
    max: 100000,
    doc: 'how many of the last lines `drover logs` can show (kept in memory, at most 1 MiB); 0 keeps none',
  },
  direct_output: {
    type: 'boolean',
    default: false,
    doc: "true: when nothing in the pipeline needs a process's lines (one instance, the one output a raw `stdout` or `stderr` with the default max_line_length and match, no decoders, filters, drains, inputs or metrics_address), the process writes straight to drover's stdout (`drover status`: output direct), which costs drover nothing per line; its lines are then not in `drover logs`, and drover's own lines can land inside a line the process writes in pieces (C stdio, Python without PYTHONUNBUFFERED, any write over 4 KiB). Only for an app that writes each line whole in one write. false (the default): every line goes through the pipeline, which keeps lines whole",
  },
  watch: { type: 'boolean', default: false, doc: 'reload (as `drover reload`) when the Procfile, a .env file or a drover/*.toml fragment changes' },
  control_socket: {
    type: 'string',
    default: '',
    doc: 'path of the unix socket for `drover status` and `drover restart`; default: $TMPDIR/drover-<uid>/<dir hash>.sock, in a directory only that user can use (0700); a socket owned by another user is never trusted',
  },
};

/** `[processes.NAME]`: supervisord's option names and meanings. */
export const processSchema: Schema = {
  command: { type: 'string', doc: 'the command, run by `bash -c`; replaces the Procfile command of this type' },
  numprocs: { type: 'integer', default: 1, min: 0, max: 100, doc: 'how many instances to run (type.1, type.2, ...) when the formation does not say' },
  autostart: {
    type: 'boolean',
    doc: 'start this type with `drover start` when no formation is given; default: true, but false for `release` (as `heroku local`), which runs when named: `drover start release`',
  },
  oneshot: {
    type: 'boolean',
    doc: "a task that runs once: its exit is final, whatever its status and however soon (no startsecs, no restart); drover exits with its status when nothing else runs. Default: false, but true for `release` (Heroku's release phase)",
  },
  autorestart: {
    type: 'enum',
    values: [true, false, 'unexpected'],
    default: true,
    doc: 'restart after an exit: true (always), false (never) or "unexpected" (only when the exit code is not in exitcodes; an expected exit is final however soon it comes)',
  },
  exitcodes: {
    type: 'integer[]',
    default: [0],
    doc: 'exit codes that count as expected: final for autorestart = "unexpected", and drover exits 0 when every exit was expected',
  },
  startsecs: {
    type: 'duration',
    default: 1,
    doc: 'a process that exits sooner than this after starting has failed to start, when it is to be restarted (a number is seconds); startretries such failures in a row make it FATAL',
  },
  startretries: { type: 'integer', default: 5, min: 0, doc: 'failed starts in a row before the process is FATAL' },
  stopsignal: { type: 'enum', values: SIGNALS, default: 'TERM', doc: 'the signal sent to the process group to stop it' },
  stopwaitsecs: { type: 'duration', default: 25, doc: 'how long to wait after stopsignal before SIGKILL (a number is seconds; Heroku kills at 30 s)' },
  environment: { type: 'map', default: {}, doc: 'variables added to the environment of this type, e.g. { QUEUE = "default" }' },
  directory: { type: 'string', doc: 'working directory, relative to the app' },
  schedule: {
    type: 'string',
    doc: 'run this type at set times instead of keeping it running: 5 cron fields ("0 3 * * *"), 6 with seconds first, @hourly, @daily, @weekly, @monthly, @yearly, or @every 10m; each run is a one-shot',
  },
  timezone: {
    type: 'string',
    default: 'UTC',
    doc: 'the IANA time zone of schedule, e.g. "Europe/Berlin"; a time skipped by a daylight-saving change runs at the first time after it, a time that happens twice runs once',
  },
  overlap: {
    type: 'enum',
    values: ['skip', 'queue', 'replace'],
    default: 'skip',
    doc: 'when a scheduled run is due while the previous one still runs: skip it, queue it (one at most) to run when the previous ends, or replace the previous (stopped as by a stop)',
  },
  timeout: {
    type: 'duration',
    default: 0,
    doc: 'a scheduled run still running after this long is stopped (stopsignal, SIGKILL after stopwaitsecs); 0: no limit',
  },
};
