// What the ensemble simulator's fault planners (ensemble-crashes.ts, ensemble-partitions.ts,
// ensemble-transfers.ts) see of the harness: the time line, the seeded stream all faults
// draw from, the members and their network, and the harness's own acts (a crash restarts a
// member on the same disk). Every planner draws from the one
// `faults` stream, in the order its events run, so a seed decides every fault.
import type { EnsembleProfile } from "./ensemble-sim-setup.js";
import type { Slot } from "./ensemble-slot.js";
import type { Prng } from "./prng.js";
import type { SimPeerNetwork } from "./sim-peer-network.js";
import type { Owner, Timeline } from "./timeline.js";

export interface FaultStats {
  crashes: number;
  partitions: number;
  diskFaults: number;
}

export interface FaultHost {
  readonly timeline: Timeline;
  readonly wire: Owner;
  readonly faults: Prng;
  readonly profile: EnsembleProfile;
  readonly net: SimPeerNetwork;
  readonly slots: readonly Slot[];
  /** Every member, voters first, then observers, then spares. */
  readonly ids: readonly number[];
  readonly stats: FaultStats;
  /** True once faults stopped: planners plan nothing more. */
  readonly healed: boolean;
  crash(slot: Slot, why: string): void;
  trace(line: string): void;
  fail(message: string): void;
}
