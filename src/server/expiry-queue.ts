// Session expiry bookkeeping on the member that owns expiry (the leader). Like ZooKeeper's
// ExpiryQueue, deadlines are rounded up to the next multiple of the tick, so touching a
// session moves it between a handful of buckets instead of resetting a timer per session,
// and one check per tick finds every expired session at once. A session expires at the
// first tick boundary strictly after lastHeard + timeout (zookeeper-protocol.md §14).
import { assert } from "../base/assert.js";

export class ExpiryQueue<K> {
  private readonly deadlineOf = new Map<K, number>();
  private readonly buckets = new Map<number, Set<K>>();

  constructor(private readonly tickMs: number) {
    assert(Number.isInteger(tickMs) && tickMs > 0, "tick must be a positive integer");
  }

  /** The bucketed deadline for an item heard from at `nowMs` with `timeoutMs`. */
  deadline(nowMs: number, timeoutMs: number): number {
    return (Math.floor((nowMs + timeoutMs) / this.tickMs) + 1) * this.tickMs;
  }

  /** Records activity; returns the new deadline. */
  touch(key: K, nowMs: number, timeoutMs: number): number {
    const next = this.deadline(nowMs, timeoutMs);
    const previous = this.deadlineOf.get(key);
    if (previous === next) return next;
    if (previous !== undefined) this.removeFromBucket(key, previous);
    this.deadlineOf.set(key, next);
    let bucket = this.buckets.get(next);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(next, bucket);
    }
    bucket.add(key);
    return next;
  }

  remove(key: K): void {
    const previous = this.deadlineOf.get(key);
    if (previous === undefined) return;
    this.deadlineOf.delete(key);
    this.removeFromBucket(key, previous);
  }

  has(key: K): boolean {
    return this.deadlineOf.has(key);
  }

  deadlineFor(key: K): number | undefined {
    return this.deadlineOf.get(key);
  }

  get size(): number {
    return this.deadlineOf.size;
  }

  /**
   * Removes and returns every item whose deadline is at or before `nowMs`, oldest first.
   * The caller proposes their expiry; an item touched again later simply comes back.
   */
  expired(nowMs: number): K[] {
    const out: K[] = [];
    const due = [...this.buckets.keys()].filter((t) => t <= nowMs).sort((a, b) => a - b);
    for (const time of due) {
      for (const key of this.buckets.get(time)!) {
        out.push(key);
        this.deadlineOf.delete(key);
      }
      this.buckets.delete(time);
    }
    return out;
  }

  /** Buckets in deadline order, for the `dump` four-letter word. */
  snapshot(): { deadline: number; keys: K[] }[] {
    return [...this.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([deadline, keys]) => ({ deadline, keys: [...keys] }));
  }

  private removeFromBucket(key: K, time: number): void {
    const bucket = this.buckets.get(time);
    if (bucket === undefined) return;
    bucket.delete(key);
    if (bucket.size === 0) this.buckets.delete(time);
  }
}
