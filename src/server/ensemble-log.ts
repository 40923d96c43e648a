// The ReplicatedLog a member writes through, standalone or in an ensemble: the Raft group
// (server/raft-log.ts) plus what a member needs from the other members around it.
//
// - Proposals: the leader appends them; any other member forwards them to the leader,
//   batched (all proposals of one turn of the event loop in one message), over the peer link
//   that keeps them in order. A forward names the term it was sent in, and a leader of
//   another term drops it, so nothing sent to an old leader is appended by a new one behind
//   the sender's back. While the leader hands leadership over, Raft takes no proposals: the
//   leader holds what arrives (its own and forwarded) in order and proposes it when the
//   transfer ends with it still leading in the same term; if another member leads by then,
//   the epochs of every member move on and the held proposals are dropped as uncertain, as a
//   leader change always does.
// - Epochs: whenever the term or the leader changes, or the link to the leader drops, a
//   forwarded or appended proposal may be lost; the epoch moves on and the member treats its
//   older proposals as uncertain (server/member.ts closes those clients' connections, as a
//   ZooKeeper follower that loses its leader closes all of its).
// - Read barriers (sync): the Raft read-index, confirmed by a heartbeat round to a quorum
//   (docs/raft.md), asked again when the leader changes, answered -1 after a timeout.
// - Session activity: members other than the leader report the sessions they heard from,
//   each half tick, as ZooKeeper's learners do in their pings; only the leader expires.
//
// Peer messages arrive through PeerHandler: the carrier has already checked which member
// sent them, and a malformed body is dropped with a log line (one per peer and minute).
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { PeerHandler, PeerNetwork } from "../base/peer-network.js";
import { type Message, noNode, type ReadState } from "../raft/types.js";
import { StateFormatError } from "../state/bytes.js";
import { decodeEntry } from "../state/entry-codec.js";
import { entryBytes } from "./entry-envelope.js";
import {
  encodeRaftMessage,
  PeerDecodeError,
  PeerKind,
  PeerReader,
  PeerWriter,
  readRaftMessage,
} from "./peer-codec.js";
import {
  encodeForward,
  encodeTouches,
  encodeTransfer,
  MemberKind,
  readForward,
  readTouches,
  readTransfer,
} from "./peer-messages.js";
import type { RaftLog } from "./raft-log.js";
import type { ReconfigLeader } from "./reconfig-leader.js";
import {
  encodeReconfigOrder,
  type ReconfigOrder,
  readReconfigOrder,
  reconfigOrderKind,
} from "./reconfig-order.js";
import type { CommitSink, ReplicatedLog } from "./replicated-log.js";

export interface EnsembleLogOptions {
  self: number;
  clock: Clock;
  logger: Logger;
  /** Runs `callback` soon, after the current I/O callbacks (setImmediate in production). */
  defer: (callback: () => void) => void;
  /** The carrier to the other members; null for a standalone member. */
  network: PeerNetwork | null;
  /** A read barrier not confirmed within this long is answered -1. */
  barrierTimeoutMs: number;
  /** How often an unanswered read-index request is asked again. */
  barrierRetryMs: number;
  /**
   * On the leader: another member passed on an operator's request to hand leadership to
   * `target` (0: the leader's choice). server/leadership-transfer.ts acts on it.
   */
  transferRequested?: (from: number, target: number) => void;
}

interface Barrier {
  readonly done: (index: number) => void;
  readonly startedMs: number;
  askedMs: number;
}

export class EnsembleLog implements ReplicatedLog, PeerHandler {
  epoch = 0;
  private raftLog: RaftLog | null = null;
  private sink: CommitSink | null = null;
  private readonly writer = new PeerWriter(64 * 1024);
  private readonly reader = new PeerReader();
  /** Proposals to forward at the end of this turn, and the epoch they were made in. */
  private forwardBatch: Uint8Array[] = [];
  private forwardEpoch = 0;
  private flushScheduled = false;
  /** Proposals that arrived during a leadership transfer, and the term they arrived in. */
  private held: Uint8Array[] = [];
  private heldTerm = 0;
  private readonly barriers = new Map<number, Barrier>();
  private nextContext = 1;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly badInputLoggedMs = new Map<number, number>();
  /** Links to members that are up (outbound handshake done). */
  private readonly linksUp = new Set<number>();
  /** The leader's reconfiguration duty, in an ensemble (start-member.ts sets it). */
  reconfigDuty: ReconfigLeader | null = null;

  constructor(private readonly options: EnsembleLogOptions) {}

  get self(): number {
    return this.options.self;
  }

