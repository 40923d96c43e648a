// The public face of the Raft core: what a member (or the simulator) calls. Inputs are
// tick(), step(message), propose(), proposeConfChange(), readIndex(), transferLeadership()
// and compact(); the output is a Ready, pulled with ready() and acknowledged with
// advance(). See docs/raft.md for the persistence contract.
import { assert } from "../base/assert.js";
import type { ByteParts } from "../base/byte-parts.js";
import type { ConfChange } from "./conf-state.js";
import { makeRaftConfig, type RaftOptions } from "./config.js";
import { RaftCore } from "./core.js";
import { onOwnVoteDurable } from "./election.js";
import { RaftLog } from "./log.js";
import { proposeConfChange } from "./membership.js";
import { handleReadIndexRequest } from "./read-index.js";
import {
  appendEntry,
  bcastAppend,
  bcastHeartbeat,
  flushAppends,
  maybeCommit,
} from "./replication.js";
import { snapshotPinIndex } from "./snapshot.js";
import { transferLeadership } from "./transfer.js";
import {
  type ConfState,
  type Entry,
  EntryKind,
  emptyBytes,
  emptyEntries,
  type HardState,
  type Message,
  MessageType,
  type NodeId,
  noNode,
  type Ready,
  Role,
  type Snapshot,
} from "./types.js";

/** What a member reads back from stable storage when it starts. */
export interface PersistedState {
  readonly hardState: HardState;
  /** The newest snapshot; for a new cluster, index 0 carrying the initial configuration. */
  readonly snapshot: Snapshot;
  /** The log entries after the snapshot (older ones are ignored). */
  readonly entries: readonly Entry[];
}

/** The state of a member that has never run: initial members pass the initial config. */
export function initialState(conf: ConfState): PersistedState {
  return {
    hardState: { term: 0, vote: noNode, commit: 0 },
    snapshot: { meta: { index: 0, term: 0, conf }, data: emptyBytes },
    entries: [],
  };
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: string; readonly leader: NodeId };

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
}

export interface PeerProgress {
  readonly id: NodeId;
  /** Highest log index known to match the leader's. */
  readonly match: number;
  /** Heard from since the last check-quorum round. */
  readonly recentActive: boolean;
  /** Heard from within the last one or two check-quorum rounds (an election timeout or two). */
  readonly inContact: boolean;
  readonly voter: boolean;
}

export class RaftNode {
  private readonly r: RaftCore;
  /** Messages released when the Ready in flight is advanced. */
  private releaseOnAdvance: Message[] = [];
  private inFlightHardState: HardState | null = null;

  constructor(options: RaftOptions, state: PersistedState) {
    const config = makeRaftConfig(options);
    const log = new RaftLog(state.snapshot, state.entries, state.hardState.commit);
    this.r = new RaftCore(config, log, state.hardState.term, state.hardState.vote);
  }

  get id(): NodeId {
    return this.r.id;
  }

  /** Read-only view of the log, for the caller's status pages, tests and checkers. */
  get log(): RaftLog {
    return this.r.log;
  }

  get role(): Role {
    return this.r.role;
  }

  get term(): number {
    return this.r.term;
  }

  get lead(): NodeId {
    return this.r.lead;
  }

