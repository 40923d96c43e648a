// A whole Raft cluster in one discrete-event simulation, built from one seed: members
// running the real core (src/raft) on a simulated clock, a faulty network, disks that are
// slow and lose what was not fsynced when a member crashes (the last write possibly torn),
// and a scheduler of faults: crashes (each followed by a restart), partitions (symmetric and
// one-way), network weather, slow disks, membership changes, leadership transfers,
// read-index requests and log compaction, plus nemeses that strike leaders right after they
// win, append or commit and crash members before a vote or an append is durable. Which of
// these a run enables, how strongly, and the cluster's timing come from the run's swarm
// profile (swarm-profile.ts), drawn from the seed first; raft-faults.ts schedules the faults.
// The checkers run after every event; after the chaos phase every fault heals and the
// cluster must elect a leader and commit within a bound.
//
// Each member's durable state (hard state, snapshot, log; raft-sim-member.ts) is modelled in
// the order a write-ahead log would hold one Ready: snapshot, entries, hard state. A crash during a
// write keeps a random prefix of those records: a torn last record is detected by its
// checksum and dropped, which is the same as a shorter prefix.

import { joinByteParts } from "../base/byte-parts.js";
import { confToString, emptyConf, makeConf } from "../raft/conf-state.js";
import type { PlantedBug } from "../raft/config.js";
import { RaftNode } from "../raft/node.js";
import {
  EntryKind,
  type Message,
  type NodeId,
  type Ready,
  Role,
  roleNames,
} from "../raft/types.js";
import { SafetyChecker, SafetyViolation } from "./checkers.js";
import { EventQueue } from "./event-queue.js";
import { EventTrace } from "./event-trace.js";
import { SimNetwork } from "./network.js";
import { Prng } from "./prng.js";
import { FaultScheduler } from "./raft-faults.js";
import { type DiskRecord, decodeIds, encodeIds, SimMember } from "./raft-sim-member.js";
import {
  describeProfile,
  drawProfile,
  logUniform,
  type Scenario,
  type SwarmProfile,
} from "./swarm-profile.js";

export interface SimOptions {
  seed: number;
  /** Events in the chaos phase; the healing phase comes on top. */
  events: number;
  /** Test-only: run every member with this classic bug planted. */
  plantedBug?: PlantedBug;
  /** Force the swarm profile's scenario instead of drawing it from the seed. */
  scenario?: Scenario;
  /** How many of the last events a failure report shows. */
  traceLength?: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  events: number;
  simTimeMs: number;
  /** What went wrong (safety or liveness), if anything. */
  failure: string | null;
  /** The last events before the end, oldest first. */
  trace: string[];
  stats: {
    leaders: number;
    committed: number;
    crashes: number;
    confChanges: number;
    snapshotsInstalled: number;
    readsConfirmed: number;
    transfers: number;
    /** Simulated time from healing to the liveness goal (a leader, a proposal applied everywhere). */
    recoveryMs: number;
  };
  setup: string;
  /** The run's swarm profile: which faults it enabled, how strongly, and its timing. */
  profile: string;
}

const tickMs = 10;
const livenessBoundMs = 5_000;
/**
 * Events the healing phase may take. A healed cluster is quiet (at most about 11,000 events
 * over seeds 1..5000); a message storm (members answering each other's rejections in a
 * loop) is a liveness failure too, and is cut short instead of simulated for 5 seconds.
 */
const healEventsMax = 100_000;
/** The client holds back while the leader has this many entries not yet committed. */
const uncommittedEntriesMax = 100;

const Ev = {
  tick: 0,
  deliver: 1,
  diskDone: 2,
  chaos: 3,
  client: 4,
  strike: 5,
  restart: 6,
  crashMidWrite: 7,
} as const;

