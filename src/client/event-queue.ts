// An unbounded-but-watched push/pull queue that turns callbacks into an async iterator: a
// watcher pushes events, a `for await` loop pulls them. Pushes while nobody waits are
// buffered (a slow consumer must not lose a watch event); `end()` finishes the iteration
// after the buffered items, `fail(e)` finishes it with an error. `onReturn` runs once when
// the consumer stops early (break/return) or the queue ends, so the producer can unregister.

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private waiterReject: ((e: unknown) => void) | null = null;
  private done = false;
  private error: unknown = undefined;
  private cleanup: (() => void) | null;

  constructor(onReturn: (() => void) | null = null) {
    this.cleanup = onReturn;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      this.waiterReject = null;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.runCleanup();
    const w = this.waiter;
    if (w !== null && this.size === 0) {
      this.waiter = null;
      this.waiterReject = null;
      w({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = error;
    this.done = true;
    this.runCleanup();
    const r = this.waiterReject;
    if (r !== null && this.size === 0) {
      this.waiter = null;
      this.waiterReject = null;
      r(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head];
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.waiterReject = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.head = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private runCleanup(): void {
    const c = this.cleanup;
    this.cleanup = null;
    if (c !== null) c();
  }
}
