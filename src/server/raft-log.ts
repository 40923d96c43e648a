// Drives the pure Raft core against durable storage: the ReplicatedLog of a member. Each
// turn of the event loop that has work pulls one Ready from the core, hands the member its
// committed entries (durable already), makes its new entries durable (one group-committed
// write and fsync for everything proposed meanwhile), then its hard state, and advances the
// core. That is the persistence contract of docs/raft.md: entries before hard state, nothing
// applied before it is durable. A standalone server is a group of one voter; peers plug in
// through `send`.
import { type ByteParts, bytePartsLength } from "../base/byte-parts.js";
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import { decodeConfState, encodeConfState } from "../raft/conf-state.js";
import type { PersistedState, RaftNode } from "../raft/node.js";
import {
  type ConfState,
  EntryKind,
  type Message,
  noNode,
  type ReadState,
  type Ready,
  Role,
  type Snapshot,
} from "../raft/types.js";
import type { Storage } from "../storage/storage.js";
import type { BufferStats } from "./buffer-stats.js";
import { type WalBatchEvent, walBatchChannel } from "./diagnostics.js";
import type { CommitSink } from "./replicated-log.js";

export interface RaftLogOptions {
  id: number;
  clock: Clock;
  logger: Logger;
  storage: Storage;
  node: RaftNode;
  /** Runs `callback` soon, after the current I/O callbacks (setImmediate in production). */
  defer: (callback: () => void) => void;
  /** Milliseconds per Raft tick. */
  tickMs: number;
  /** Sends a message to a peer (no peers in a standalone member). */
  send?: (message: Message) => void;
  /** Confirmed read indexes, handed out after the Ready that carried them was applied. */
  readStates?: (states: readonly ReadState[]) => void;
  /** Called after a Ready whenever the term or the known leader changed. */
  leaderChanged?: (term: number, lead: number) => void;
  /** Where the sizes of the entries this member proposes as leader are kept (srvr, mntr). */
  proposalSizes?: BufferStats;
}

export class RaftLog {
  private sink: CommitSink | null = null;
  private busy = false;
  private scheduled = false;
  private stopped = false;
  private failed: Error | null = null;
  private tickTimer: TimerHandle | null = null;
  private savedTerm: number;
  private savedVote: number;
  private proposedIndex: number;
  /** The Ready in flight whose committed entries are still to be applied, if any. */
  private applyPending: Ready | null = null;
  private seenTerm = -1;
  private seenLead = -1;
  /** When (monotonic ms) this member last started leading; -1 while it does not lead. */
  private leadingSince = -1;

  constructor(private readonly options: RaftLogOptions) {
    const status = options.node.status();
    this.savedTerm = status.term;
    this.savedVote = status.vote;
    this.proposedIndex = status.lastIndex;
  }