export class RaftSimulation {
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly queue = new EventQueue();
  private readonly net: SimNetwork;
  readonly checker = new SafetyChecker();
  private readonly members = new Map<NodeId, SimMember>();
  private readonly ids: NodeId[] = [];
  private now = 0;
  private nextProposalId = 1;
  private readCtx = 0;
  private readonly pendingReads = new Map<number, number>();
  private readonly trace: EventTrace;
  private healed = false;
  private healTime = 0;
  private probe: { index: number; term: number } | null = null;
  private readonly setup: string;
  private readonly profile: SwarmProfile;
  private readonly faults: FaultScheduler;
  private readonly raftOptions: {
    electionTicks: number;
    heartbeatTicks: number;
    preVote: boolean;
    checkQuorum: boolean;
    inflightMessagesMax: number;
    inflightBytesMax: number;
    appendBytesMax: number;
    snapshotChunkBytes: number;
    compactRetainEntries: number;
  };
  private readonly stats = {
    leaders: 0,
    committed: 0,
    crashes: 0,
    confChanges: 0,
    snapshotsInstalled: 0,
    readsConfirmed: 0,
    transfers: 0,
    recoveryMs: 0,
  };

  constructor(private readonly options: SimOptions) {
    this.rng = new Prng(options.seed);
    this.netRng = this.rng.fork();
    this.net = new SimNetwork(this.netRng);
    this.trace = new EventTrace(options.traceLength ?? 40);
    const rng = this.rng;
    const p = drawProfile(rng, options.scenario);
    this.profile = p;
    this.faults = new FaultScheduler(
      {
        rng,
        net: this.net,
        ids: this.ids,
        members: this.members,
        stats: this.stats,
        note: (text) => this.note(text),
        crash: (m) => this.crash(m),
        restart: (m) => this.restart(m),
        compact: (m) => this.compact(m),
        afterEvent: (m) => this.afterEvent(m),
        currentLeader: () => this.currentLeader(),
        startRead: (m) => this.startRead(m),
        scheduleStrike: (delayMs, id, term) =>
          this.queue.push(this.now + delayMs, Ev.strike, id, term),
      },
      p,
    );
    this.raftOptions = {
      electionTicks: p.electionTicks,
      heartbeatTicks: p.heartbeatTicks,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
      inflightMessagesMax: p.inflightMessagesMax,
      inflightBytesMax: p.inflightBytesMax,
      appendBytesMax: p.appendBytesMax,
      snapshotChunkBytes: p.snapshotChunkBytes,
      compactRetainEntries: p.compactRetainEntries,
    };
    if (p.stormAtStart) this.faults.setWeather(true);
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (let i = 1; i <= p.voters; i++) voters.push(i);
    for (let i = 0; i < p.learners; i++) learners.push(p.voters + 1 + i);
    const conf = makeConf(voters, learners);
    const total = p.voters + p.learners + p.spares;
    for (let id = 1; id <= total; id++) {
      const boot = id <= p.voters + p.learners ? conf : emptyConf;
      const m = new SimMember(id, boot, 1 + (rng.float() * 2 - 1) * p.tickSkew);
      this.members.set(id, m);
      this.ids.push(id);
      this.start(m);
      this.queue.push(rng.float() * tickMs, Ev.tick, id, null);
    }
    const o = this.raftOptions;
    this.setup =
      `${confToString(conf)}, spares ${p.spares}, preVote ${o.preVote}, checkQuorum ${o.checkQuorum}, ` +
      `inflight ${o.inflightMessagesMax}/${o.inflightBytesMax}B, batch ${o.appendBytesMax}B, ` +
      `chunk ${o.snapshotChunkBytes}B, retain ${o.compactRetainEntries}` +
      (options.plantedBug ? `, PLANTED BUG ${options.plantedBug}` : "");
    this.queue.push(rng.between(50, 200), Ev.chaos, 0, null);
    this.queue.push(rng.between(1, 10), Ev.client, 0, null);
  }

  private note(text: string): void {
    this.trace.note(this.now, text);
  }

  // ---- members, disks -------------------------------------------------------------------

  private start(m: SimMember): void {
    const snap = m.durableSnapshot;
    const entries = m.durableEntries.filter((e) => e.index > snap.meta.index);
    const planted = this.options.plantedBug;
    m.node = new RaftNode(
      {
        id: m.id,
        random: this.rng,
        ...this.raftOptions,
        ...(planted ? { plantedBug: planted } : {}),
      },
      { hardState: m.durableHardState, snapshot: snap, entries },
    );
    m.sm = decodeIds(joinByteParts(snap.data));
    m.smIndex = snap.meta.index;
    this.checker.onSnapshotInstalled(m.id, m.sm);
    m.prevRole = Role.follower;
    m.prevTerm = m.durableHardState.term;
    m.prevCommit = snap.meta.index;
    m.writing = null;
  }