  status(): RaftStatus {
    const r = this.r;
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      conf: r.log.currentConf(),
    };
  }

  /**
   * Leader: how far each other member's log is known to match (for status pages, choosing
   * whom to hand leadership to, and ZooKeeper's synced-followers count). Empty otherwise.
   */
  peers(): PeerProgress[] {
    const r = this.r;
    if (r.role !== Role.leader) return [];
    const out: PeerProgress[] = [];
    for (const [id, pr] of r.prs) {
      if (id === r.id) continue;
      out.push({
        id,
        match: pr.match,
        recentActive: pr.recentActive,
        inContact: pr.recentActive || pr.activeLastWindow,
        voter: r.trackedConf.voters.includes(id),
      });
    }
    return out;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.r.tick();
  }

  /** Handles a message from a peer. Messages for another member are bad input. */
  step(m: Message): void {
    if (m.to !== this.r.id) throw new RangeError(`raft: message for ${m.to} given to ${this.r.id}`);
    if (m.from === this.r.id) throw new RangeError("raft: message from self");
    this.r.step(m);
  }

  /** True while this leader hands leadership over: it takes no proposals meanwhile. */
  get transferring(): boolean {
    return this.r.role === Role.leader && this.r.leadTransferee !== noNode;
  }

  /** Leader: appends a client command. It is committed once a quorum has it durable. */
  propose(data: Uint8Array): ProposeResult {
    const r = this.r;
    if (r.role !== Role.leader) return { ok: false, reason: "not the leader", leader: r.lead };
    if (r.leadTransferee !== noNode) {
      return { ok: false, reason: "leadership transfer in progress", leader: r.lead };
    }
    const e = appendEntry(r, EntryKind.normal, data);
    return { ok: true, index: e.index, term: e.term };
  }

  /** Leader: proposes one membership change (see conf-state.ts for what is allowed). */
  proposeConfChange(change: ConfChange): ProposeResult {
    const r = this.r;
    const result = proposeConfChange(r, change);
    if (typeof result === "string") return { ok: false, reason: result, leader: r.lead };
    return { ok: true, index: result.index, term: result.term };
  }

  /**
   * Asks for a read index; the answer comes as a ReadState with the same context in a
   * later Ready. Returns false when no leader is known (retry later). Requests can be lost
   * with messages or a change of leader: the caller times out and asks again.
   */
  readIndex(context: number): boolean {
    const r = this.r;
    if (r.role === Role.leader) {
      handleReadIndexRequest(r, r.id, context);
      return true;
    }
    if (r.lead === noNode) return false;
    r.send(MessageType.readIndex, r.lead, { context });
    return true;
  }

  /** Leader: hands leadership to `target`. Returns null if started, else why not. */
  transferLeadership(target: NodeId): string | null {
    return transferLeadership(this.r, target);
  }

  /**
   * The caller took a snapshot of its state machine at `index` (at most the applied index)
   * and stored it durably: remember it for lagging followers and drop older entries.
   */
  compact(index: number, data: ByteParts): Snapshot {
    const log = this.r.log;
    assert(index <= log.applied, `raft: compact at ${index} beyond applied ${log.applied}`);
    assert(index >= log.offset, `raft: compact at ${index} before log start ${log.offset}`);
    const snapshot: Snapshot = {
      meta: { index, term: log.term(index), conf: log.conf.at(index) },
      data,
    };
    log.compact(snapshot, this.r.config.compactRetainEntries, snapshotPinIndex(this.r));
    return snapshot;
  }

  private flush(): void {
    const r = this.r;
    if (r.role !== Role.leader) return;
    flushAppends(r);
    if (r.heartbeatPending) {
      r.heartbeatPending = false;
      bcastHeartbeat(r);
    }
  }

  /** Whether ready() would hand out any work. False while a Ready is in flight. */
  hasReady(): boolean {
    const r = this.r;
    if (r.readyInFlight) return false;
    this.flush();
    const log = r.log;
    return (
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      log.pendingSnapshot !== null ||
      log.stable < log.lastIndex() ||
      Math.min(log.committed, log.stable) > log.applying ||
      r.term !== r.handedTerm ||
      r.vote !== r.handedVote ||
      log.committed !== r.handedCommit
    );
  }

  /** Hands out the work to do; see Ready for the order. Then call advance(). */
  ready(): Ready {
    const r = this.r;
    assert(!r.readyInFlight, "raft: ready() called before advance()");
    this.flush();
    const log = r.log;
    const voteChanged = r.term !== r.handedTerm || r.vote !== r.handedVote;
    let hardState: HardState | null = null;
    if (voteChanged || log.committed !== r.handedCommit) {
      hardState = { term: r.term, vote: r.vote, commit: log.committed };
      r.handedTerm = r.term;
      r.handedVote = r.vote;
      r.handedCommit = log.committed;
    }
    const snapshot = log.pendingSnapshot;
    if (snapshot !== null) {
      log.pendingSnapshot = null;
      log.applying = snapshot.meta.index;
      log.applied = snapshot.meta.index;
    }
    const last = log.lastIndex();
    const entries = log.stable < last ? log.slice(log.stable + 1, last) : emptyEntries;
    log.persistingTo = last;
    const committed = log.nextCommitted();
    if (committed.length > 0) log.applying = committed[committed.length - 1].index;
    const messages = r.msgs;
    r.msgs = [];
    if (voteChanged || snapshot !== null || entries.length > 0) {
      this.releaseOnAdvance = r.msgsAfterPersist;
    } else {
      // Nothing new to persist, and the previous Ready was advanced: what was held back
      // depends only on state that is durable by now.
      for (const m of r.msgsAfterPersist) messages.push(m);
    }
    r.msgsAfterPersist = [];
    const readStates = r.readStates;
    r.readStates = [];
    this.inFlightHardState = hardState;
    r.readyInFlight = true;
    return { hardState, snapshot, entries, committed, messages, readStates };
  }

  /**
   * The caller persisted (and fsynced) everything in the last Ready and applied its
   * committed entries. Releases the messages that waited for that.
   */
  advance(): void {
    const r = this.r;
    assert(r.readyInFlight, "raft: advance() without ready()");
    const log = r.log;
    log.stable = Math.max(log.stable, Math.min(log.persistingTo, log.lastIndex()));
    log.applied = log.applying;
    if (this.inFlightHardState !== null) r.durableTerm = this.inFlightHardState.term;
    this.inFlightHardState = null;
    r.readyInFlight = false;
    for (const m of this.releaseOnAdvance) r.msgs.push(m);
    this.releaseOnAdvance = [];
    onOwnVoteDurable(r);
    // The leader's own entries count toward commit only now that they are durable.
    if (r.role === Role.leader && maybeCommit(r)) bcastAppend(r);
  }
}
