// One member of the Raft simulation as the simulator sees it: the real core (null while
// crashed), what its disk holds durably (hard state, snapshot, log) in the records a
// write-ahead log would hold for one Ready, the Ready being written, and its state machine,
// which is the list of proposal ids applied (so the checkers can compare members exactly).
import { initialState, type RaftNode } from "../raft/node.js";
import {
  type ConfState,
  type Entry,
  type HardState,
  type NodeId,
  type Ready,
  Role,
  type Snapshot,
} from "../raft/types.js";

export type DiskRecord =
  | { readonly kind: "snapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "hardState"; readonly hardState: HardState }
  | { readonly kind: "entry"; readonly entry: Entry };

export class SimMember {
  node: RaftNode | null = null;
  durableHardState: HardState;
  durableSnapshot: Snapshot;
  durableEntries: Entry[] = [];
  /** The state machine: proposal ids applied, and the log index applied through. */
  sm: number[] = [];
  smIndex = 0;
  writing: { ready: Ready; records: DiskRecord[] } | null = null;
  writeGen = 0;
  diskSlowMs = 0;
  tickSkew: number;
  prevRole: Role = Role.follower;
  prevTerm = 0;
  prevCommit = 0;

  constructor(
    readonly id: NodeId,
    bootConf: ConfState,
    tickSkew: number,
  ) {
    const init = initialState(bootConf);
    this.durableHardState = init.hardState;
    this.durableSnapshot = init.snapshot;
    this.tickSkew = tickSkew;
  }
}

/** The state machine as snapshot data: the applied proposal ids, 4 bytes each. */
export function encodeIds(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < ids.length; i++) v.setUint32(i * 4, ids[i]);
  return out;
}

export function decodeIds(data: Uint8Array): number[] {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ids: number[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) ids.push(v.getUint32(i));
  return ids;
}
