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
  /** True once a filter or decoder has replaced the payload, so `raw` no longer says the same thing. */
  rewritten = false;
  private bytesAsPrinted: Buffer | undefined;
  private text: string | undefined;

  constructor(raw: Buffer, logger: string, stream: Stream, pid: number, hostname: string, timestamp = Date.now(), type = 'log') {
    this.bytesAsPrinted = raw;
    this.logger = logger;
    this.stream = stream;
    this.pid = pid;
    this.hostname = hostname;
    this.timestamp = timestamp;
    this.type = type;
    this.severity = stream === 'stderr' ? SEVERITY.err : SEVERITY.info;
    this.fields = undefined;
  }

  /** The bytes as printed, without the line ending (or the new payload's, once replaced). Raw outputs write these. */
  get raw(): Buffer {
    // Encoded only when an output asks: a payload replaced by a decoder is often only ever read as text.
    if (this.bytesAsPrinted === undefined) this.bytesAsPrinted = Buffer.from(this.text!, 'utf8');
    return this.bytesAsPrinted;
  }

  set raw(value: Buffer) {
    this.bytesAsPrinted = value;
    this.text = undefined;
  }

  /** The line as text (invalid UTF-8 becomes U+FFFD). */
  get payload(): string {
    if (this.text === undefined) this.text = this.bytesAsPrinted!.toString('utf8');
    return this.text;
  }

  set payload(value: string) {
    this.text = value;
    this.bytesAsPrinted = undefined;
    this.rewritten = true;
  }

  /** A message made by drover itself (supervisor state changes, filter summaries, drop reports). */
  static internal(text: string, logger: string, severity: number = SEVERITY.info, hostname = ''): Message {
    const message = new Message(Buffer.from(text, 'utf8'), logger, 'stdout', process.pid, hostname, Date.now(), 'drover');
    message.text = text;
    message.severity = severity;
    return message;
  }
}
