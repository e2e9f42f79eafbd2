// Small building blocks of the buffers and the sender: a queue with cheap shift, and wakeups.

/** A list with O(1) push and shift, for queues of records. */
export class Deque<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  at(index: number): T {
    return this.items[this.head + index];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Compact now and then, so the array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
  /** Puts items back at the front, oldest first. */
  unshiftAll(items: T[]): void {
    this.items = items.concat(this.items.slice(this.head));
    this.head = 0;
  }
}

/**
 * A queue of numbers in a Float64Array ring (exact integers up to 2^53): for one number per record in flight,
 * where a JS array would grow by copies and be compacted by more (large-object garbage at tens of thousands).
 */
export class NumberQueue {
  private ring = new Float64Array(16);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }
  push(value: number): void {
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.size) % this.ring.length] = value;
    this.size++;
  }
  /** The oldest number (undefined when empty). */
  peek(): number | undefined {
    return this.size ? this.ring[this.head] : undefined;
  }
  /** The newest number (undefined when empty). */
  last(): number | undefined {
    return this.size ? this.ring[(this.head + this.size - 1) % this.ring.length] : undefined;
  }
  shift(): number | undefined {
    if (!this.size) return undefined;
    const value = this.ring[this.head];
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    // Give back what a burst made it grow to once it is mostly empty.
    if (this.ring.length > 4096 && this.size * 8 < this.ring.length) this.resize(this.ring.length / 2);
    return value;
  }
  private resize(length: number): void {
    const ring = new Float64Array(length);
    const first = Math.min(this.size, this.ring.length - this.head);
    ring.set(this.ring.subarray(this.head, this.head + first), 0);
    ring.set(this.ring.subarray(0, this.size - first), first);
    this.ring = ring;
    this.head = 0;
  }
}

/** Promise-based wakeups: `wait()` resolves at the next `wake()`. */
export class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  wake(): void {
    // Called for every record written: no new array when nobody waits.
    if (!this.waiters.length) return;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
