// Splitting a TCP stream into syslog messages (RFC 6587): each frame is octet-counted (`LEN SP MSG`) when it
// starts with a digit, else it ends at a newline. A message longer than the limit comes out in pieces.
import { utf8Boundary } from '../formats/rfc5424';

/** Where to cut buf[at...] to take at most `max` bytes without splitting a UTF-8 character (never before at + 1). */
function cutAt(buf: Buffer, at: number, max: number): number {
  return at + (utf8Boundary(buf.subarray(at, at + max + 1), max) || max);
}

/** How a piece relates to a message cut at the limit: its first piece (with the header) or a later one. */
export type Cut = 'first' | 'continued';

export class SyslogFramer {
  private pending = Buffer.alloc(0);
  /** Bytes still to come of an octet-counted message being cut. */
  private rest = 0;
  /** True while a newline-framed message longer than the limit is being cut. */
  private continuing = false;

  /** `emit(text, cut)`: one message, or one piece of a message cut every `max` bytes. */
  constructor(
    private readonly max: number,
    private readonly emit: (text: string, cut?: Cut) => void,
  ) {}

  push(data: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    let at = 0;
    while (at < buf.length) {
      const next = this.frame(buf, at);
      if (next < 0) break;
      at = next;
    }
    // Copied: the socket's buffer is not ours to keep.
    this.pending = at >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  }

  /** The connection ended: a last message without its newline is still a message. */
  end(): void {
    if (this.pending.length) this.emit(this.pending.toString('utf8').replace(/[\r\n]+$/, ''), this.rest > 0 || this.continuing ? 'continued' : undefined);
    this.pending = Buffer.alloc(0);
    this.rest = 0;
    this.continuing = false;
  }

  /** Emits the frame (or piece) at `at`; returns where the next one starts, or -1 to wait for more bytes. */
  private frame(buf: Buffer, at: number): number {
    const { max } = this;
    const available = buf.length - at;
    if (this.rest > 0) {
      if (available < Math.min(this.rest, max)) return -1;
      const end = this.rest <= max ? at + this.rest : cutAt(buf, at, max);
      this.rest -= end - at;
      this.emit(buf.toString('utf8', at, end).replace(/[\r\n]+$/, ''), 'continued');
      return end;
    }
    const first = buf[at];
    if (first === 10 || first === 13 || first === 0) return at + 1; // blank line, or an LF after an octet-counted frame
    if (!this.continuing && first >= 0x30 && first <= 0x39) {
      const space = buf.indexOf(32, at);
      const digits = space < 0 ? available : space - at;
      if (digits <= 10 && (space < 0 || /^\d+$/.test(buf.toString('latin1', at, space)))) {
        if (space < 0) return -1;
        const length = Number(buf.toString('latin1', at, space));
        const start = space + 1;
        if (buf.length - start < Math.min(length, max)) return -1;
        const end = length <= max ? start + length : cutAt(buf, start, max);
        this.rest = length - (end - start);
        this.emit(buf.toString('utf8', start, end).replace(/[\r\n]+$/, ''), this.rest > 0 ? 'first' : undefined);
        return end;
      }
      // Digits not followed by a space: not octet counting after all; newline framing.
    }
    const nl = buf.indexOf(10, at);
    const end = nl < 0 ? buf.length : nl;
    if (end - at > max) {
      const cut = cutAt(buf, at, max);
      this.emit(buf.toString('utf8', at, cut), this.continuing ? 'continued' : 'first');
      this.continuing = true;
      return cut;
    }
    if (nl < 0) return -1;
    this.emit(buf.toString('utf8', at, nl).replace(/\r$/, ''), this.continuing ? 'continued' : undefined);
    this.continuing = false;
    return nl + 1;
  }
}