  /** Starts ticking and processing; committed entries go to `sink`. */
  start(sink: CommitSink): void {
    this.sink = sink;
    const tick = (): void => {
      // A failed log does no more work: ticking would only build Readies nobody persists.
      if (this.stopped || this.failed !== null) return;
      this.options.node.tick();
      this.schedule();
      this.tickTimer = this.options.clock.setTimer(this.options.tickMs, tick);
    };
    this.tickTimer = this.options.clock.setTimer(this.options.tickMs, tick);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.tickTimer !== null) this.options.clock.cancelTimer(this.tickTimer);
  }

  get node(): RaftNode {
    return this.options.node;
  }

  get lastIndex(): number {
    return this.proposedIndex;
  }

  get writable(): boolean {
    return !this.stopped && this.failed === null && this.options.node.role === Role.leader;
  }

  get isLeader(): boolean {
    return this.writable;
  }

  /** The highest index known committed (applied, or about to be). */
  get commitIndex(): number {
    return this.options.node.log.committed;
  }

  /** The leader this member knows of (noNode while there is none), and its term. */
  get lead(): number {
    return this.failed === null ? this.options.node.lead : noNode;
  }

  /** True while this leader hands leadership over (it refuses proposals meanwhile). */
  get transferring(): boolean {
    return this.options.node.transferring;
  }

  get term(): number {
    return this.options.node.term;
  }

  /** When (monotonic ms) this member started leading, or -1 while it does not lead. */
  get leadingSinceMs(): number {
    return this.isLeader ? this.leadingSince : -1;
  }

  /** Processes what the core has to do now (after a call into the core from outside). */
  kick(): void {
    this.schedule();
  }

  /** Hands a message from a peer to the core (the caller checked who sent it). */
  step(message: Message): void {
    if (this.stopped || this.failed !== null) return;
    this.options.node.step(message);
    this.schedule();
  }

  /**
   * Asks the core for a read index; the answer comes through `readStates` with the same
   * context. False when no leader is known (the caller retries later).
   */
  readIndex(context: number): boolean {
    if (this.stopped || this.failed !== null) return false;
    const asked = this.options.node.readIndex(context);
    this.schedule();
    return asked;
  }

  get failure(): Error | null {
    return this.failed;
  }

  propose(data: Uint8Array): number {
    if (!this.writable) return -1;
    const result = this.options.node.propose(data);
    if (!result.ok) return -1;
    this.proposedIndex = Math.max(this.proposedIndex, result.index);
    this.options.proposalSizes?.record(data.length);
    this.schedule();
    return result.index;
  }

  /** Records a snapshot the member took at `index` and lets the core compact before it. */
  compact(index: number, data: ByteParts): Snapshot {
    return this.options.node.compact(index, data);
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.stopped) return;
    this.scheduled = true;
    this.options.defer(this.process);
  }

  private readonly process = (): void => {
    this.scheduled = false;
    if (this.busy || this.stopped || this.failed !== null) return;
    const node = this.options.node;
    if (!node.hasReady()) {
      // A member that only forgot its leader (a silent leader, seen by a learner) has no
      // Ready to hand out, but its owner must hear of it all the same.
      this.noticeLeader();
      return;
    }
    this.busy = true;
    const ready = node.ready();
    if (this.options.send !== undefined) for (const m of ready.messages) this.options.send(m);
    // The core hands out committed entries only once they are durable here (docs/raft.md),
    // so they need not wait for this Ready's own fsync: they are applied while it runs, which
    // answers their clients one fsync sooner and overlaps the apply work with the disk. The
    // write is issued first so the disk starts at once. A snapshot must be installed before
    // the entries after it, so a Ready carrying one keeps the plain order.
    this.applyPending = ready.snapshot === null ? ready : null;
    this.persistEntries(ready);
    // Unless persisting completed at once (nothing to write) and applied them already.
    if (this.applyPending === ready) this.applyCommitted(ready);
    this.noticeLeader();
  };

  /** Tells the owner when the term or the leader changed, once per Ready. */
  private noticeLeader(): void {
    const node = this.options.node;
    if (node.term === this.seenTerm && node.lead === this.seenLead) return;
    if (node.lead === this.options.id && node.role === Role.leader) {
      // A new leadership: ZooKeeper's leader uptime and proposal sizes start afresh.
      this.leadingSince = this.options.clock.monotonicMs();
      this.options.proposalSizes?.reset();
    }
    this.seenTerm = node.term;
    this.seenLead = node.lead;
    this.options.leaderChanged?.(node.term, node.lead);
  }

  private persistEntries(ready: Ready): void {
    const storage = this.options.storage;
    if (ready.snapshot !== null) {
      const s = ready.snapshot;
      const startedMs = this.options.clock.monotonicMs();
      storage.installSnapshot(
        { lastIndex: s.meta.index, lastTerm: s.meta.term, config: encodeConfState(s.meta.conf) },
        s.data,
        (error) => {
          if (error) {
            this.fail(error);
            return;
          }
          this.options.logger.info("snapshot from the leader received and saved", {
            index: s.meta.index,
            bytes: bytePartsLength(s.data),
            saveMs: Math.round(this.options.clock.monotonicMs() - startedMs),
          });
          this.appendEntries(ready);
        },
      );
      return;
    }
    this.appendEntries(ready);
  }

  private appendEntries(ready: Ready): void {
    const storage = this.options.storage;
    const entries = ready.entries;
    if (entries.length === 0) {
      this.persistHardState(ready);
      return;
    }
    const startedMs = this.options.clock.monotonicMs();
    const append = (): void => {
      let left = entries.length;
      let failed = false;
      const done = (error: Error | null): void => {
        if (failed) return;
        if (error) {
          failed = true;
          this.fail(error);
          return;
        }
        if (--left === 0) {
          if (walBatchChannel.hasSubscribers) this.publishBatch(entries, startedMs);
          this.persistHardState(ready);
        }
      };
      for (const e of entries) storage.append(e.index, e.term, e.kind, e.data, done);
    };
    if (entries[0].index < storage.wal.nextAppendIndex) {
      storage.truncateSuffix(entries[0].index, (error) => (error ? this.fail(error) : append()));
    } else {
      append();
    }
  }

  private publishBatch(entries: Ready["entries"], startedMs: number): void {
    let bytes = 0;
    for (const e of entries) bytes += e.data.length;
    const event: WalBatchEvent = {
      entries: entries.length,
      bytes,
      durationMs: this.options.clock.monotonicMs() - startedMs,
    };
    walBatchChannel.publish(event);
  }

  private persistHardState(ready: Ready): void {
    const hs = ready.hardState;
    // The commit index is relearned after a restart, so saving it on every Ready would cost
    // a second fsync per batch for nothing; term and vote must be durable before the core's
    // held messages go out, so they are saved whenever they change.
    if (hs !== null && (hs.term !== this.savedTerm || hs.vote !== this.savedVote)) {
      this.options.storage.saveHardState(hs, (error) => {
        if (error) {
          this.fail(error);
          return;
        }
        this.savedTerm = hs.term;
        this.savedVote = hs.vote;
        this.applyAndAdvance(ready);
      });
      return;
    }
    this.applyAndAdvance(ready);
  }

  private applyCommitted(ready: Ready): void {
    this.applyPending = null;
    const sink = this.sink!;
    // A snapshot received from the leader replaces the state before the entries after it.
    if (ready.snapshot !== null) sink.restore(ready.snapshot.meta.index, ready.snapshot.data);
    for (const e of ready.committed) {
      if (e.kind === EntryKind.normal) sink.committed(e.index, e.data);
      else sink.skipped(e.index);
    }
    // Read indexes may be served once applied this far: the member checks its own zxid.
    if (ready.readStates.length > 0) this.options.readStates?.(ready.readStates);
  }

  private applyAndAdvance(ready: Ready): void {
    if (ready.snapshot !== null || this.applyPending === ready) this.applyCommitted(ready);
    this.options.node.advance();
    this.busy = false;
    // Messages the core held until this Ready was durable come out with the next one.
    if (this.options.node.hasReady()) this.schedule();
  }

  private fail(error: Error): void {
    if (this.failed !== null) return;
    this.failed = error;
    this.busy = false;
    // The Ready whose persistence failed is never applied or advanced, so the member's
    // state holds only what reached the disk. The member says what the failure means for
    // clients (one error line); without a member this log says it.
    if (this.sink === null) {
      this.options.logger.error("storage failed; this member stops taking writes", {
        error: error.message,
      });
      return;
    }
    this.sink.failed(error);
  }
}

/** The Raft core's starting point from what storage recovered (or a new single voter). */
export function persistedStateFrom(
  recovered: {
    snapshot: {
      meta: { lastIndex: number; lastTerm: number; config: Uint8Array };
      state: Uint8Array;
    } | null;
    entries: { index: number; term: number; kind: number; data: Uint8Array }[];
    hardState: { term: number; vote: number; commit: number };
  },
  initialConf: ConfState,
): PersistedState {
  const snapshot: Snapshot =
    recovered.snapshot === null
      ? {
          meta: { index: 0, term: 0, conf: initialConf },
          data: new Uint8Array(0),
        }
      : {
          meta: {
            index: recovered.snapshot.meta.lastIndex,
            term: recovered.snapshot.meta.lastTerm,
            conf: decodeConfState(recovered.snapshot.meta.config),
          },
          data: recovered.snapshot.state,
        };
  return {
    hardState: recovered.hardState,
    snapshot,
    entries: recovered.entries.map((e) => ({
      index: e.index,
      term: e.term,
      kind: e.kind as EntryKind,
      data: e.data,
    })),
  };
}