  private crash(m: SimMember): void {
    if (m.node === null) return;
    if (m.writing !== null) {
      // Only a prefix of the unfinished write reaches the platter.
      const records = m.writing.records;
      const kept = this.rng.between(0, records.length);
      for (let i = 0; i < kept; i++) this.persist(m, records[i]);
      this.note(`crash ${m.id} (write torn: kept ${kept}/${records.length} records)`);
    } else {
      this.note(`crash ${m.id}`);
    }
    m.node = null;
    m.writing = null;
    m.writeGen++;
    this.stats.crashes++;
    const [lo, hi] = this.profile.restartDelayMs;
    this.queue.push(this.now + logUniform(this.rng, lo, hi), Ev.restart, m.id, m.writeGen);
  }

  private restart(m: SimMember): void {
    if (m.node !== null) return;
    this.start(m);
    const hs = m.durableHardState;
    this.note(
      `restart ${m.id} (term ${hs.term} vote ${hs.vote} snapshot ${m.durableSnapshot.meta.index} log to ${m.node!.log.lastIndex()})`,
    );
    this.afterEvent(m);
  }

  private persist(m: SimMember, r: DiskRecord): void {
    switch (r.kind) {
      case "snapshot":
        m.durableSnapshot = r.snapshot;
        m.durableEntries = [];
        break;
      case "hardState":
        m.durableHardState = r.hardState;
        break;
      case "entry": {
        const log = m.durableEntries;
        const e = r.entry;
        let prevTerm = -1;
        if (log.length === 0 || e.index <= log[0].index) {
          m.durableEntries = [e];
        } else {
          const k = e.index - log[0].index;
          if (k > log.length) throw new Error(`sim: durable log gap at ${e.index}`);
          log.length = k;
          prevTerm = log[k - 1].term;
          log.push(e);
        }
        if (e.index - 1 === m.durableSnapshot.meta.index) prevTerm = m.durableSnapshot.meta.term;
        this.checker.onDurableEntry(m.id, e, prevTerm);
        break;
      }
    }
  }

  private diskLatency(m: SimMember): number {
    return 0.2 + this.rng.float() * 2 + m.diskSlowMs * this.rng.float();
  }

  /** Hands the member's Ready work to its disk, or finishes it at once if nothing to write. */
  private pump(m: SimMember): void {
    const node = m.node;
    while (node !== null && m.node === node && m.writing === null && node.hasReady()) {
      const rd = node.ready();
      for (const msg of rd.messages) this.sendMessage(msg);
      const records: DiskRecord[] = [];
      if (rd.snapshot !== null) records.push({ kind: "snapshot", snapshot: rd.snapshot });
      for (const entry of rd.entries) records.push({ kind: "entry", entry });
      if (rd.hardState !== null) records.push({ kind: "hardState", hardState: rd.hardState });
      if (records.length === 0) {
        this.finishReady(m, rd);
        continue;
      }
      m.writing = { ready: rd, records };
      const doneAt = this.now + this.diskLatency(m);
      this.queue.push(doneAt, Ev.diskDone, m.id, m.writeGen);
      this.maybeCrashBeforeFsync(m, rd, doneAt);
    }
  }

  /**
   * The nemesis of the fsync window: a member whose grant of a vote, or whose appended
   * entries, are already on the wire or about to be, crashes before they are durable.
   */
  private maybeCrashBeforeFsync(m: SimMember, rd: Ready, doneAt: number): void {
    if (this.healed) return;
    const p = this.profile;
    const hs = rd.hardState;
    const was = m.durableHardState;
    const voting =
      hs !== null &&
      hs.vote !== 0 &&
      hs.vote !== m.id &&
      (hs.vote !== was.vote || hs.term !== was.term);
    const rate = voting
      ? p.crashBeforeVoteFsync
      : rd.entries.length > 0
        ? p.crashBeforeAppendFsync
        : 0;
    if (rate > 0 && this.rng.chance(rate)) {
      const at = this.now + this.rng.float() * (doneAt - this.now);
      this.queue.push(at, Ev.crashMidWrite, m.id, m.writeGen);
    }
  }

