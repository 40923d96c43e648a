// The member's view of the replicated log: it proposes encoded state entries and is told,
// in log order, about every committed entry (its own and everyone else's). Whether the log
// behind it is a single-voter Raft group on the local disk (standalone) or an ensemble whose
// leader is another member is invisible here, so the standalone server and the ensemble
// share one write path.
//
// Proposals carry the member's tag inside their envelope (server/entry-envelope.ts), so the
// member recognises its own entries when they commit, wherever they were appended. A proposal
// may be lost without a trace (the leader changed, the link to it broke): the log then moves
// to a new *epoch*, and the member treats everything it proposed in an older epoch as
// uncertain (it may or may not commit), as a ZooKeeper follower that loses its leader does.
//
// When the storage under the log fails (disk full, I/O error), the log tells the sink once
// and then commits nothing more: what it had made durable stays as it is on disk, and the
// member must not wait for entries it proposed (docs/architecture.md, "Storage failure").
import type { ByteParts } from "../base/byte-parts.js";
import type { ReconfigOrder } from "./reconfig-order.js";

export interface CommitSink {
  /** A committed state entry (enveloped) at `index` (= its zxid). Called in index order. */
  committed(index: number, data: Uint8Array): void;
  /** A committed index that carries no state entry (a leader's no-op, a config change). */
  skipped(index: number): void;
  /** The leader sent a snapshot: the state becomes its image at `index`. */
  restore(index: number, image: ByteParts): void;
  /**
   * The epoch changed (new term or leader, or the link to the leader broke): proposals of
   * older epochs may never commit. Also called when this member starts or stops leading.
   */
  epochChanged(): void;
  /** Sessions that members without expiry duty heard from (delivered on the leader only). */
  sessionsTouched(ids: readonly number[]): void;
  /**
   * The log's storage failed: nothing proposed is committed any more, including entries
   * already proposed. Called at most once; storage has logged the disk error itself.
   */
  failed(error: Error): void;
}

export interface ReplicatedLog {
  /**
   * Proposes an enveloped state entry. Returns false when this member cannot take writes now
   * (no leader known, shutting down, storage failed).
   */
  propose(data: Uint8Array): boolean;
  /** The highest index this member knows is committed (it may not have applied it yet). */
  readonly commitIndex: number;
  /** Increases whenever proposals made before may have been lost (see CommitSink). */
  readonly epoch: number;
  /**
   * A read barrier (ZooKeeper's sync): calls `done` with an index such that every write
   * acknowledged anywhere before this call is at or below it, confirmed by a quorum; the
   * caller serves once it has applied that far. `done(-1)` when no leader can confirm it in
   * time.
   */
  readBarrier(done: (index: number) => void): void;
  /** True when this member may accept writes (it leads, or can forward to a leader). */
  readonly writable: boolean;
  /** True when this member owns session expiry and reaping (the leader). */
  readonly isLeader: boolean;
  /** True while this member is part of a working ensemble (a leader is known) and may serve. */
  readonly serving: boolean;
  /** Reports sessions this member heard from, for the leader's expiry (no-op on the leader). */
  touchSessions(ids: readonly number[]): void;
  /** The id of the member this process is (server.N; 1 when standalone). */
  readonly self: number;
  /**
   * Hands a reconfig request to the leader's reconfiguration duty (server/reconfig-leader.ts),
   * which answers it with an entry under the order's envelope. False when no leader can take
   * it now. Absent on a standalone member, which cannot change its membership.
   */
  reconfig?(order: ReconfigOrder): boolean;
  /** True when `reconfig` can change the membership (an ensemble member, not a standalone). */
  readonly canReconfigure?: boolean;
}
