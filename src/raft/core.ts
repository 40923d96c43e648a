// The state of one Raft member and the transitions between its roles. The rules that act on
// this state live in one file per concept (election.ts, replication.ts, snapshot.ts,
// read-index.ts, transfer.ts, membership.ts); this file holds what they share: the fields,
// role changes, the tick, the single entry point for peer messages (term checks first),
// and the outbox that keeps messages back until what they promise is on stable storage.
import { assert } from "../base/assert.js";
import { isVoter } from "./conf-state.js";
import type { RaftConfig } from "./config.js";
import {
  type CampaignKind,
  campaign,
  handleVoteRequest,
  handleVoteResponse,
  inLease,
} from "./election.js";
import type { RaftLog } from "./log.js";
import { syncConf } from "./membership.js";
import { type MessageFields, makeMessage } from "./message.js";
import type { Progress } from "./progress.js";
import { dropPendingReads, handleReadIndexRequest } from "./read-index.js";
import {
  appendNoOp,
  bcastHeartbeat,
  handleAppend,
  handleAppendResponse,
  handleHeartbeat,
  handleHeartbeatResponse,
} from "./replication.js";
import { handleSnapshotChunk, handleSnapshotResponse, type SnapshotReceive } from "./snapshot.js";
import { abortTransfer, handleTimeoutNow } from "./transfer.js";
import {
  type ConfState,
  type Message,
  MessageType,
  type NodeId,
  noNode,
  type ReadState,
  Role,
  transferContext,
} from "./types.js";

/** A read-index request waiting for a quorum to confirm this leader's leadership. */
export interface PendingRead {
  /** Heartbeat round that must be acknowledged by a quorum; 0 until assigned. */
  seq: number;
  /** The commit index when the request arrived: the read may be served at or after it. */
  index: number;
  /** Who asked (this member, or a follower that forwarded it). */
  from: NodeId;
  context: number;
}

export class RaftCore {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = noNode;
  /** The leader of `term` as far as we know. */
  lead: NodeId = noNode;
  role: Role = Role.follower;

  /** Leader only: one entry per member of the configuration, this member included. */
  readonly prs = new Map<NodeId, Progress>();
  /** The configuration `prs` was built for; syncConf() follows the log's newest one. */
  trackedConf: ConfState;
  /** Candidates: answers received in this election. */
  readonly votes = new Map<NodeId, boolean>();

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;

  /** Leadership transfer in progress (leader only). */
  leadTransferee: NodeId = noNode;
  transferElapsed = 0;

  /** A snapshot being received in chunks (follower only). */
  snapshotReceive: SnapshotReceive | null = null;

  /** Read-index requests in arrival order; seq and index never decrease along it. */
  pendingReads: PendingRead[] = [];
  readSeq = 0;
  readStates: ReadState[] = [];

  /** Leader: entries were appended and not yet broadcast (they go out in one batch). */
  appendPending = false;
  /** Leader: a read-index round needs a heartbeat broadcast (sent with the next batch). */
  heartbeatPending = false;

  /**
   * Messages that may leave now, and messages that must wait until the state they depend
   * on (a vote, a term, appended entries, a snapshot) is on stable storage.
   */
  msgs: Message[] = [];
  msgsAfterPersist: Message[] = [];

  /** The term and vote last handed out for persisting, and the ones known durable. */
  handedTerm: number;
  handedVote: NodeId;
  handedCommit: number;
  durableTerm: number;
  /** A Ready has been handed out and not yet advanced. */
  readyInFlight = false;

  constructor(
    readonly config: RaftConfig,
    readonly log: RaftLog,
    term: number,
    vote: NodeId,
  ) {
    this.id = config.id;
    this.term = term;
    this.vote = vote;
    this.handedTerm = term;
    this.handedVote = vote;
    this.handedCommit = log.committed;
    this.durableTerm = term;
    if (log.lastTerm() > term) {
      // Entries reached the disk but the hard state written after them did not (a torn
      // write). Their term is at least the term we were in; any vote we cast in it left
      // only after a complete write, so forgetting an unsent vote is harmless. The new
      // term goes to disk with the first Ready.
      this.term = log.lastTerm();
      this.vote = noNode;
    }
    this.trackedConf = log.currentConf();
    this.resetRandomizedElectionTimeout();
  }

