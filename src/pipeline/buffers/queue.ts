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

/** Promise-based wakeups: `wait()` resolves at the next `wake()`. */
export class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
