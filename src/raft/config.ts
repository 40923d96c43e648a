// The options of one Raft member, validated once before the member starts, so nonsense
// (a heartbeat slower than the election timeout, a zero flow-control window) is refused
// up front instead of producing a cluster that never elects anyone.
import type { Random } from "../base/random.js";
import type { NodeId } from "./types.js";

/**
 * Classic Raft bugs that the simulator must catch. Test-only: production code never sets
 * `plantedBug`; the teeth tests set it on a variant to prove the checkers bite.
 */
export type PlantedBug =
  /** Leader commits any index a quorum stores, even of an earlier term (paper figure 8). */
  | "commit-prior-term-by-counting"
  /** A member grants its vote on the wire before the vote is on stable storage. */
  | "vote-before-persist"
  /** A follower appends entries without checking the entry before them matches. */
  | "skip-prev-entry-check"
  /** A follower acknowledges appended entries before they are on stable storage. */
  | "ack-before-persist"
  /**
   * A member that does not campaign (a learner, or a member removed from the configuration)
   * never forgets a leader that went silent, so it keeps serving as if it still followed.
   */
  | "non-voter-keeps-leader";

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomized in [t, 2t). */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats. Must be well below electionTicks. */
  readonly heartbeatTicks: number;
  /** Ask for votes at term+1 before disrupting anyone with a real term bump. */
  readonly preVote: boolean;
  /** Leader steps down when it has not heard from a quorum for electionTicks. */
  readonly checkQuorum: boolean;
  /** Append messages one follower may have unacknowledged. */
  readonly inflightMessagesMax: number;
  /** Entry bytes one follower may have unacknowledged. */
  readonly inflightBytesMax: number;
  /** Entry bytes batched into one append message (at least one entry is always sent). */
  readonly appendBytesMax: number;
  /** Bytes per InstallSnapshot chunk. */
  readonly snapshotChunkBytes: number;
  /**
   * InstallSnapshot chunks one follower may have unconfirmed. 1 (stop and wait) by default:
   * with 4 the swarm simulator found a message storm on a lossy, duplicating network with tiny
   * chunks (seed 1440), so the faster setting waits until that is understood.
   */
  readonly snapshotChunksInflightMax: number;
  /** Entries kept in memory behind a snapshot so slightly lagging followers avoid one. */
  readonly compactRetainEntries: number;
  /** Source of randomized election timeouts. */
  readonly random: Random;
  /** Test-only: see PlantedBug. */
  readonly plantedBug?: PlantedBug;
}

export type RaftOptions = Pick<RaftConfig, "id" | "random"> & Partial<RaftConfig>;

export const raftDefaults = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  inflightMessagesMax: 256,
  inflightBytesMax: 16 * 1024 * 1024,
  appendBytesMax: 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  snapshotChunksInflightMax: 1,
  compactRetainEntries: 1000,
} as const;

export function makeRaftConfig(options: RaftOptions): RaftConfig {
  // Field by field rather than `{ ...raftDefaults, ...options }`: V8 copies a spread whose
  // keys overlap the previous one's on a slow path (about 10 us a call in Node 20), which was
  // a tenth of the simulator's time, whose members restart tens of times in every run.
  const d = raftDefaults;
  const config: RaftConfig = {
    id: options.id,
    random: options.random,
    electionTicks: options.electionTicks ?? d.electionTicks,
    heartbeatTicks: options.heartbeatTicks ?? d.heartbeatTicks,
    preVote: options.preVote ?? d.preVote,
    checkQuorum: options.checkQuorum ?? d.checkQuorum,
    inflightMessagesMax: options.inflightMessagesMax ?? d.inflightMessagesMax,
    inflightBytesMax: options.inflightBytesMax ?? d.inflightBytesMax,
    appendBytesMax: options.appendBytesMax ?? d.appendBytesMax,
    snapshotChunkBytes: options.snapshotChunkBytes ?? d.snapshotChunkBytes,
    snapshotChunksInflightMax: options.snapshotChunksInflightMax ?? d.snapshotChunksInflightMax,
    compactRetainEntries: options.compactRetainEntries ?? d.compactRetainEntries,
    plantedBug: options.plantedBug,
  };
  checkRaftConfig(config);
  return config;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`raft: ${name} must be a positive integer, got ${value}`);
  }
}

export function checkRaftConfig(config: RaftConfig): void {
  positiveInteger("id", config.id);
  positiveInteger("electionTicks", config.electionTicks);
  positiveInteger("heartbeatTicks", config.heartbeatTicks);
  positiveInteger("inflightMessagesMax", config.inflightMessagesMax);
  positiveInteger("inflightBytesMax", config.inflightBytesMax);
  positiveInteger("appendBytesMax", config.appendBytesMax);
  positiveInteger("snapshotChunkBytes", config.snapshotChunkBytes);
  positiveInteger("snapshotChunksInflightMax", config.snapshotChunksInflightMax);
  if (!Number.isSafeInteger(config.compactRetainEntries) || config.compactRetainEntries < 0) {
    throw new RangeError(`raft: compactRetainEntries must be >= 0`);
  }
  if (config.heartbeatTicks >= config.electionTicks) {
    throw new RangeError(
      `raft: heartbeatTicks (${config.heartbeatTicks}) must be below electionTicks (${config.electionTicks})`,
    );
  }
}