  /** The Raft group's callbacks; pass them to the RaftLog this wraps. */
  readonly raftCallbacks = {
    send: (m: Message): void => {
      this.options.network?.send(m.to, encodeRaftMessage(this.writer, m));
    },
    readStates: (states: readonly ReadState[]): void => this.readStatesArrived(states),
    leaderChanged: (_term: number, _lead: number): void => this.newEpoch(true),
  };

  /** Starts the Raft group (committed entries go to `sink`) and the peer links. */
  start(raftLog: RaftLog, sink: CommitSink): void {
    this.raftLog = raftLog;
    this.sink = sink;
    raftLog.start(sink);
    this.options.network?.start(this);
    const period = Math.max(1, Math.min(this.options.barrierRetryMs, 100));
    const tick = (): void => {
      // A log whose storage failed does no more work, like the Raft group's own ticks.
      if (this.stopped || raftLog.failure !== null) return;
      this.checkBarriers();
      if (this.held.length > 0) this.releaseHeld();
      this.reconfigDuty?.step();
      this.timer = this.options.clock.setTimer(period, tick);
    };
    this.timer = this.options.clock.setTimer(period, tick);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.cancelTimer(this.timer);
    this.raftLog?.stop();
    this.options.network?.stop();
    for (const b of this.barriers.values()) b.done(-1);
    this.barriers.clear();
  }

  private get raft(): RaftLog {
    return this.raftLog!;
  }

  get commitIndex(): number {
    return this.raftLog === null ? 0 : this.raft.commitIndex;
  }

  get isLeader(): boolean {
    return this.raftLog !== null && this.raft.isLeader;
  }

  get writable(): boolean {
    return this.isLeader || this.canForward();
  }

  get serving(): boolean {
    return this.raftLog !== null && !this.stopped && this.raft.lead !== noNode;
  }

  private canForward(): boolean {
    if (this.raftLog === null || this.stopped || this.options.network === null) return false;
    const lead = this.raft.lead;
    return lead !== noNode && lead !== this.options.self && this.linksUp.has(lead);
  }

