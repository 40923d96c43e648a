// Flow control for one follower: the append messages sent but not yet acknowledged, as a
// ring buffer of (last index, bytes). The leader stops sending to a follower when either
// the count or the byte limit is reached, so a slow follower costs bounded memory and
// bandwidth; an acknowledgement up to index i frees every message ending at or before i.
import { assert } from "../base/assert.js";

export class Inflights {
  private readonly lastIndexes: Float64Array;
  private readonly sizes: Float64Array;
  private start = 0;
  /** Messages in flight. */
  count = 0;
  /** Entry bytes in flight. */
  bytes = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(countMax >= 1 && bytesMax >= 1, "inflights: limits must be positive");
    this.lastIndexes = new Float64Array(countMax);
    this.sizes = new Float64Array(countMax);
  }

  full(): boolean {
    return this.count === this.countMax || this.bytes >= this.bytesMax;
  }

  /** Records a message carrying entries up to `lastIndex`, `bytes` of payload in total. */
  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), "inflights: add while full");
    if (this.count > 0) {
      const prev = this.lastIndexes[(this.start + this.count - 1) % this.countMax];
      assert(lastIndex > prev, `inflights: ${lastIndex} not after ${prev}`);
    }
    const at = (this.start + this.count) % this.countMax;
    this.lastIndexes[at] = lastIndex;
    this.sizes[at] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= `index`. */
  freeTo(index: number): void {
    while (this.count > 0 && this.lastIndexes[this.start] <= index) {
      this.bytes -= this.sizes[this.start];
      this.start = (this.start + 1) % this.countMax;
      this.count--;
    }
    if (this.count === 0) {
      this.start = 0;
      this.bytes = 0;
    }
  }

  /** Frees the oldest message only (a heartbeat reply proves the link works again). */
  freeFirst(): void {
    if (this.count === 0) return;
    this.freeTo(this.lastIndexes[this.start]);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
