// One request of the client from the call to its settlement, and the FIFO queues that hold
// requests. The object carries everything the receive path needs to settle the caller's
// promise without creating a closure per request: the opcode (which says how to decode and
// shape the reply), the watch to register on success, the chroot-free path for errors, and
// the abort/timeout bookkeeping. A request that is aborted or times out after it was sent
// stays in the pending queue, marked settled, because replies are matched to requests by
// order (the server answers in request order) and its reply must still be consumed.

import type { Watcher } from "./types.js";

/** Which client-side watch table a successful reply registers its watcher in. */
export const WatchTarget = {
  none: 0,
  data: 1,
  /** exists: data table if the node exists, exist table if not. */
  exists: 2,
  child: 3,
  persistent: 4,
  persistentRecursive: 5,
  /** getConfig: the server's /zookeeper/config, outside any chroot. */
  config: 6,
} as const;

export interface RequestOwner {
  abortRequest(request: Request): void;
}

export class Request {
  xid = 0;
  /** The body record for the protocol layer's encodeRequest. */
  body: unknown;
  /** Client path (chroot removed) for errors and watch registration; "" when none. */
  path: string;
  /** Extra per-op data: multi ops' client paths, removeWatches' local watcher... */
  extra: unknown = undefined;
  watcher: Watcher | null = null;
  watchTarget: number = WatchTarget.none;
  /** Monotonic deadline in ms, or 0 for none. */
  deadlineMs = 0;
  signal: AbortSignal | null = null;
  settled = false;
  resolve: (value: unknown) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(
    private readonly owner: RequestOwner,
    /** The opcode sent (create2, getChildren2, ... as chosen by the method). */
    readonly opcode: number,
    body: unknown,
    path: string,
  ) {
    this.body = body;
    this.path = path;
  }

  /** EventListener for the caller's AbortSignal: no closure needed per request. */
  handleEvent(): void {
    this.owner.abortRequest(this);
  }

  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.signal !== null) {
      this.signal.removeEventListener("abort", this);
      this.signal = null;
    }
    return true;
  }
}

function noop(): void {}

/** A FIFO over an array with a moving head: O(1) shift without array.shift()'s copying. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item and returns them in order. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }

  /** Calls `f` on each item in order (no removal). */
  forEach(f: (item: T) => void): void {
    for (let i = this.head; i < this.items.length; i++) f(this.items[i] as T);
  }

  /** Removes one item (linear; only for rare paths such as aborting a queued request). */
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
}
