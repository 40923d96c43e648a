// The fault scheduler of the Raft simulation (raft-cluster.ts). Every few milliseconds of the
// chaos phase it picks one of the fault kinds the run's swarm profile (swarm-profile.ts)
// enables, by weight, and applies it; it also runs the nemeses aimed at leaders: a strike
// (crash, cut off, mute, deaf) soon after a leader wins, appends or commits, and healing
// everything right after a new leader wins. It reaches the cluster only through FaultHost,
// so members, disks, the workload and the checks stay with the cluster.
import { confToString } from "../raft/conf-state.js";
import type { RaftNode } from "../raft/node.js";
import type { NodeId } from "../raft/types.js";
import { calmNetwork, type SimNetwork } from "./network.js";
import type { Prng } from "./prng.js";
import type { SimMember } from "./raft-sim-member.js";
import { type FaultKind, faultKinds, type SwarmProfile } from "./swarm-profile.js";

/** What the scheduler may do to the cluster. */
export interface FaultHost {
  readonly rng: Prng;
  readonly net: SimNetwork;
  readonly ids: readonly NodeId[];
  readonly members: ReadonlyMap<NodeId, SimMember>;
  readonly stats: { confChanges: number; transfers: number };
  note(text: string): void;
  crash(m: SimMember): void;
  restart(m: SimMember): void;
  compact(m: SimMember): void;
  /** Lets the cluster act on what a member's core did (Ready, role changes, checks). */
  afterEvent(m: SimMember): void;
  currentLeader(): SimMember | null;
  /** Starts a read-index request at `m` and remembers what it must at least return. */
  startRead(m: SimMember): void;
  /** Strikes leader `id` down in `delayMs` if it still leads in `term` then. */
  scheduleStrike(delayMs: number, id: NodeId, term: number): void;
}

export class FaultScheduler {
  private readonly rng: Prng;
  private readonly net: SimNetwork;
  private readonly ids: readonly NodeId[];
  private readonly members: ReadonlyMap<NodeId, SimMember>;
  /** The fault kinds the profile enables and their cumulative weights, for weighted picks. */
  private readonly kinds: FaultKind[] = [];
  private readonly kindWeightSums: number[] = [];
  private stormy = false;

  constructor(
    private readonly host: FaultHost,
    private readonly profile: SwarmProfile,
  ) {
    this.rng = host.rng;
    this.net = host.net;
    this.ids = host.ids;
    this.members = host.members;
    let weightSum = 0;
    for (const k of faultKinds) {
      if (profile.weights[k] === 0) continue;
      weightSum += profile.weights[k];
      this.kinds.push(k);
      this.kindWeightSums.push(weightSum);
    }
  }

  /** Picks one of the profile's enabled fault kinds, by weight. */
  private pickKind(): FaultKind | null {
    const sums = this.kindWeightSums;
    if (sums.length === 0) return null;
    const x = this.rng.float() * sums[sums.length - 1];
    let i = 0;
    while (sums[i] <= x) i++;
    return this.kinds[i];
  }

  /** Switches the network to the profile's storm, or back to calm. */
  setWeather(stormy: boolean): void {
    this.stormy = stormy;
    const f = this.net.faults;
    const s = stormy ? this.profile.storm : calmNetwork;
    f.lossRate = s.lossRate;
    f.duplicateRate = s.duplicateRate;
    f.latencyMaxMs = s.latencyMaxMs;
    f.spikeRate = s.spikeRate;
    f.latencySpikeMs = s.latencySpikeMs;
  }

