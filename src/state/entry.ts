// The entries of the replicated log: every state change Corral makes. What must be decided
// once (the time, a new session's password and timeout, the writer's session and auth ids)
// is inside the entry, so apply() stays a pure function of (state, zxid, entry).

import type {
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  Id,
  MultiOp,
  SetACLRequest,
  SetDataRequest,
} from "../protocol/records.js";

export const EntryKind = {
  createSession: 1,
  closeSession: 2,
  write: 3,
  reap: 4,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** A client write as it arrived: the opcode and its request record. */
export type WriteOp =
  | { type: 1 | 15 | 19; request: CreateRequest }
  | { type: 21; request: CreateTTLRequest }
  | { type: 2; request: DeleteRequest }
  | { type: 5; request: SetDataRequest }
  | { type: 7; request: SetACLRequest }
  | { type: 14; ops: MultiOp[] }
  | ReconfigOp;

/**
 * A reconfig (16) as the leader decided it (server/reconfig-leader.ts): either ZooKeeper's
 * error for the request, or the new membership's server lines (ZooKeeper's dynamic config
 * text without its version line), which become /zookeeper/config once applied.
 */
export interface ReconfigOp {
  type: 16;
  err: number;
  servers: string;
}

export interface CreateSessionEntry {
  kind: 1;
  timeMs: number;
  /** The negotiated session timeout. */
  timeoutMs: number;
  /** 16 random bytes chosen by the member that accepted the handshake. */
  password: Uint8Array;
}

/** A client's closeSession or the leader's expiry: both end the session the same way. */
export interface CloseSessionEntry {
  kind: 2;
  timeMs: number;
  sessionId: number;
}

export interface WriteEntry {
  kind: 3;
  timeMs: number;
  sessionId: number;
  /** The authenticated ids of the connection that sent the write (ip, digest, super...). */
  authIds: Id[];
  op: WriteOp;
}

/** The leader's reaper deleting a container or TTL node; re-checked when applied. */
export interface ReapEntry {
  kind: 4;
  timeMs: number;
  path: string;
  /**
   * The leader's znode.container.maxNeverUsedIntervalMs (0 = never-used containers stay), in
   * the entry so that every member re-checks the same condition.
   */
  containerNeverUsedMs: number;
}

export type Entry = CreateSessionEntry | CloseSessionEntry | WriteEntry | ReapEntry;
