// The part every drain shares: encode at write, buffer, send in batches, retry with backoff, flush at shutdown.
import type { ComponentContext, Output } from '../component';
import { SEVERITY, type Message } from '../message';
import { Backoff, Sleeper } from './retry-backoff';
import type { RecordBuffer } from '../buffers/record-buffer';
import { Reporter } from './reporter';
import { Signal } from '../buffers/queue';

/** One way to deliver records: a syslog connection, UDP datagrams, HTTP requests. */
export interface Transport {
  /** Where records go, e.g. `syslog+tls://logs.example.com:12345`, for reports and stats. */
  readonly name: string;
  /** HTTP retries a failed batch as it was (same records, same frame id); streams resend all unconfirmed records. */
  readonly exactRetry?: boolean;
  /**
   * Sends records in order. Resolves with how many of the oldest unconfirmed records are now known to be
   * delivered (a stream confirms late, see syslog.ts); rejects when delivery failed and should be retried.
   */
  send(records: Buffer[], attempt: number): Promise<number>;
  /** At shutdown, once everything was sent: ends cleanly; true when the drain confirmed all of it. */
  finish(deadline: number): Promise<boolean>;
  /** Drops any connection and in-flight request now. */
  destroy(): void;
  /** True when the connection went down with records it may not have read (streams). */
  readonly connectionLost?: boolean;
  /** Streams: how many more of the oldest unconfirmed records count as delivered by now, without sending. */
  settle?(): number;
  /** Streams: milliseconds until settle() may confirm more, or undefined when nothing waits for it. */
  nextSettle?(): number | undefined;
  /** Streams: bytes the next batch may have; 0 or less: wait for confirmations first. */
  room?(): number;
  /** Set by the sender: the transport calls it when the sender should look again (a connection went down). */
  wake?: () => void;
  /** Set by the sender: the transport calls it for records the drain refused for good (e.g. HTTP 400), so they are counted and reported. */
  onReject?: (count: number, why: string) => void;
  stats?(): Record<string, number | string>;
}

export interface SenderOptions {
  batchCount: number;
  batchBytes: number;
  /** How long to wait for a batch to fill (http); 0 sends whatever is pending at once (streams). */
  batchInterval: number;
  backoffInitial: number;
  backoffMax: number;
  /** Attempts after the first before a batch is dropped; undefined retries for ever (the buffer's when_full then decides). */
  maxRetries?: number;
}

/** An Output that owns a buffer and a transport and runs the send loop between them. */
export class Sender implements Output {
  readonly reporter: Reporter;
  /** Every sender is a drain: closed before the local outputs at shutdown (see Output.remote). */
  remote = true;
  private readonly backoff: Backoff;
  private readonly retrySleep = new Sleeper();
  private readonly batchSleep = new Sleeper();
  /** The loop waits on it for confirmations by time (nothing pending, or the transport's window is full). */
  private readonly settleSleep = new Sleeper();
  /** True while the loop waits on settleSleep with nothing pending: a write then wakes it. */
  private idleSettling = false;
  /** Woken by every write and by close: the loop waits on it when the buffer is empty (one waiter at a time). */
  private readonly work = new Signal();
  private readonly loop: Promise<void>;
  private closing = false;
  private stopped = false;
  private busy = false;
  /** A batch waits to be retried as it was (http): not pending in the buffer, but not done either. */
  private holding = false;
  private counters = { sent: 0, confirmed: 0, resent: 0, retries: 0, rejected: 0, lost: 0 };
  private lastError = '';

  constructor(
    private readonly buffer: RecordBuffer,
    private readonly transport: Transport,
    private readonly encode: (message: Message) => Buffer,
    private readonly context: ComponentContext,
    private readonly options: SenderOptions,
  ) {
    this.reporter = new Reporter(context);
    this.backoff = new Backoff(options.backoffInitial, options.backoffMax);
    if (buffer.resumed) {
      this.reporter.say('resumed', `${context.id}: resuming ${buffer.resumed} messages left in the disk buffer by the last run`, SEVERITY.info);
    }
    transport.wake = () => {
      this.work.wake();
      this.settleSleep.wake();
    };
    transport.onReject = (count, why) => this.reject(count, why);
    this.loop = this.run();
  }

