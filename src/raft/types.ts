// The plain data the Raft core takes in and hands out: log entries, the hard state a member
// must keep on stable storage, cluster configurations, snapshots, peer messages, and the
// Ready batch that tells the caller what to persist, send and apply. Nothing here has
// behaviour; the concepts that act on it live in their own files (log.ts, election.ts, ...).

import type { ByteParts } from "../base/byte-parts.js";

/** A member id. ZooKeeper's server.N ids are positive; 0 means "nobody". */
export type NodeId = number;
export const noNode: NodeId = 0;

export const EntryKind = {
  /** A client command, opaque to Raft (Corral's state layer encodes it). */
  normal: 0,
  /** A new cluster configuration (payload: encodeConfState), effective once appended. */
  confChange: 1,
  /** The empty entry a new leader appends so that it can commit entries of earlier terms. */
  noOp: 2,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** One log entry. `index` is also the zxid of the write it carries. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What a member must fsync before anything that depends on it leaves the member. */
export interface HardState {
  readonly term: number;
  /** Whom this member voted for in `term` (noNode if nobody). */
  readonly vote: NodeId;
  /** Highest index known committed. Safe to lose (it is relearned), but saves replay work. */
  readonly commit: number;
}

/**
 * A cluster configuration. Voters elect leaders and count toward commit quorums; learners
 * (ZooKeeper's observers) receive the log but never vote. Both lists are sorted and disjoint.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  readonly index: number;
  /** The term of the entry at `index`. */
  readonly term: number;
  /** The configuration in force at `index`. */
  readonly conf: ConfState;
}

/** A state machine image. `data` is opaque to Raft, produced and consumed by the caller. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine image, opaque to the core; parts when the member wrote it so. */
  readonly data: ByteParts;
}

export const Role = {
  follower: 0,
  preCandidate: 1,
  candidate: 2,
  leader: 3,
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const roleNames = ["follower", "pre-candidate", "candidate", "leader"] as const;

export const MessageType = {
  /** Candidate asks for a vote: index/logTerm = its last entry; context 1 = leader transfer. */
  vote: 0,
  voteResp: 1,
  /** Like vote but for term+1 without anyone changing term (PreVote, thesis 9.6). */
  preVote: 2,
  preVoteResp: 3,
  /** AppendEntries: index/logTerm = the entry before `entries`; commit = leader's commit. */
  append: 4,
  /** index = highest index now matching (success) or the rejected prev index (reject). */
  appendResp: 5,
  /** Leader liveness and commit propagation; context = read-index round. */
  heartbeat: 6,
  /** index = the follower's last index (the leader notices a follower that lost its log). */
  heartbeatResp: 7,
  /** One chunk of an InstallSnapshot transfer (field `snapshot`). */
  snapshot: 8,
  /** index = next byte offset wanted of the snapshot being received. */
  snapshotResp: 9,
  /** Leadership transfer: the receiver campaigns at once. */
  timeoutNow: 10,
  /** Follower forwards a read-index request to the leader; context = caller's request id. */
  readIndex: 11,
  /** Leader's answer: index = the read index; context = caller's request id. */
  readIndexResp: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
export const messageTypeNames = [
  "Vote",
  "VoteResp",
  "PreVote",
  "PreVoteResp",
  "App",
  "AppResp",
  "Heartbeat",
  "HeartbeatResp",
  "Snap",
  "SnapResp",
  "TimeoutNow",
  "ReadIndex",
  "ReadIndexResp",
] as const;

/** Vote context marking an election started by a leadership transfer (ignores leases). */
export const transferContext = 1;

/** One piece of a snapshot in flight. The transfer is done when offset + data = totalBytes. */
export interface SnapshotChunk {
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly totalBytes: number;
  readonly data: Uint8Array;
}

/**
 * A peer message. One shape for every type (unused fields are 0/empty) so that the hot path
 * handles monomorphic objects; what each numeric field means per type is documented on
 * MessageType.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** On a rejected append: the follower's hint of where the logs may agree. */
  readonly rejectHint: number;
  readonly context: number;
  readonly snapshot: SnapshotChunk | null;
}

/** A confirmed read index: once the caller has applied through `index`, it may serve the read. */
export interface ReadState {
  readonly index: number;
  readonly context: number;
}

/**
 * Work for the caller, handed out by RaftNode.ready(). The caller must, in this order:
 * 1. send `messages` (any time, even before persisting: none depends on this Ready);
 * 2. durably persist `snapshot` (if any), then `entries` (truncating its log from
 *    entries[0].index first), then `hardState` (if any), and fsync. The order matters
 *    after a torn write: the hard state's commit index may refer to entries of the same
 *    Ready, so it must never survive without them;
 * 3. install `snapshot` into the state machine, then apply `committed` in order;
 * 4. call advance(). Messages that depended on step 2 come out in the next Ready.
 * Read states may be served once the caller has applied through their index.
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly committed: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

export const emptyEntries: readonly Entry[] = Object.freeze([]);
export const emptyBytes = new Uint8Array(0);