  private finishReady(m: SimMember, rd: Ready): void {
    const node = m.node!;
    if (rd.snapshot !== null) {
      m.sm = decodeIds(joinByteParts(rd.snapshot.data));
      m.smIndex = rd.snapshot.meta.index;
      this.checker.onSnapshotInstalled(m.id, m.sm);
      this.stats.snapshotsInstalled++;
      this.note(`${m.id} installed snapshot at ${m.smIndex}`);
    }
    for (const e of rd.committed) {
      if (e.index !== m.smIndex + 1) {
        throw new SafetyViolation(`apply: member ${m.id} applies ${e.index} after ${m.smIndex}`);
      }
      this.checker.onApply(m.id, e, m.sm.length);
      if (e.kind === EntryKind.normal) m.sm.push(this.checker.appliedIds[m.sm.length]);
      m.smIndex = e.index;
    }
    for (const rs of rd.readStates) {
      const minIndex = this.pendingReads.get(rs.context);
      if (minIndex === undefined) continue;
      this.pendingReads.delete(rs.context);
      if (rs.index < minIndex) {
        throw new SafetyViolation(
          `read-index: member ${m.id} got read index ${rs.index} for read ${rs.context}, but ${minIndex} was committed before it began`,
        );
      }
      this.stats.readsConfirmed++;
    }
    node.advance();
  }

  private diskDone(m: SimMember, gen: number): void {
    if (gen !== m.writeGen || m.writing === null) return;
    const { ready, records } = m.writing;
    for (const r of records) this.persist(m, r);
    m.writing = null;
    this.finishReady(m, ready);
    // Routine snapshots, as a server takes them every snapCount applied entries: without
    // them a member cut off for a whole run would have to replay the entire log, entry by
    // entry, after healing.
    if (m.smIndex - m.durableSnapshot.meta.index >= this.profile.snapCount) this.compact(m);
  }

  /**
   * Snapshots the member's state machine and drops the log behind it. Not while a write is
   * in flight, nor while a snapshot received from the leader waits to be installed (the log
   * then already starts past what the state machine holds).
   */
  private compact(m: SimMember): void {
    const node = m.node;
    if (
      node !== null &&
      m.writing === null &&
      m.smIndex > m.durableSnapshot.meta.index &&
      m.smIndex >= node.log.offset
    ) {
      const snap = node.compact(m.smIndex, encodeIds(m.sm));
      m.durableSnapshot = snap;
      this.note(`${m.id} compacted at ${snap.meta.index} (log from ${node.log.firstIndex()})`);
    }
  }

  private sendMessage(msg: Message): void {
    for (const at of this.net.deliveries(msg.from, msg.to, this.now)) {
      this.queue.push(at, Ev.deliver, msg.to, msg);
    }
  }

  // ---- checks ---------------------------------------------------------------------------

  private leaders(): { id: number; term: number; log: RaftNode["log"] }[] {
    const out = [];
    for (const m of this.members.values()) {
      if (m.node !== null && m.node.role === Role.leader) {
        out.push({ id: m.id, term: m.node.term, log: m.node.log });
      }
    }
    return out;
  }

  /**
   * A leader counts a follower's match towards commit, so it must never exceed what the
   * follower holds durably, as long as the follower has not moved on to a later term (a
   * later leader may then overwrite uncommitted entries this one still counts).
   */
  private checkMatches(id: number, node: RaftNode): void {
    for (const p of node.peers()) {
      const f = this.members.get(p.id);
      if (f === undefined || f.durableHardState.term > node.term) continue;
      const last = Math.max(f.durableSnapshot.meta.index, f.durableEntries.at(-1)?.index ?? 0);
      if (p.match > last) {
        throw new SafetyViolation(
          `match: leader ${id} of term ${node.term} counts ${p.id} as storing ${p.match}, but its durable log ends at ${last}`,
        );
      }
    }
  }

