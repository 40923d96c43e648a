// The plain data storage keeps and hands back. The shapes match the Raft core's Entry and
// HardState (src/raft/types.ts) field for field, so raft values pass straight through
// without storage importing raft.

/** One Raft log entry as stored. `kind` is the Raft entry kind (a u8 on disk). */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  readonly kind: number;
  readonly data: Uint8Array;
}

/** What Raft must have on stable storage before answering a vote or an append. */
export interface HardState {
  readonly term: number;
  /** Member voted for in `term`; 0 for nobody. */
  readonly vote: number;
  /** Highest index known committed: a lower bound, safe to lose, relearned from the leader. */
  readonly commit: number;
}

export const emptyHardState: HardState = { term: 0, vote: 0, commit: 0 };

/** A snapshot's metadata. `config` is the encoded cluster membership at `lastIndex`. */
export interface SnapshotMeta {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly config: Uint8Array;
}

/** A snapshot read back from disk: metadata and the opaque state machine image. */
export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly state: Uint8Array;
}

/** Where storage reports what it decided on its own (truncated tails, skipped snapshots). */
export interface StorageLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type StorageCallback = (error: Error | null) => void;
