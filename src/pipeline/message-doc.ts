// What a message holds, for the "Messages" section of docs/configuration.md; test/docs.test.ts runs the examples
// on a real app, so the reference cannot say what drover does not do.

/** One variable a match expression can read. */
export interface MessageVariable {
  name: string;
  type: string;
  values: string;
}

export const MESSAGE_VARIABLES: MessageVariable[] = [
  {
    name: 'Type',
    type: 'string',
    values: "`'log'` for a line an app process printed; `'drover'` for drover's own lines (state changes, drain errors, filter summaries)",
  },
  {
    name: 'Logger',
    type: 'string',
    values:
      "the instance: `'web.1'`, `'worker.2'` (type name, a dot, the instance number from 1; never the bare type name `'web'`). drover's lines about an instance carry its name too (with Type `'drover'`); its lines about itself are `'supervisor'`, and a component's reports are its section id, e.g. `'outputs.papertrail'`",
  },
  { name: 'Stream', type: 'string', values: "`'stdout'` or `'stderr'`: the pipe the line came from; drover's own lines are `'stdout'`" },
  {
    name: 'Severity',
    type: 'integer 0–7',
    values:
      "RFC 5424: 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug. A stdout line is 6 (info) and a stderr line 3 (err) until a decoder finds a level (json, logfmt, severity decoders). drover's lines: 6, 4 for warnings, 3 for errors. Compare with numbers: `Severity <= 3`, not `'err'`",
  },
  {
    name: 'Payload',
    type: 'string',
    values:
      'the line as printed, without its newline, whole up to `[supervisor] max_line_length` (1 MiB); after a decoder that found a message text (json `msg`), that text',
  },
  { name: 'Timestamp', type: 'integer', values: 'milliseconds since 1970 when drover read the line, or the time a decoder found in it' },
  { name: 'Hostname', type: 'string', values: '`[supervisor] hostname`, or the host name of the machine (the dyno or container)' },
  { name: 'Pid', type: 'integer', values: "the process id of the instance that printed the line (drover's own for its lines)" },
  {
    name: 'Fields[name]',
    type: 'string, number or boolean',
    values:
      'what decoders found (json keys, nested ones dotted: `Fields[user.id]`); `NIL` when absent. `Fields[cut] == TRUE` on each piece but the last of a line longer than max_line_length',
  },
];

/** An example the docs show and the docs test runs: the lines of the example app a match takes. */
export interface MatchExample {
  match: string;
  /** What it takes, in words. */
  takes: string;
  /** The payloads of the app lines it takes, in order (drover's own lines are left out of the comparison). */
  lines: string[];
}

/** The app the examples run on: one web process, printing to stdout and stderr, and one JSON line. */
export const EXAMPLE_APP = {
  procfile: `web: echo 'listening on 5000'; echo 'cannot reach redis' >&2; echo '{"level":"warn","msg":"slow request","path":"/cart","ms":812}'`,
  config: '[decoders.json]\ntype = "json"',
};

export const MATCH_EXAMPLES: MatchExample[] = [
  { match: "Type == 'log'", takes: "every app line, none of drover's own", lines: ['listening on 5000', 'cannot reach redis', 'slow request'] },
  { match: "Type == 'log' && Stream == 'stderr'", takes: 'what the app printed on stderr', lines: ['cannot reach redis'] },
  { match: "Type == 'log' && Severity <= 3", takes: 'stderr lines (severity 3 by default) and decoded errors', lines: ['cannot reach redis'] },
  {
    match: "Type == 'log' && Severity <= 4",
    takes: 'the above and warnings: the JSON line\'s level "warn" made it 4',
    lines: ['cannot reach redis', 'slow request'],
  },
  {
    match: "Logger =~ /^web\\./ && Type == 'log'",
    takes: 'lines of every web instance (web.1, web.2, ...)',
    lines: ['listening on 5000', 'cannot reach redis', 'slow request'],
  },
  { match: "Logger == 'web'", takes: 'nothing: Logger is the instance (web.1), and drover check warns about it', lines: [] },
  { match: "Fields[path] == '/cart' && Fields[ms] > 500", takes: 'decoded fields, compared as numbers when the literal is a number', lines: ['slow request'] },
];