  private afterEvent(m: SimMember): void {
    this.pump(m);
    const node = m.node;
    if (node === null) return;
    if (node.role === Role.leader && (m.prevRole !== Role.leader || m.prevTerm !== node.term)) {
      this.note(`${m.id} became leader of term ${node.term} (log to ${node.log.lastIndex()})`);
      this.checker.onLeader(m.id, node.term, node.log);
      this.stats.leaders++;
      // Leaders that fall soon after winning leave the messiest logs behind (uncommitted
      // tails of several terms, the raw material of the paper's figure 8).
      if (!this.healed) {
        this.faults.maybeStrike(m, this.profile.strikeOnWin);
        if (this.profile.healOnNewLeader) this.faults.healAfterElection();
      }
    } else if (node.role !== m.prevRole) {
      this.note(`${m.id} is ${roleNames[node.role]} in term ${node.term}`);
    }
    m.prevRole = node.role;
    m.prevTerm = node.term;
    if (node.role === Role.leader) this.checkMatches(m.id, node);
    const commit = node.log.committed;
    if (commit > m.prevCommit) {
      this.checker.onCommit(m.id, node.term, node.log, m.prevCommit, commit, this.leaders());
      m.prevCommit = commit;
      // A leader that falls right after committing may not have told anyone yet.
      if (node.role === Role.leader && !this.healed) {
        this.faults.maybeStrike(m, this.profile.strikeOnCommit);
      }
    }
  }

  private startRead(m: SimMember): void {
    const ctx = ++this.readCtx;
    if (m.node!.readIndex(ctx)) {
      this.pendingReads.set(ctx, this.checker.maxCommitted);
      this.note(`read-index ${ctx} at ${m.id} (committed so far ${this.checker.maxCommitted})`);
    }
    this.afterEvent(m);
  }

  private currentLeader(): SimMember | null {
    let best: SimMember | null = null;
    for (const m of this.members.values()) {
      if (m.node === null || m.node.role !== Role.leader) continue;
      if (best === null || m.node.term > best.node!.term) best = m;
    }
    return best;
  }

  // ---- workload and faults --------------------------------------------------------------

  private client(): void {
    const m = this.members.get(this.rng.pick(this.ids))!;
    let target: SimMember | undefined = m;
    if (m.node !== null && m.node.role !== Role.leader && m.node.lead !== 0) {
      target = this.members.get(m.node.lead);
    }
    const leader = target?.node;
    const p = this.probe;
    if (
      p !== null &&
      leader != null &&
      leader.role === Role.leader &&
      p.index > leader.log.offset &&
      leader.log.term(p.index) !== p.term
    ) {
      this.probe = null; // the leader that took the probe fell before replicating it
    }
    // A client waits for its requests when the leader falls behind (as real ones do), and
    // after healing only the probe is needed; otherwise a fast proposal rate against a
    // narrow flow-control window grows a backlog that no cluster could drain in the
    // liveness bound.
    if (
      leader != null &&
      leader.role === Role.leader &&
      !(this.healed && this.probe !== null) &&
      leader.log.lastIndex() - leader.log.committed < uncommittedEntriesMax
    ) {
      const id = this.nextProposalId++;
      const data = new Uint8Array(
        4 + (this.rng.chance(0.2) ? this.rng.below(300) : this.rng.below(12)),
      );
      new DataView(data.buffer).setUint32(0, id);
      const res = leader.propose(data);
      if (res.ok && this.healed && this.probe === null) {
        this.probe = { index: res.index, term: res.term };
      }
      this.afterEvent(target!);
      // A leader that falls right after appending leaves a tail only it holds.
      if (res.ok && target!.node !== null && !this.healed) {
        this.faults.maybeStrike(target!, this.profile.strikeOnAppend);
      }
    }
    const [lo, hi] = this.healed ? [2, 10] : this.profile.proposalGapMs;
    this.queue.push(this.now + lo + this.rng.float() * (hi - lo), Ev.client, 0, null);
  }

  private heal(): void {
    this.healed = true;
    this.healTime = this.now;
    this.net.heal();
    this.faults.setWeather(false);
    for (const m of this.members.values()) {
      m.diskSlowMs = 0;
      this.restart(m);
    }
    this.note("--- all faults healed: the cluster must now elect a leader and commit ---");
  }

  /** Liveness: a proposal made after healing is applied by every member of the config. */
  private livenessReached(): boolean {
    const p = this.probe;
    if (p === null) return false;
    const ct = this.checker.committedTerm[p.index];
    if (ct !== undefined && ct >= 0 && p.index <= this.checker.maxCommitted && ct !== p.term) {
      this.probe = null; // overwritten by a later leader: try again with a new proposal
      return false;
    }
    const l = this.currentLeader();
    if (l === null) return false;
    const conf = l.node!.log.currentConf();
    for (const id of [...conf.voters, ...conf.learners]) {
      const m = this.members.get(id)!;
      if (m.smIndex < p.index) return false;
    }
    return true;
  }

