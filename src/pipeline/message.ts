// The unit that flows through the pipeline: one line from one process, plus what decoders learned about it.

export type Stream = 'stdout' | 'stderr';
export type FieldValue = string | number | boolean;

/**
 * fields[name] = value for a name an app printed: `__proto__` (a JSON or logfmt key like any other) becomes a field
 * of that name, where assigning it would set or ignore the object's prototype and lose the value.
 */
export function setField(fields: Record<string, FieldValue>, name: string, value: FieldValue): void {
  if (name === '__proto__') Object.defineProperty(fields, name, { value, writable: true, enumerable: true, configurable: true });
  else fields[name] = value;
}

/** Syslog severities (RFC 5424), the scale of `Severity` in matchers. */
export const SEVERITY = { emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;
export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const EMPTY = Buffer.alloc(0);

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
  /** Where the line lies in a read chunk: `raw` is made from it only when asked (most decoders only want the text). */
  private chunk: Buffer | undefined;
  private start = 0;
  private end = 0;
  /** True while `text` is the chunk's bytes, all ASCII: character k of the payload is byte start + k. */
  private ascii = false;

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
    if (this.bytesAsPrinted === undefined) {
      // Made only when asked: a payload replaced by a decoder is often only ever read as text.
      this.bytesAsPrinted = this.chunk ? this.chunk.subarray(this.start, this.end) : Buffer.from(this.text!, 'utf8');
    }
    return this.bytesAsPrinted;
  }

  set raw(value: Buffer) {
    this.bytesAsPrinted = value;
    this.chunk = undefined;
    this.text = undefined;
    this.ascii = false;
  }

  /** The line as text (invalid UTF-8 becomes U+FFFD). */
  get payload(): string {
    if (this.text === undefined) this.text = this.chunk ? this.chunk.toString('utf8', this.start, this.end) : this.bytesAsPrinted!.toString('utf8');
    return this.text;
  }

  set payload(value: string) {
    this.text = value;
    this.bytesAsPrinted = undefined;
    this.chunk = undefined;
    this.ascii = false;
    this.rewritten = true;
  }

  /**
   * For decoders that scan bytes rather than characters: the buffer holding the line as read, when it is all
   * ASCII and the payload is still that line. Its bytes asciiStart + k is then the payload's character k.
   */
  get asciiChunk(): Buffer | undefined {
    return this.ascii ? this.chunk : undefined;
  }

  /** Where the line starts in asciiChunk and chunkAsRead. */
  get asciiStart(): number {
    return this.start;
  }

  /**
   * For outputs that copy bytes rather than encode text: the buffer holding the line as read, while the payload
   * is still that line (ASCII or not); its bytes asciiStart to chunkEnd. Undefined once the payload is replaced.
   */
  get chunkAsRead(): Buffer | undefined {
    return this.chunk;
  }

  /** Where the line ends in chunkAsRead. */
  get chunkEnd(): number {
    return this.end;
  }

  /**
   * A line read from a process: chunk[start, end), without its newline; no view on the chunk is made yet.
   * `asciiText`, when the caller knows the bytes are all ASCII, is them as text.
   */
  static fromChunk(
    chunk: Buffer,
    start: number,
    end: number,
    logger: string,
    stream: Stream,
    pid: number,
    hostname: string,
    timestamp: number,
    type: string,
    asciiText?: string,
  ): Message {
    const message = new Message(EMPTY, logger, stream, pid, hostname, timestamp, type);
    message.bytesAsPrinted = undefined;
    message.chunk = chunk;
    message.start = start;
    message.end = end;
    message.text = asciiText;
    message.ascii = asciiText !== undefined;
    return message;
  }

  /**
   * A piece of this message, for an output that splits long lines for its transport: `bytes` as its payload, and
   * everything else (severity, fields, timestamp, logger...) the whole message's.
   */
  piece(bytes: Buffer): Message {
    const piece = new Message(bytes, this.logger, this.stream, this.pid, this.hostname, this.timestamp, this.type);
    piece.severity = this.severity;
    piece.fields = this.fields;
    piece.rewritten = this.rewritten;
    return piece;
  }

  /** Bytes of the payload, without making a Buffer or a string when the line is still as read. */
  get payloadBytes(): number {
    if (this.chunk) return this.end - this.start;
    if (this.bytesAsPrinted) return this.bytesAsPrinted.length;
    return Buffer.byteLength(this.text!, 'utf8');
  }

  /** A message made by drover itself (supervisor state changes, filter summaries, drop reports). */
  static internal(text: string, logger: string, severity: number = SEVERITY.info, hostname = ''): Message {
    const message = new Message(Buffer.from(text, 'utf8'), logger, 'stdout', process.pid, hostname, Date.now(), 'drover');
    message.text = text;
    message.severity = severity;
    return message;
  }
}