  /**
   * Whether this member may campaign: it is a voter in its newest configuration, or that
   * configuration is not committed yet and we were a voter before it. The second case is a
   * leader that proposed its own removal (or demotion) and restarted before the change
   * committed: if the remaining voters are all behind it, only it can finish the change.
   * It still needs a majority of the newest configuration (its own vote does not count
   * there), so elections stay as safe as anyone else's.
   */
  promotable(): boolean {
    const conf = this.log.conf;
    if (isVoter(conf.current, this.id)) return true;
    const index = conf.currentIndex;
    return index > this.log.committed && isVoter(conf.at(index - 1), this.id);
  }

  resetRandomizedElectionTimeout(): void {
    const t = this.config.electionTicks;
    this.randomizedElectionTimeout = t + this.config.random.below(t);
  }

  /**
   * Whether something this member said could be forgotten in a crash right now: a term or
   * vote not yet handed out for persisting, entries or a snapshot not yet durable, or a
   * Ready being persisted.
   */
  hasUnpersisted(): boolean {
    return (
      this.readyInFlight ||
      this.term !== this.handedTerm ||
      this.vote !== this.handedVote ||
      this.log.stable < this.log.lastIndex() ||
      this.log.pendingSnapshot !== null
    );
  }

  /**
   * Queues a message. A leader's replication messages promise nothing about its own disk
   * (it counts itself toward commit only after its entries are durable), so they leave at
   * once, provided its term is durable: otherwise a restarted leader could reuse the term
   * for different entries. Everything else — vote grants, append acknowledgements, a
   * candidate's requests — waits in msgsAfterPersist while anything is unpersisted.
   */
  send(type: MessageType, to: NodeId, fields: MessageFields, term = this.term): void {
    const m = makeMessage(type, this.id, to, term, fields);
    const leaderTraffic =
      this.role === Role.leader &&
      this.durableTerm === this.term &&
      (type === MessageType.append ||
        type === MessageType.heartbeat ||
        type === MessageType.snapshot ||
        type === MessageType.timeoutNow ||
        type === MessageType.readIndexResp);
    if (leaderTraffic || !this.hasUnpersisted()) this.msgs.push(m);
    else this.msgsAfterPersist.push(m);
  }

  /** Test-only path for the planted "vote-before-persist" and "ack-before-persist" bugs: bypasses the outbox rule. */
  sendUnsafeNow(type: MessageType, to: NodeId, fields: MessageFields, term: number): void {
    this.msgs.push(makeMessage(type, this.id, to, term, fields));
  }