  write(message: Message): boolean {
    if (this.stopped) {
      this.counters.lost++;
      return true;
    }
    const more = this.buffer.push(this.encode(message));
    this.work.wake();
    if (this.idleSettling) this.settleSleep.wake();
    const dropped = this.buffer.takeDropped();
    if (dropped) this.reportDropped(dropped);
    if (this.options.batchInterval && this.batchFull()) this.batchSleep.wake();
    return more;
  }

  drained(): Promise<void> {
    return this.buffer.drained();
  }

  stats(): Record<string, number | string> {
    return {
      destination: this.transport.name,
      ...this.counters,
      ...this.buffer.stats(),
      ...this.transport.stats?.(),
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }

  /** Flushes until `deadline`; then a disk buffer keeps the rest and a memory buffer reports it lost. */
  async close(deadline: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.batchSleep.wake();
    this.retrySleep.wake();
    this.settleSleep.wake();
    // A connection the drain dropped while idle leaves records it may not have read: send them again first.
    if (this.transport.connectionLost && this.buffer.unconfirmed > 0 && !this.busy) {
      this.counters.resent += this.buffer.unconfirmed;
      this.buffer.rewind();
      this.work.wake();
    }
    // These waits keep node running (the loop may be waiting on nothing that does): the deadline bounds them.
    while (Date.now() < deadline && (this.buffer.pending > 0 || this.busy || this.holding)) await delay(Math.min(20, deadline - Date.now()));
    let clean = false;
    if (this.buffer.pending === 0 && !this.busy && !this.holding) clean = await this.transport.finish(deadline).catch(() => false);
    if (clean) {
      this.counters.confirmed += this.buffer.unconfirmed;
      this.buffer.confirm(this.buffer.unconfirmed);
    }
    this.stopped = true;
    this.transport.destroy();
    this.work.wake();
    this.retrySleep.wake();
    this.settleSleep.wake();
    // The loop ends at once now; never wait past the deadline for it.
    await Promise.race([this.loop, delay(Math.min(200, deadline - Date.now()))]);
    // Unconfirmed records may or may not have arrived: a memory buffer counts them as lost, a disk buffer resends them.
    this.buffer.rewind();
    const left = this.buffer.pending;
    const lost = this.buffer.close();
    const dropped = this.buffer.takeDropped();
    if (dropped) this.reportDropped(dropped);
    if (lost) {
      this.counters.lost += lost;
      const why =
        this.buffer.type === 'disk'
          ? `the disk buffer could not write them: ${this.buffer.failure}`
          : `${this.lastError ? `last error: ${this.lastError}` : `${this.transport.name} did not confirm them before the stop timeout`}; a disk buffer would keep them`;
      this.reporter.count('lost', lost, (n) => `Error L10 (output buffer overflow): ${this.context.id} lost ${n} messages at shutdown (${why})`);
    }
    if (left > lost) {
      this.reporter.say('kept', `${this.context.id}: kept ${left - lost} messages in the disk buffer; they are sent at the next start`, SEVERITY.notice);
    }
    this.reporter.flush();
  }

  private batchFull(): boolean {
    return this.buffer.pending >= this.options.batchCount || this.buffer.pendingBytes >= this.options.batchBytes;
  }

  private reportDropped(n: number): void {
    const type = this.buffer.type;
    const failure = this.buffer.failure;
    if (failure) this.reporter.count('failed', n, (total) => `Error L12 (local buffer error): ${this.context.id} dropped ${total} messages (${failure})`);
    else
      this.reporter.count(
        'dropped',
        n,
        (total) => `Error L10 (output buffer overflow): ${this.context.id} dropped ${total} messages (${type} buffer full, when_full=${this.buffer.whenFull})`,
      );
  }

  private async run(): Promise<void> {
    // Batches to send again as they were (http), oldest first: a failed one, or the halves of one too large. Only
    // their counts are kept: they are the oldest unconfirmed records, which the buffer hands out again.
    const held: number[] = [];
    let attempt = 0;
    while (!this.stopped) {
      this.settle();
      let room = Infinity;
      if (!held.length) {
        // A connection went down while idle: what it may not have read is sent again now, not at the next write.
        // Not while closing: close() does it once, and a connection that ends after its end-of-stream is no loss.
        if (this.transport.connectionLost && this.buffer.unconfirmed > 0 && !this.closing) {
          this.counters.resent += this.buffer.unconfirmed;
          this.buffer.rewind();
        }
        room = this.transport.room?.() ?? Infinity;
        const settleIn = this.transport.nextSettle?.();
        if ((this.buffer.pending === 0 || room <= 0) && settleIn !== undefined) {
          // Records wait to count as delivered: look again when they may, or at the next write.
          this.idleSettling = this.buffer.pending === 0;
          await this.settleSleep.sleep(settleIn + 5);
          this.idleSettling = false;
          continue;
        }
        if (this.buffer.pending === 0) {
          // Not Promise.race with a stop promise: each race would leave a reaction on it until shutdown.
          await this.work.wait();
          continue;
        }
        // Let a batch fill, unless it already has or drover is stopping.
        if (this.options.batchInterval && !this.closing && !this.batchFull()) await this.batchSleep.sleep(this.options.batchInterval);
        if (this.stopped) break;
      }
      let records: Buffer[] | undefined = held.length
        ? this.buffer.unconfirmedRecords(held[0])
        : this.buffer.take(this.options.batchCount, Math.max(1, Math.min(this.options.batchBytes, room)));
      const count = records.length;
      if (!count) continue;
      this.busy = true;
      try {
        const sending = this.transport.send(records, attempt);
        // Not kept while the send waits: an object per record would outlive young-generation collections and be
        // left to a full one (issue 22). A retry asks the buffer for the records again.
        records = undefined;
        const confirmed = await sending;
        this.buffer.confirm(confirmed);
        this.counters.sent += count;
        this.counters.confirmed += confirmed;
        held.shift();
        attempt = 0;
        this.backoff.reset();
      } catch (error) {
        if (this.stopped) break;
        if ((error as { tooLarge?: boolean }).tooLarge && this.transport.exactRetry) {
          // HTTP 413: the batch is too large, not wrong. Send it in halves; a record too large alone is dropped.
          if (!held.length) held.push(count);
          if (count > 1) held.splice(0, 1, Math.ceil(count / 2), count - Math.ceil(count / 2));
          else {
            const size = this.buffer.unconfirmedRecords(1)[0]?.length ?? 0;
            held.shift();
            this.buffer.confirm(1);
            this.reject(
              1,
              `${(error as Error).message} for a single message of ${size} bytes: it is larger than the drain accepts, even alone (not retried; lower [supervisor] max_line_length to have long lines split)`,
            );
          }
          attempt = 0;
          continue;
        }
        attempt++;
        this.counters.retries++;
        this.lastError = (error as Error).message;
        if (this.transport.exactRetry) {
          if (!held.length) held.push(count);
        } else {
          this.counters.resent += this.buffer.unconfirmed;
          this.buffer.rewind();
        }
        this.holding = held.length > 0;
        if (held.length && this.options.maxRetries !== undefined && attempt > this.options.maxRetries) {
          held.shift();
          this.buffer.confirm(count);
          this.counters.rejected += count;
          this.reporter.count(
            'gave-up',
            count,
            (n) => `Error L13 (delivery error): ${this.context.id} dropped ${n} messages after ${this.options.maxRetries} retries: ${this.lastError}`,
          );
          attempt = 0;
          continue;
        }
        // A server's Retry-After wins over a shorter backoff. At shutdown there is no time for long waits.
        const wait = this.closing ? Math.min(250, this.backoff.next()) : Math.max(this.backoff.next(), (error as { retryAfter?: number }).retryAfter ?? 0);
        this.reporter.say(
          'retry',
          `Error L13 (delivery error): ${this.context.id}: ${this.lastError}; retrying in ${(wait / 1000).toFixed(1)}s (attempt ${attempt})`,
        );
        this.busy = false;
        await this.retrySleep.sleep(wait);
      } finally {
        this.busy = false;
        this.holding = held.length > 0;
      }
    }
  }

  /** Confirms what the transport now knows was delivered without a send (a stream that stayed up). */
  private settle(): void {
    const confirmed = this.transport.settle?.() ?? 0;
    if (!confirmed) return;
    this.buffer.confirm(confirmed);
    this.counters.confirmed += confirmed;
  }

  /** Counts a batch the drain refused for good (e.g. HTTP 400): confirmed so it is not sent again, and reported. */
  reject(count: number, why: string): void {
    this.counters.rejected += count;
    this.reporter.count(`rejected ${why}`, count, (n) => `Error L13 (delivery error): ${this.context.id} dropped ${n} messages: ${why}`);
  }
}

/** A pause that keeps node alive: close() must wait out its deadline even when nothing else is pending. */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
