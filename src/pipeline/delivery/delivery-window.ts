// When a record sent on a syslog stream counts as delivered, and how much may be unconfirmed on a connection.
import { NumberQueue } from '../buffers/queue';

/**
 * Syslog over TCP/TLS has no acknowledgements, so a record written on a connection counts as delivered when
 * either `maxBytes` more bytes went out after it (more than the kernel buffers between us and the receiver can
 * hold), or the kernel took it at least `after` ms ago and the connection is still up (a receiver reads what it
 * gets within that time). Until then it is resent after a reconnect.
 *
 * A receiver that drops the connection with records unconfirmed (say it reads 10 messages and closes) halves what
 * the next connection may have unconfirmed at once, down to one record: so each connection delivers some records
 * for sure, and the drain progresses instead of resending the same records for ever. Confirmations grow it back.
 * Duplicates after a reconnect are at most this window.
 */
export class DeliveryWindow {
  /** Bytes that may be unconfirmed on a connection now. */
  window: number;
  /** Where each unconfirmed record sent on this connection ends (bytes since the connection began). */
  private ends = new NumberQueue();
  /** How far the kernel had taken the stream (takenOffsets), and when (takenAt): for the time rule. */
  private takenOffsets = new NumberQueue();
  private takenAt = new NumberQueue();
  private written = 0;
  private confirmedTo = 0;

  /**
   * The most that may be unconfirmed: twice `maxBytes`, since the byte rule confirms a record only once `maxBytes`
   * more went out after it: a window of `maxBytes` would leave only the time rule, and a fast drain would send
   * `maxBytes` per `after` ms at most.
   */
  private readonly maxWindow: number;

  constructor(
    private readonly maxBytes: number,
    private readonly after: number,
  ) {
    this.maxWindow = 2 * maxBytes;
    this.window = this.maxWindow;
  }

  /** A new connection: nothing was sent on it yet. */
  reset(): void {
    this.ends = new NumberQueue();
    this.takenOffsets = new NumberQueue();
    this.takenAt = new NumberQueue();
    this.written = 0;
    this.confirmedTo = 0;
  }

  get unconfirmed(): number {
    return this.ends.length;
  }

  /** Bytes that may be sent now without passing the window (at least one record when nothing is unconfirmed). */
  room(): number {
    return this.ends.length === 0 ? Math.max(1, this.window) : this.window - (this.written - this.confirmedTo);
  }

  /** Records about to be written on the connection. */
  add(records: Buffer[]): void {
    let end = this.written;
    for (const record of records) this.ends.push((end += record.length));
    this.written = end;
  }

  /** The kernel holds all but `queued` bytes of what was written: returns how many more records count as delivered. */
  settle(queued: number, now = Date.now()): number {
    const taken = this.written - queued;
    const last = this.takenOffsets.last() ?? this.confirmedTo;
    if (taken > last) {
      this.takenOffsets.push(taken);
      this.takenAt.push(now);
    }
    let upTo = taken - this.maxBytes;
    while (this.takenAt.length && this.takenAt.peek()! <= now - this.after) {
      this.takenAt.shift();
      upTo = Math.max(upTo, this.takenOffsets.shift()!);
    }
    let count = 0;
    const before = this.confirmedTo;
    while (this.ends.length && this.ends.peek()! <= upTo) {
      this.confirmedTo = this.ends.shift()!;
      count++;
    }
    // Slow start: every byte confirmed lets one more be in flight.
    if (count) this.window = Math.min(this.maxWindow, this.window + (this.confirmedTo - before));
    return count;
  }

  /** Milliseconds until the time rule may confirm more, or undefined when nothing is unconfirmed. */
  nextSettle(now = Date.now()): number | undefined {
    if (!this.ends.length) return undefined;
    const first = this.takenAt.peek();
    return first !== undefined ? Math.max(0, first + this.after - now) : this.after;
  }

  /** The connection went down: records unconfirmed on it will be resent, and the next one gets half as much room. */
  lost(): void {
    if (this.ends.length) this.window = Math.max(1, Math.floor(Math.min(this.window, this.written - this.confirmedTo) / 2));
    this.reset();
  }
}