  private reset(term: number): void {
    if (this.term !== term) {
      assert(term > this.term, `raft: term going back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = noNode;
    }
    this.lead = noNode;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    abortTransfer(this);
    this.votes.clear();
    this.prs.clear();
    this.appendPending = false;
    this.heartbeatPending = false;
    dropPendingReads(this);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.role = Role.follower;
    this.lead = lead;
  }

  becomePreCandidate(): void {
    assert(this.role !== Role.leader, "raft: leader cannot become pre-candidate");
    // Pre-voting changes neither term nor vote: a member that cannot win disturbs nobody.
    this.votes.clear();
    this.lead = noNode;
    this.role = Role.preCandidate;
  }

  becomeCandidate(): void {
    assert(this.role !== Role.leader, "raft: leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.candidate;
  }

  becomeLeader(): void {
    assert(this.role === Role.candidate, "raft: only a candidate becomes leader");
    const term = this.term;
    this.reset(term);
    this.role = Role.leader;
    this.lead = this.id;
    syncConf(this, true);
    // A new leader cannot count replicas of earlier terms' entries (figure 8), so it
    // commits them indirectly by committing an entry of its own term at once.
    appendNoOp(this);
  }

  tick(): void {
    if (this.role === Role.leader) this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    if (this.promotable()) {
      campaign(this, this.config.preVote ? "pre-vote" : "election");
    } else {
      // A learner, or a member removed from the configuration (which never hears of its own
      // removal: the leader stops replicating to it once the change is appended), does not
      // campaign, so only this makes it forget a leader that went silent. Otherwise it would
      // go on believing in that leader forever, and its member would serve stale reads and
      // hold its clients' writes until they can never apply.
      if (this.config.plantedBug !== "non-voter-keeps-leader") this.lead = noNode;
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.leadTransferee !== noNode && ++this.transferElapsed >= this.config.electionTicks) {
      abortTransfer(this);
    }
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, noNode);
        return;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this);
    }
  }

  /** CheckQuorum: did a quorum talk to us during the last election timeout? Resets marks. */
  private quorumActive(): boolean {
    let active = 0;
    const voters = this.trackedConf.voters;
    for (const id of voters) {
      const pr = this.prs.get(id);
      if (id === this.id || pr?.recentActive) active++;
      if (pr !== undefined && id !== this.id) {
        pr.activeLastWindow = pr.recentActive;
        pr.recentActive = false;
      }
    }
    // Learners do not count, but their marks roll over too, so that status pages can tell
    // whether an observer is still in contact.
    for (const id of this.trackedConf.learners) {
      const pr = this.prs.get(id);
      if (pr === undefined) continue;
      pr.activeLastWindow = pr.recentActive;
      pr.recentActive = false;
    }
    return active >= Math.floor(voters.length / 2) + 1;
  }

  startCampaign(kind: CampaignKind): void {
    campaign(this, kind);
  }

  /** The single entry point for peer messages: term rules first, then the role's rules. */
  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === MessageType.vote || m.type === MessageType.preVote) {
        // Leader stickiness (thesis 4.2.3): while we hear from a leader, a candidate is
        // probably a partitioned member coming back; ignore it unless the leader sent it.
        const transfer = m.type === MessageType.vote && m.context === transferContext;
        if (!transfer && inLease(this)) return;
      }
      if (m.type === MessageType.preVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.preVoteResp && !m.reject) {
        // Granted pre-votes carry the term the candidate will use; not a real term yet.
      } else if (
        m.type === MessageType.append ||
        m.type === MessageType.heartbeat ||
        m.type === MessageType.snapshot
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, noNode);
      }
    } else if (m.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (m.type === MessageType.append || m.type === MessageType.heartbeat)
      ) {
        // A stale leader that cannot reach the others must learn our term, or it would keep
        // its followers from ever electing someone else (with pre-vote they never bump it).
        this.send(MessageType.appendResp, m.from, {});
      } else if (m.type === MessageType.preVote) {
        this.send(MessageType.preVoteResp, m.from, { reject: true });
      }
      return;
    }

    switch (m.type) {
      case MessageType.vote:
      case MessageType.preVote:
        handleVoteRequest(this, m);
        return;
      case MessageType.readIndex:
        if (this.role === Role.leader) handleReadIndexRequest(this, m.from, m.context);
        return;
      case MessageType.readIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return;
    }
    switch (this.role) {
      case Role.leader:
        this.stepLeader(m);
        return;
      case Role.candidate:
      case Role.preCandidate:
        this.stepCandidate(m);
        return;
      case Role.follower:
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return; // not (or no longer) a member
    switch (m.type) {
      case MessageType.appendResp:
        handleAppendResponse(this, m, pr);
        return;
      case MessageType.heartbeatResp:
        handleHeartbeatResponse(this, m, pr);
        return;
      case MessageType.snapshotResp:
        handleSnapshotResponse(this, m, pr);
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MessageType.append:
      case MessageType.heartbeat:
      case MessageType.snapshot:
        // Someone won this term; follow it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case MessageType.voteResp:
        if (this.role === Role.candidate) handleVoteResponse(this, m);
        return;
      case MessageType.preVoteResp:
        if (this.role === Role.preCandidate) handleVoteResponse(this, m);
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.append:
        this.electionElapsed = 0;
        this.lead = m.from;
        handleAppend(this, m);
        return;
      case MessageType.heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        handleHeartbeat(this, m);
        return;
      case MessageType.snapshot:
        this.electionElapsed = 0;
        this.lead = m.from;
        handleSnapshotChunk(this, m);
        return;
      case MessageType.timeoutNow:
        handleTimeoutNow(this, m);
        return;
    }
  }
}
