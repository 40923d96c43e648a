// A whole Raft cluster in one discrete-event simulation, built from one seed: members
// running the real core (src/raft) on a simulated clock, a faulty network, disks that are
// slow and lose what was not fsynced when a member crashes (the last write possibly torn),
// and a scheduler of faults: crashes, restarts, partitions (symmetric and one-way),
// network weather, slow disks, membership changes, leadership transfers, read-index
// requests and log compaction. The checkers run after every event; after the chaos phase
// every fault heals and the cluster must elect a leader and commit within a bound.
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
import { type DiskRecord, decodeIds, encodeIds, SimMember } from "./raft-sim-member.js";

export interface SimOptions {
  seed: number;
  /** Events in the chaos phase; the healing phase comes on top. */
  events: number;
  /** Test-only: run every member with this classic bug planted. */
  plantedBug?: PlantedBug;
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
}

const tickMs = 10;
const livenessBoundMs = 5_000;

const Ev = { tick: 0, deliver: 1, diskDone: 2, chaos: 3, client: 4, strike: 5 } as const;

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
  private readonly membershipChanges: boolean;
  /** How busy the fault scheduler is in this run: the longest gap between two faults. */
  private readonly chaosGapMaxMs: number;
  /** Probability that a new leader is struck down (crashed or cut off) soon after winning. */
  private readonly strikeRate: number;
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
    const voterCount = rng.chance(0.1) ? 1 : rng.chance(0.6) ? 3 : 5;
    const learnerCount = rng.between(0, 1);
    this.membershipChanges = rng.chance(0.7);
    this.chaosGapMaxMs = rng.pick([10, 30, 60, 120]);
    this.strikeRate = rng.pick([0, 0.3, 0.8]);
    const spareCount = this.membershipChanges ? rng.between(1, 2) : 0;
    this.raftOptions = {
      electionTicks: 10,
      heartbeatTicks: 2,
      preVote: this.membershipChanges || rng.chance(0.8),
      checkQuorum: rng.chance(0.7),
      inflightMessagesMax: rng.between(1, 8),
      inflightBytesMax: rng.between(16, 512),
      appendBytesMax: rng.chance(0.5) ? rng.between(4, 32) : rng.between(32, 256),
      snapshotChunkBytes: rng.between(16, 256),
      compactRetainEntries: rng.between(0, 20),
    };
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (let i = 1; i <= voterCount; i++) voters.push(i);
    for (let i = 0; i < learnerCount; i++) learners.push(voterCount + 1 + i);
    const conf = makeConf(voters, learners);
    const total = voterCount + learnerCount + spareCount;
    for (let id = 1; id <= total; id++) {
      const boot = id <= voterCount + learnerCount ? conf : emptyConf;
      const m = new SimMember(id, boot, 0.95 + rng.float() * 0.1);
      this.members.set(id, m);
      this.ids.push(id);
      this.start(m);
      this.queue.push(rng.float() * tickMs, Ev.tick, id, null);
    }
    const o = this.raftOptions;
    this.setup =
      `${confToString(conf)}, spares ${spareCount}, preVote ${o.preVote}, checkQuorum ${o.checkQuorum}, ` +
      `inflight ${o.inflightMessagesMax}/${o.inflightBytesMax}B, batch ${o.appendBytesMax}B, ` +
      `chunk ${o.snapshotChunkBytes}B, retain ${o.compactRetainEntries}` +
      `, faults every <=${this.chaosGapMaxMs}ms, leader strikes ${this.strikeRate}` +
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
      this.queue.push(this.now + this.diskLatency(m), Ev.diskDone, m.id, m.writeGen);
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
      if (!this.healed && this.rng.chance(this.strikeRate)) {
        this.queue.push(this.now + this.rng.float() ** 2 * 30, Ev.strike, m.id, node.term);
      }
    } else if (node.role !== m.prevRole) {
      this.note(`${m.id} is ${roleNames[node.role]} in term ${node.term}`);
    }
    m.prevRole = node.role;
    m.prevTerm = node.term;
    const commit = node.log.committed;
    if (commit > m.prevCommit) {
      this.checker.onCommit(m.id, node.term, node.log, m.prevCommit, commit, this.leaders());
      m.prevCommit = commit;
      // A leader that falls right after committing may not have told anyone yet.
      if (node.role === Role.leader && !this.healed && this.rng.chance(this.strikeRate / 2)) {
        this.queue.push(this.now + this.rng.float() * 3, Ev.strike, m.id, node.term);
      }
    }
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
    if (target?.node != null && target.node.role === Role.leader) {
      const id = this.nextProposalId++;
      const data = new Uint8Array(
        4 + (this.rng.chance(0.2) ? this.rng.below(300) : this.rng.below(12)),
      );
      new DataView(data.buffer).setUint32(0, id);
      const res = target.node.propose(data);
      if (res.ok && this.healed && this.probe === null) {
        this.probe = { index: res.index, term: res.term };
      }
      this.afterEvent(target);
    }
    this.queue.push(this.now + this.rng.between(2, 10), Ev.client, 0, null);
  }

  private chaos(): void {
    const rng = this.rng;
    const all = this.ids;
    const up = all.filter((id) => this.members.get(id)!.node !== null);
    const down = all.filter((id) => this.members.get(id)!.node === null);
    const roll = rng.below(100);
    if (roll < 10) {
      // Crashes aim where they hurt most: in the middle of a disk write (between a vote
      // or an append and its fsync), or at the leader; otherwise anywhere.
      const writing = up.filter((id) => this.members.get(id)!.writing !== null);
      const leader = this.currentLeader();
      const aim = rng.below(3);
      if (aim === 0 && writing.length > 0) this.crash(this.members.get(rng.pick(writing))!);
      else if (aim === 1 && leader !== null) this.crash(leader);
      else if (up.length > 0) this.crash(this.members.get(rng.pick(up))!);
    } else if (roll < 22) {
      if (down.length > 0) this.restart(this.members.get(rng.pick(down))!);
    } else if (roll < 27) {
      const id = rng.pick(all);
      this.net.partition([id], all);
      this.note(`partition: ${id} isolated`);
    } else if (roll < 31) {
      const side = all.filter(() => rng.chance(0.5));
      this.net.partition(side, all);
      this.note(`partition: {${side.join(",")}} | rest`);
    } else if (roll < 35) {
      const a = rng.pick(all);
      const b = rng.pick(all);
      if (a !== b) {
        this.net.block(a, b);
        this.note(`partition: one-way ${a} -x> ${b}`);
      }
    } else if (roll < 43) {
      this.net.heal();
      this.note("network healed");
    } else if (roll < 48) {
      const f = this.net.faults;
      f.lossRate = rng.chance(0.5) ? 0 : rng.float() * 0.3;
      f.duplicateRate = rng.chance(0.5) ? 0 : rng.float() * 0.2;
      f.latencyMaxMs = rng.between(2, 30);
      f.spikeRate = rng.chance(0.5) ? 0 : rng.float() * 0.1;
      f.latencySpikeMs = rng.between(10, 300);
      this.note(
        `network: loss ${f.lossRate.toFixed(2)} dup ${f.duplicateRate.toFixed(2)} latency<=${f.latencyMaxMs}ms spikes ${f.spikeRate.toFixed(2)}`,
      );
    } else if (roll < 52) {
      const m = this.members.get(rng.pick(all))!;
      m.diskSlowMs = rng.chance(0.5) ? 0 : rng.between(5, 200);
      this.note(`disk of ${m.id}: slow up to ${m.diskSlowMs}ms`);
    } else if (roll < 64) {
      this.changeMembership();
    } else if (roll < 68) {
      const l = this.currentLeader();
      if (l !== null) {
        const target = rng.pick(l.node!.log.currentConf().voters);
        const why = l.node!.transferLeadership(target);
        this.note(`transfer leadership ${l.id} -> ${target}: ${why ?? "started"}`);
        if (why === null) this.stats.transfers++;
        this.afterEvent(l);
      }
    } else if (roll < 78) {
      const m = this.members.get(rng.pick(all))!;
      if (m.node !== null) {
        const ctx = ++this.readCtx;
        if (m.node.readIndex(ctx)) {
          this.pendingReads.set(ctx, this.checker.maxCommitted);
          this.note(`read-index ${ctx} at ${m.id} (committed so far ${this.checker.maxCommitted})`);
        }
        this.afterEvent(m);
      }
    } else {
      const m = this.members.get(rng.pick(all))!;
      const node = m.node;
      if (node !== null && m.writing === null && m.smIndex > m.durableSnapshot.meta.index) {
        const snap = node.compact(m.smIndex, encodeIds(m.sm));
        m.durableSnapshot = snap;
        this.note(`${m.id} compacted at ${snap.meta.index} (log from ${node.log.firstIndex()})`);
      }
    }
    this.queue.push(this.now + rng.between(1, this.chaosGapMaxMs), Ev.chaos, 0, null);
  }

  private changeMembership(): void {
    if (!this.membershipChanges) return;
    const l = this.currentLeader();
    if (l === null) return;
    const conf = l.node!.log.currentConf();
    const id = this.rng.pick(this.ids);
    let change: Parameters<RaftNode["proposeConfChange"]>[0];
    if (conf.voters.includes(id)) {
      change = { op: this.rng.chance(0.5) ? "remove" : "add-learner", id };
    } else if (conf.learners.includes(id)) {
      change = { op: this.rng.chance(0.6) ? "add-voter" : "remove", id };
    } else {
      change = { op: this.rng.chance(0.5) ? "add-voter" : "add-learner", id };
    }
    const res = l.node!.proposeConfChange(change);
    this.note(
      `conf change at ${l.id}: ${change.op} ${id} from ${confToString(conf)}: ${res.ok ? `index ${res.index}` : res.reason}`,
    );
    if (res.ok) this.stats.confChanges++;
    this.afterEvent(l);
  }

  private heal(): void {
    this.healed = true;
    this.healTime = this.now;
    this.net.heal();
    const f = this.net.faults;
    f.lossRate = 0;
    f.duplicateRate = 0;
    f.spikeRate = 0;
    f.latencyMaxMs = 5;
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
    const chaosEvents = this.options.events;
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
      case Ev.chaos:
        if (!this.healed) this.chaos();
        return;
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
        if (this.rng.chance(0.5)) {
          this.crash(m);
        } else {
          this.net.partition([id], this.ids);
          this.note(`partition: leader ${id} isolated`);
        }
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