  run(): SimResult {
    let events = 0;
    let failure: string | null = null;
    const chaosEvents = Math.max(1, Math.round(this.options.events * this.profile.lengthFactor));
    try {
      for (;;) {
        const e = this.queue.pop();
        if (e === undefined) throw new Error("sim: the agenda ran dry");
        this.now = e.time;
        events++;
        if (!this.healed && events >= chaosEvents) this.heal();
        if (this.healed) {
          if (this.livenessReached()) {
            this.stats.recoveryMs = Math.round(this.now - this.healTime);
            break;
          }
          if (events - chaosEvents > healEventsMax) {
            throw new LivenessFailure(
              `liveness: a message storm, ${healEventsMax} events in ${(this.now - this.healTime).toFixed(0)}ms after healing (${this.memberSummary()})`,
            );
          }
          if (this.now - this.healTime > livenessBoundMs) {
            const l = this.currentLeader();
            throw new LivenessFailure(
              `liveness: ${livenessBoundMs}ms after healing, ${l === null ? "no leader" : `leader ${l.id} of term ${l.node!.term}`} and the probe proposal ${this.probe === null ? "never accepted" : `at ${this.probe.index} not applied everywhere`} (${this.memberSummary()})`,
            );
          }
        }
        this.dispatch(e.kind, e.node, e.payload);
      }
    } catch (err) {
      if (err instanceof SafetyViolation || err instanceof LivenessFailure) failure = err.message;
      else
        failure = `exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
    this.stats.committed = this.checker.maxCommitted;
    return {
      seed: this.options.seed,
      ok: failure === null,
      events,
      simTimeMs: this.now,
      failure,
      trace: failure === null ? [] : this.trace.lines(),
      stats: { ...this.stats },
      setup: this.setup,
      profile: describeProfile(this.profile),
    };
  }

  memberSummary(): string {
    return this.ids
      .map((id) => {
        const m = this.members.get(id)!;
        if (m.node === null) return `${id}:down`;
        const s = m.node.status();
        return `${id}:${roleNames[s.role]} t${s.term} commit ${s.commit} applied ${m.smIndex} last ${s.lastIndex}`;
      })
      .join("; ");
  }

  private dispatch(kind: number, id: number, payload: unknown): void {
    switch (kind) {
      case Ev.tick: {
        const m = this.members.get(id)!;
        if (m.node !== null) {
          m.node.tick();
          this.afterEvent(m);
        }
        this.queue.push(this.now + tickMs * m.tickSkew, Ev.tick, id, null);
        return;
      }
      case Ev.deliver: {
        const m = this.members.get(id)!;
        const msg = payload as Message;
        if (m.node === null || !this.net.canReach(msg.from, msg.to)) return;
        this.trace.delivered(this.now, msg);
        m.node.step(msg);
        this.afterEvent(m);
        return;
      }
      case Ev.diskDone: {
        const m = this.members.get(id)!;
        this.diskDone(m, payload as number);
        this.afterEvent(m);
        return;
      }
      case Ev.chaos: {
        if (this.healed) return;
        const gapMs = this.faults.chaos();
        if (gapMs !== null) this.queue.push(this.now + gapMs, Ev.chaos, 0, null);
        return;
      }
      case Ev.client:
        this.client();
        return;
      case Ev.strike: {
        const m = this.members.get(id)!;
        if (
          this.healed ||
          m.node === null ||
          m.node.term !== payload ||
          m.node.role !== Role.leader
        ) {
          return;
        }
        this.faults.strike(m);
        return;
      }
      case Ev.restart: {
        const m = this.members.get(id)!;
        if (m.writeGen === payload) this.restart(m);
        return;
      }
      case Ev.crashMidWrite: {
        const m = this.members.get(id)!;
        if (!this.healed && m.writeGen === payload && m.writing !== null) this.crash(m);
        return;
      }
    }
  }
}

export class LivenessFailure extends Error {
  override readonly name = "LivenessFailure";
}

export function runSimulation(options: SimOptions): SimResult {
  return new RaftSimulation(options).run();
}
