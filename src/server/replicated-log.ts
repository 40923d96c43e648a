// The member's view of the replicated log: it proposes encoded state entries and is told,
// in log order, about every committed entry (its own and everyone else's). Whether the log
// behind it is a single-voter Raft group on the local disk (standalone) or an ensemble is
// invisible here, so the standalone server and the ensemble share one write path.
//
// When the storage under the log fails (disk full, I/O error), the log tells the sink once
// and then commits nothing more: what it had made durable stays as it is on disk, and the
// member must not wait for entries it proposed (docs/architecture.md, "Storage failure").

export interface CommitSink {
  /** A committed state entry at `index` (= its zxid). Called in index order. */
  committed(index: number, data: Uint8Array): void;
  /** A committed index that carries no state entry (a leader's no-op, a config change). */
  skipped(index: number): void;
  /**
   * The log's storage failed: nothing proposed is committed any more, including entries
   * already proposed. Called at most once; storage has logged the disk error itself.
   */
  failed(error: Error): void;
}

export interface ReplicatedLog {
  /**
   * Proposes an encoded state entry. Returns the index it will have if committed, or -1
   * when this member cannot take writes now (no leader, shutting down, storage failed).
   */
  propose(data: Uint8Array): number;
  /** The highest index proposed or known so far (what a `sync` must wait for). */
  readonly lastIndex: number;
  /** True when this member may accept writes (it leads, or can forward to a leader). */
  readonly writable: boolean;
  /** True when this member owns session expiry and reaping (the leader). */
  readonly isLeader: boolean;
}