  /** Applies one fault; returns the milliseconds until the next one (null: none enabled). */
  chaos(): number | null {
    const rng = this.rng;
    const all = this.ids;
    switch (this.pickKind()) {
      case "crash": {
        // Crashes aim where they hurt most: in the middle of a disk write (between a vote
        // or an append and its fsync), or at the leader; otherwise anywhere.
        const up = all.filter((id) => this.members.get(id)!.node !== null);
        const writing = up.filter((id) => this.members.get(id)!.writing !== null);
        const leader = this.host.currentLeader();
        const [w, l, a] = this.profile.crashAim;
        const aim = rng.float() * (w + l + a);
        if (aim < w && writing.length > 0) this.host.crash(this.members.get(rng.pick(writing))!);
        else if (aim >= w && aim < w + l && leader !== null) this.host.crash(leader);
        else if (up.length > 0) this.host.crash(this.members.get(rng.pick(up))!);
        break;
      }
      case "isolate": {
        const id = rng.pick(all);
        this.net.partition([id], all);
        this.host.note(`partition: ${id} isolated`);
        break;
      }
      case "split": {
        const side = all.filter(() => rng.chance(0.5));
        this.net.partition(side, all);
        this.host.note(`partition: {${side.join(",")}} | rest`);
        break;
      }
      case "oneWay": {
        const a = rng.pick(all);
        const b = rng.pick(all);
        if (a !== b) {
          this.net.block(a, b);
          this.host.note(`partition: one-way ${a} -x> ${b}`);
        }
        break;
      }
      case "heal":
        this.net.heal();
        this.host.note("network healed");
        break;
      case "weather": {
        this.setWeather(!this.stormy);
        const f = this.net.faults;
        this.host.note(
          `network: loss ${f.lossRate.toFixed(2)} dup ${f.duplicateRate.toFixed(2)} latency<=${f.latencyMaxMs}ms spikes ${f.spikeRate.toFixed(2)}`,
        );
        break;
      }
      case "slowDisk": {
        const m = this.members.get(rng.pick(all))!;
        m.diskSlowMs = rng.chance(0.3) ? 0 : rng.between(1, this.profile.diskSlowMsMax);
        this.host.note(`disk of ${m.id}: slow up to ${m.diskSlowMs}ms`);
        break;
      }
      case "confChange":
        this.changeMembership();
        break;
      case "transfer": {
        const l = this.host.currentLeader();
        if (l !== null) {
          const target = rng.pick(l.node!.log.currentConf().voters);
          const why = l.node!.transferLeadership(target);
          this.host.note(`transfer leadership ${l.id} -> ${target}: ${why ?? "started"}`);
          if (why === null) this.host.stats.transfers++;
          this.host.afterEvent(l);
        }
        break;
      }
      case "read": {
        const m = this.members.get(rng.pick(all))!;
        if (m.node !== null) this.host.startRead(m);
        break;
      }
      case "compact":
        this.host.compact(this.members.get(rng.pick(all))!);
        break;
      case null:
        return null; // nothing enabled: the run exercises only the nemeses and the workload
    }
    return rng.between(1, this.profile.chaosGapMaxMs);
  }

  private changeMembership(): void {
    if (this.profile.spares === 0) return;
    const l = this.host.currentLeader();
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
    this.host.note(
      `conf change at ${l.id}: ${change.op} ${id} from ${confToString(conf)}: ${res.ok ? `index ${res.index}` : res.reason}`,
    );
    if (res.ok) this.host.stats.confChanges++;
    this.host.afterEvent(l);
  }

  /** With probability `rate`, strikes leader `m` down soon (if it still leads then). */
  maybeStrike(m: SimMember, rate: number): void {
    if (rate === 0 || !this.rng.chance(rate)) return;
    const delay = this.rng.float() ** 2 * this.profile.strikeDelayMaxMs;
    this.host.scheduleStrike(delay, m.id, m.node!.term);
  }

  /** The strike lands: the leader crashes, or is cut off, made mute or made deaf. */
  strike(m: SimMember): void {
    const id = m.id;
    const action = this.rng.pick(this.profile.strikeActions);
    switch (action) {
      case "crash":
        this.host.crash(m);
        return;
      case "isolate":
        this.net.partition([id], this.ids);
        break;
      case "mute":
        for (const other of this.ids) if (other !== id) this.net.block(id, other);
        break;
      case "deaf":
        for (const other of this.ids) if (other !== id) this.net.block(other, id);
        break;
    }
    this.host.note(`partition: leader ${id} ${action === "isolate" ? "isolated" : action}`);
  }

  /**
   * The leader-isolation nemesis: right after a new leader wins, the network heals and the
   * crashed members come back, so a deposed leader's tail meets the new leader's at once.
   */
  healAfterElection(): void {
    if (this.net.partitioned) {
      this.net.heal();
      this.host.note("network healed (new leader)");
    }
    for (const other of this.members.values()) {
      if (other.node === null) this.host.restart(other);
    }
  }
}
