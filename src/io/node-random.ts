// The real Random: cryptographic randomness from node:crypto, because session passwords
// come from it and must not be guessable. Bytes are drawn from a pool refilled in blocks,
// so a uint32() costs no system call.

import { randomFillSync } from "node:crypto";
import type { Random } from "../base/random.js";

const poolBytes = 4096;

export class NodeRandom implements Random {
  private readonly pool = new Uint8Array(poolBytes);
  private readonly view = new DataView(this.pool.buffer);
  private used = poolBytes;

  uint32(): number {
    if (this.used + 4 > poolBytes) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    const value = this.view.getUint32(this.used);
    this.used += 4;
    return value;
  }

  below(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
      throw new RangeError(`Random.below: bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Rejection sampling keeps the result uniform when 2^32 is not a multiple of bound.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const value = this.uint32();
      if (value < limit) return value % bound;
    }
  }

  fill(target: Uint8Array): Uint8Array {
    randomFillSync(target);
    return target;
  }
}
