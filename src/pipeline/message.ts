// The unit that flows through the pipeline: one line from one process, plus what decoders learned about it.

export type Stream = 'stdout' | 'stderr';
export type FieldValue = string | number | boolean;

/** Syslog severities (RFC 5424), the scale of `Severity` in matchers. */
export const SEVERITY = { emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;
export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** One log line. `raw` holds the bytes as printed; `payload` is decoded from it only when asked for. */
export class Message {
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** `log` for app output, `drover` for the supervisor's own lines, or what a decoder sets. */
  type: string;
  /** The instance that printed it, e.g. `web.1`. */
  logger: string;
  stream: Stream;
  severity: number;
  hostname: string;
  pid: number;
  fields: Record<string, FieldValue> | undefined;
  /** The bytes as printed, without the line ending. Outputs in raw format write these unchanged. */
  raw: Buffer;
  /** True once a filter or decoder has replaced the payload, so `raw` no longer says the same thing. */
  rewritten = false;
  private text: string | undefined;

  constructor(raw: Buffer, logger: string, stream: Stream, pid: number, hostname: string, timestamp = Date.now(), type = 'log') {
    this.raw = raw;
    this.logger = logger;
    this.stream = stream;
    this.pid = pid;
    this.hostname = hostname;
    this.timestamp = timestamp;
    this.type = type;
    this.severity = stream === 'stderr' ? SEVERITY.err : SEVERITY.info;
    this.fields = undefined;
  }

  /** The line as text (invalid UTF-8 becomes U+FFFD). */
  get payload(): string {
    if (this.text === undefined) this.text = this.raw.toString('utf8');
    return this.text;
  }

  set payload(value: string) {
    this.text = value;
    this.raw = Buffer.from(value, 'utf8');
    this.rewritten = true;
  }

  /** The bytes to write for this message in raw formats. */
  get bytes(): Buffer {
    return this.raw;
  }

  /** A message made by drover itself (supervisor state changes, filter summaries, drop reports). */
  static internal(text: string, logger: string, severity: number = SEVERITY.info, hostname = ''): Message {
    const message = new Message(Buffer.from(text, 'utf8'), logger, 'stdout', process.pid, hostname, Date.now(), 'drover');
    message.text = text;
    message.severity = severity;
    return message;
  }
}
