// The simulated network between members: every message gets a latency drawn from a spread
// (with rare long delays, which reorder messages), may be lost or duplicated, and is
// dropped when a partition separates sender and receiver either when it is sent or when
// it would arrive. Partitions may be one-way (asymmetric): a member that can talk but not
// hear, or hear but not talk.
import type { Prng } from "./prng.js";

export interface NetworkFaults {
  /** Probability that a message is lost. */
  lossRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Latency: uniform in [latencyMinMs, latencyMaxMs], plus rare spikes. */
  latencyMinMs: number;
  latencyMaxMs: number;
  /** Probability of a long delay (up to latencySpikeMs), which reorders messages. */
  spikeRate: number;
  latencySpikeMs: number;
}

export const calmNetwork: NetworkFaults = {
  lossRate: 0,
  duplicateRate: 0,
  latencyMinMs: 1,
  latencyMaxMs: 5,
  spikeRate: 0,
  latencySpikeMs: 0,
};

export class SimNetwork {
  faults: NetworkFaults = { ...calmNetwork };
  /** blocked.has(from * 65536 + to): messages from `from` to `to` are dropped. */
  private readonly blocked = new Set<number>();

  constructor(private readonly rng: Prng) {}

  canReach(from: number, to: number): boolean {
    return !this.blocked.has(from * 65536 + to);
  }

  block(from: number, to: number): void {
    this.blocked.add(from * 65536 + to);
  }

  heal(): void {
    this.blocked.clear();
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  /** Cuts every link between `side` and the rest of `members`, both ways. */
  partition(side: readonly number[], members: readonly number[]): void {
    for (const a of side) {
      for (const b of members) {
        if (side.includes(b)) continue;
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  /**
   * Delivery times for one message sent now: empty if it is lost, two if duplicated.
   */
  deliveries(from: number, to: number, nowMs: number): number[] {
    if (!this.canReach(from, to)) return [];
    const f = this.faults;
    if (this.rng.chance(f.lossRate)) return [];
    const times = [nowMs + this.latency()];
    if (this.rng.chance(f.duplicateRate)) times.push(nowMs + this.latency());
    return times;
  }

  private latency(): number {
    const f = this.faults;
    let ms = f.latencyMinMs + this.rng.float() * (f.latencyMaxMs - f.latencyMinMs);
    if (f.spikeRate > 0 && this.rng.chance(f.spikeRate)) ms += this.rng.float() * f.latencySpikeMs;
    return ms;
  }

  describe(): string {
    if (this.blocked.size === 0) return "connected";
    const links = [...this.blocked].map((k) => `${Math.floor(k / 65536)}-x>${k % 65536}`);
    return `blocked ${links.sort().join(" ")}`;
  }
}
