// The simulator's one source of randomness: xoshiro128** seeded through splitmix32 from a
// single integer seed, so a whole run (network, disks, faults, election timeouts) replays
// exactly from that seed. It implements the Random interface the members take.
import type { Random } from "../base/random.js";

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    // Mix in the high bits too so seeds above 2^32 differ.
    st.s = (st.s ^ Math.floor(seed / 0x100000000)) | 0;
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  below(bound: number): number {
    if (bound <= 1) return 0;
    // Lemire's method would avoid the modulo bias; at simulation sizes the bias of a
    // float multiply is irrelevant and this is cheaper.
    return Math.floor((this.uint32() / 0x100000000) * bound);
  }

  fill(target: Uint8Array): Uint8Array {
    for (let i = 0; i < target.length; i++) target[i] = this.uint32() & 0xff;
    return target;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 0x100000000;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** A new generator derived from this one (independent stream for a sub-component). */
  fork(): Prng {
    return new Prng(this.uint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