  propose(data: Uint8Array): boolean {
    if (this.raftLog === null || this.stopped) return false;
    if (this.raft.isLeader) return this.proposeAsLeader(data);
    if (!this.canForward()) return false;
    if (this.forwardBatch.length === 0) this.forwardEpoch = this.epoch;
    this.forwardBatch.push(Uint8Array.prototype.slice.call(data));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.options.defer(this.flushForwards);
    }
    return true;
  }

  /** Appends `data`, or holds a copy of it while a leadership transfer runs. */
  private proposeAsLeader(data: Uint8Array): boolean {
    if (this.held.length > 0) this.releaseHeld();
    if (this.raft.transferring || this.held.length > 0) {
      if (this.held.length === 0) this.heldTerm = this.raft.term;
      this.held.push(Uint8Array.prototype.slice.call(data));
      return true;
    }
    return this.raft.propose(data) >= 0;
  }

  /** Proposes the held proposals once the transfer is over, or drops them if leadership moved. */
  private releaseHeld(): void {
    if (this.raft.isLeader && this.raft.term === this.heldTerm) {
      if (this.raft.transferring) return;
      let i = 0;
      while (i < this.held.length && this.raft.propose(this.held[i]!) >= 0) i++;
      // Nothing else refuses a leader's proposal but a new transfer: keep the rest in order.
      this.held = this.held.slice(i);
      return;
    }
    this.held = [];
  }

  private readonly flushForwards = (): void => {
    this.flushScheduled = false;
    const batch = this.forwardBatch;
    if (batch.length === 0) return;
    this.forwardBatch = [];
    // A batch of an older epoch is dropped: the member has already given up on it.
    if (this.forwardEpoch !== this.epoch || !this.canForward()) return;
    const lead = this.raft.lead;
    if (!this.options.network!.send(lead, encodeForward(this.writer, this.raft.term, batch))) {
      // Dropped at once (the link's queue is full) while the link stays up: nothing else would
      // tell this member that these writes are lost, so their clients would wait forever.
      this.options.logger.warn("forwarded writes dropped on the way to the leader", {
        leader: lead,
        writes: batch.length,
      });
      this.newEpoch(false);
    }
  };

  get canReconfigure(): boolean {
    return this.reconfigDuty !== null;
  }

  reconfig(order: ReconfigOrder): boolean {
    if (this.raftLog === null || this.stopped || this.reconfigDuty === null) return false;
    if (this.raft.isLeader) {
      this.reconfigDuty.submit(order);
      return true;
    }
    if (!this.canForward()) return false;
    this.options.network!.send(
      this.raft.lead,
      encodeReconfigOrder(this.writer, this.raft.term, order),
    );
    return true;
  }

  readBarrier(done: (index: number) => void): void {
    if (this.raftLog === null || this.stopped) {
      done(-1);
      return;
    }
    const now = this.options.clock.monotonicMs();
    const context = this.nextContext++;
    this.barriers.set(context, { done, startedMs: now, askedMs: now });
    this.raft.readIndex(context);
  }

  private readStatesArrived(states: readonly ReadState[]): void {
    for (const s of states) {
      const b = this.barriers.get(s.context);
      if (b === undefined) continue;
      this.barriers.delete(s.context);
      b.done(s.index);
    }
  }

  private checkBarriers(): void {
    if (this.barriers.size === 0) return;
    const now = this.options.clock.monotonicMs();
    for (const [context, b] of this.barriers) {
      if (now - b.startedMs >= this.options.barrierTimeoutMs) {
        this.barriers.delete(context);
        b.done(-1);
      } else if (now - b.askedMs >= this.options.barrierRetryMs) {
        // The request or its answer may have been lost with a message or a leader.
        b.askedMs = now;
        this.raft.readIndex(context);
      }
    }
  }

  touchSessions(ids: readonly number[]): void {
    if (ids.length === 0 || !this.canForward()) return;
    this.options.network!.send(this.raft.lead, encodeTouches(this.writer, ids));
  }

  /**
   * Passes an operator's leadership transfer request on to the leader, in the term this
   * member believes it leads; false when no link to a leader is up.
   */
  forwardTransfer(target: number): boolean {
    if (!this.canForward()) return false;
    this.options.network!.send(this.raft.lead, encodeTransfer(this.writer, this.raft.term, target));
    return true;
  }

  private newEpoch(leaderChanged: boolean): void {
    this.epoch++;
    this.forwardBatch = [];
    this.held = [];
    if (leaderChanged) {
      // Read-index requests die with the leadership that took them: ask the new one.
      const now = this.options.clock.monotonicMs();
      for (const [context, b] of this.barriers) {
        b.askedMs = now;
        this.raft.readIndex(context);
      }
    }
    this.sink?.epochChanged();
  }

  // ---- PeerHandler -------------------------------------------------------------------

  message(from: number, body: Uint8Array): void {
    if (this.raftLog === null || this.stopped) return;
    const r = this.reader;
    try {
      switch (r.reset(body)) {
        case PeerKind.raft: {
          const m = readRaftMessage(r);
          if (m.from !== from || m.to !== this.options.self) {
            this.badInput(from, `Raft message from ${m.from} to ${m.to} on this link`);
            return;
          }
          this.raft.step(m);
          return;
        }
        case MemberKind.forward: {
          const f = readForward(r);
          // Sent to the leader of another term: the sender has given up on these already.
          if (!this.raft.isLeader || f.term !== this.raft.term) return;
          for (const e of f.entries) {
            // Every member will apply what is proposed: an entry that does not decode would
            // stop them all, so the leader checks each one before it enters the log.
            decodeEntry(entryBytes(e));
            if (!this.proposeAsLeader(e)) return;
          }
          return;
        }
        case reconfigOrderKind: {
          const { term, order } = readReconfigOrder(r);
          // Sent to the leader of another term: the sender gives up on it with its epoch.
          if (this.raft.isLeader && term === this.raft.term && order.member === from) {
            this.reconfigDuty?.submit(order);
          }
          return;
        }
        case MemberKind.touches: {
          const ids = readTouches(r);
          if (this.raft.isLeader) this.sink?.sessionsTouched(ids);
          return;
        }
        case MemberKind.transfer: {
          const t = readTransfer(r);
          // Meant for the leader of another term: that leadership has already changed.
          if (this.raft.isLeader && t.term === this.raft.term) {
            this.options.transferRequested?.(from, t.target);
          }
          return;
        }
        default:
          this.badInput(from, `unknown message kind ${body[0]}`);
      }
    } catch (err) {
      if (!(err instanceof PeerDecodeError) && !(err instanceof StateFormatError)) throw err;
      this.badInput(from, err.message);
    }
  }

  linkChanged(peer: number, up: boolean): void {
    if (up) {
      this.linksUp.add(peer);
      return;
    }
    this.linksUp.delete(peer);
    // What was forwarded on that link may be lost: the writes waiting for it are uncertain.
    if (this.raftLog !== null && peer === this.raft.lead) this.newEpoch(false);
  }

  private badInput(from: number, reason: string): void {
    const now = this.options.clock.monotonicMs();
    const last = this.badInputLoggedMs.get(from);
    if (last !== undefined && now - last < 60000) return;
    this.badInputLoggedMs.set(from, now);
    this.options.logger.warn("dropped a malformed message from a member", {
      member: from,
      reason,
    });
  }
}
