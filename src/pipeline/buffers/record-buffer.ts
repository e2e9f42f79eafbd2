// What an output keeps between encoding a message and a drain confirming it: the record buffer's contract.

export const WHEN_FULL = ['block', 'drop_newest', 'drop_oldest'] as const;
export type WhenFull = (typeof WHEN_FULL)[number];

/**
 * Encoded records in order, with two cursors: records are *pending* until the sender takes them, then *sent*
 * until the drain confirms them. A broken connection rewinds the sent ones to pending (at-least-once).
 * Only pending records count against the limits, so unconfirmed ones can never wedge a full buffer.
 */
export interface RecordBuffer {
  readonly type: 'memory' | 'disk';
  readonly whenFull: WhenFull;
  /**
   * Keeps a copy of `record`: its memory may be reused by the caller once push returns (an encoder's reused
   * memory, see Rfc5424's reuseMemory). False when the writer should wait for `drained()` (when_full = "block").
   */
  push(record: Buffer): boolean;
  /** Up to `maxCount` records and about `maxBytes` bytes (at least one record) from the oldest pending one. */
  take(maxCount: number, maxBytes: number): Buffer[];
  /** Confirms the oldest `count` sent records: they are never sent again. */
  confirm(count: number): void;
  /** The oldest `count` sent, unconfirmed records again, oldest first: for a transport that retries a batch as it was. */
  unconfirmedRecords(count: number): Buffer[];
  /** Makes every sent, unconfirmed record pending again, oldest first. */
  rewind(): void;
  readonly pending: number;
  readonly pendingBytes: number;
  readonly unconfirmed: number;
  /** Why records are being dropped other than for space (a disk that cannot be written), if so. */
  readonly failure?: string;
  /** Records a disk buffer found from the last run at start (0 or undefined: none), for a report. */
  readonly resumed?: number;
  /** Resolves when something is pending. */
  whenPending(): Promise<void>;
  /** Resolves when `push` would not ask the writer to wait. */
  drained(): Promise<void>;
  /** Records dropped because the buffer was full, since the last call (for reports); totals are in stats. */
  takeDropped(): number;
  stats(): Record<string, number>;
  /** Stops the buffer: a disk buffer keeps what is left for the next start; returns how many records are lost. */
  close(): number;
}
