// The leader's reconfiguration duty: turns a client's reconfig request (ZooKeeper's API) into
// Raft membership changes, one member at a time, and ends it with one reconfig entry that
// makes the new membership /zookeeper/config.
//
// A request is checked in ZooKeeper 3.8's order (PrepRequestProcessor): reconfig disabled,
// a reconfiguration in progress, the `curConfigId` version, the request's own form
// (server/dynamic-config.ts), a new membership without a reachable quorum, and last the ACL
// (WRITE on /zookeeper/config; the super user always passes). A refused request is still an
// entry, as in ZooKeeper, carrying the error to the client's member.
//
// An accepted one runs as a job, one Raft change committed before the next is proposed:
//   1. every new member is added as a learner (its address goes to the transport first), all
//      of them before any is promoted, so that they catch up side by side; a new participant
//      is promoted to voter once it has acknowledged the entry that added it and its log is
//      within `caughtUpLagMax` entries of ours;
//   2. participants still behind are promoted all the same when the new voters that are caught
//      up (this leader, voters in contact, learners that caught up) are a majority of the new
//      voters, which is ZooKeeper's own test before it commits a new configuration
//      (Leader.isQuorumSynced); otherwise the request fails with NewConfigNoQuorum, after the
//      learners the job added are removed. That is decided once no participant still behind
//      is in contact (the leader has not heard from it for a whole check-quorum window, as
//      from a joiner that is not running: ZooKeeper counts only the members connected to it),
//      or at the latest after `catchUpTimeoutMs` (initLimit x tickTime) for one that answers
//      but is slow to catch up;
//   3. the reconfig entry is proposed; the client is answered when it commits. Every member,
//      the leaving ones included, applies it, so a client of a leaving member is answered.
// Step 2 is safe in Raft: safety rests on each single-member change's old and new majorities
// overlapping, whatever the new voter's log holds. What a voter that is not caught up costs
// is availability: it counts in the quorum size without acknowledging anything yet, so the
// ensemble tolerates one failure fewer until it catches up (a 3-member ensemble that adds an
// absent 4th needs 3 of 4 acknowledgements, and stalls if one of the 3 fails). The learner
// stage exists to avoid that cost (the Raft thesis, section 4.2.1) when the joiner is up; a
// joiner that is not gets the same treatment as in ZooKeeper, where an ensemble of 3 adds a
// 4th that is not running because 3 of the 4 new voters acknowledge.
// After that, and after any change of leader, the comparison of the Raft configuration with
// /zookeeper/config finishes what is left (`reconcile`): members that are not in
// /zookeeper/config are removed one at a time (learners added by a job whose leader died
// included) and participants that became observers are demoted; a leader that is itself
// leaving goes last, handing leadership to a caught-up voter of the new membership, whose
// own reconcile then removes it. A new request is answered ReconfigInProgress while a job
// runs or while this leader is leaving; removals still under way do not hold it up.
import type { Clock } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import { ErrorCode, Perm } from "../protocol/constants.js";
import type { ReconfigRequest } from "../protocol/records.js";
import type { ConfChange } from "../raft/conf-state.js";
import type { PeerProgress, RaftNode } from "../raft/node.js";
import { type ConfState, Role } from "../raft/types.js";
import { ByteWriter } from "../state/bytes.js";
import { EntryKind } from "../state/entry.js";
import { encodeEntry } from "../state/entry-codec.js";
import type { State } from "../state/state.js";
import { hasPermission } from "../tree/acl.js";
import { configPath } from "../tree/path.js";
import type { ServerSpec } from "./config.js";
import { nextMembership, parseDynamicConfig, serverLines } from "./dynamic-config.js";
import { writeEnvelope } from "./entry-envelope.js";
import type { ReconfigOrder } from "./reconfig-order.js";

export interface ReconfigLeaderOptions {
  self: number;
  clock: Clock;
  logger: Logger;
  node: RaftNode;
  /** Appends an entry as leader; returns its index or -1. */
  propose: (data: Uint8Array) => number;
  /** Makes the Raft group process a change proposed straight on the node. */
  kick: () => void;
  /** The member's replicated state (replaced wholesale by a snapshot from the leader). */
  state: () => State;
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  /** Tells the peer transport where a member listens before the leader must reach it. */
  learnAddress: (spec: ServerSpec) => void;
  /** How long a new member that answers may take to catch up before step 2 decides without it. */
  catchUpTimeoutMs: number;
  /** A learner whose log is this close to the leader's counts as caught up. */
  caughtUpLagMax?: number;
}

interface Job {
  readonly order: ReconfigOrder;
  readonly servers: ServerSpec[];
  readonly startedMs: number;
  /** Set once the reconfig entry is proposed: the job is over when it is applied. */
  entryIndex: number;
  /**
   * Per learner to promote, an index its log must reach before it counts as caught up: the
   * entry that added it (so an acknowledgement proves it replicates from this leader), or
   * for a learner from before the job, the commit index when the job first looked at it.
   */
  readonly mustReach: Map<number, number>;
  /** Too few new members caught up: the learners added are removed, then the error sent. */
  failed: boolean;
  /** Step 2 found a caught-up quorum of the new voters: those still behind are promoted anyway. */
  promoteAnyway: boolean;
}

export class ReconfigLeader {
  private job: Job | null = null;
  private readonly writer = new ByteWriter(1024);
  private transferAskedMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ReconfigLeaderOptions) {}

  /** The membership /zookeeper/config holds (this member's applied state) and its version. */
  private published(): { servers: ServerSpec[]; version: number } | null {
    const node = this.options.state().tree.get(configPath);
    if (node === undefined || node.data === null || node.data === "") return null;
    try {
      return parseDynamicConfig(node.data);
    } catch {
      return null;
    }
  }

  /**
   * True while a request's job runs (until its entry is applied), or while this leader is
   * itself leaving (it hands leadership over soon). Removals left from an earlier request do
   * not count: ZooKeeper takes the next request once the previous one committed, and a job
   * only adds members, one Raft change at a time, so it can run while they finish.
   */
  get inProgress(): boolean {
    this.settle();
    if (this.job !== null) return true;
    const me = this.published()?.servers.find((s) => s.id === this.options.self);
    return me === undefined || me.role !== "participant";
  }

  /** A reconfig order from a member (this one included); only called on the leader. */
  submit(order: ReconfigOrder): void {
    const err = this.check(order);
    if (typeof err === "number") {
      this.finish(order, err, "");
      return;
    }
    this.options.logger.info("reconfiguration started", {
      from: serverLines(this.published()?.servers ?? []).replace(/\n/g, ", "),
      to: serverLines(err).replace(/\n/g, ", "),
    });
    this.job = {
      order,
      servers: err,
      startedMs: this.options.clock.monotonicMs(),
      entryIndex: -1,
      mustReach: new Map(),
      failed: false,
      promoteAnyway: false,
    };
    this.step();
  }

  private check(order: ReconfigOrder): number | ServerSpec[] {
    const o = this.options;
    if (!o.reconfigEnabled) return ErrorCode.reconfigDisabled;
    const published = this.published();
    if (published === null || this.inProgress) return ErrorCode.reconfigInProgress;
    const request: ReconfigRequest = order.request;
    if (request.curConfigId !== -1 && request.curConfigId !== published.version) {
      return ErrorCode.badVersion;
    }
    const next = nextMembership(published.servers, request, o.standaloneEnabled);
    if (!next.ok) {
      o.logger.info("reconfig refused", { reason: next.reason });
      return next.err;
    }
    // ZooKeeper asks for a connected, synced quorum of the new voters before it commits. The
    // new members are counted here (a joiner serves nothing before it is added, so nothing
    // tells yet whether it is up) and the question is asked again in step 2 without them.
    const contact = new Set([o.self]);
    for (const p of o.node.peers()) if (p.inContact) contact.add(p.id);
    const current = new Set(published.servers.map((s) => s.id));
    const voters = next.servers.filter((s) => s.role === "participant");
    const reachable = voters.filter((s) => contact.has(s.id) || !current.has(s.id)).length;
    if (reachable <= voters.length / 2) return ErrorCode.newConfigNoQuorum;
    const config = o.state().tree.get(configPath);
    if (config === undefined || !hasPermission(config.acl.acl, Perm.write, order.authIds)) {
      return ErrorCode.noAuth;
    }
    return next.servers;
  }

  /** Proposes the entry that answers `order`: an error, or the new membership. */
  private finish(order: ReconfigOrder, err: number, servers: string): number {
    const w = writeEnvelope(this.writer.reset(), order, order.tag);
    const data = encodeEntry(
      {
        kind: EntryKind.write,
        timeMs: this.options.clock.nowMs(),
        sessionId: order.sessionId,
        authIds: order.authIds,
        op: { type: 16, err, servers },
      },
      w,
    );
    return this.options.propose(data);
  }

  /** Called every tick and after each applied Ready: moves the job or the reconciling on. */
  step(): void {
    const o = this.options;
    const node = o.node;
    if (node.role !== Role.leader) {
      // A job dies with the leadership; the client's member sees a new epoch.
      this.job = null;
      return;
    }
    const log = node.log;
    if (log.conf.currentIndex > log.committed) return;
    const job = this.job;
    if (job === null) {
      this.reconcile();
      return;
    }
    if (job.entryIndex >= 0) {
      this.settle();
      return;
    }
    const conf = log.currentConf();
    if (job.failed) {
      // Undo first, so that the client's error means the membership is as it was.
      const undo = this.shrinkStep(this.published()?.servers ?? job.servers, conf, false);
      if (undo !== null) {
        this.propose(undo);
        return;
      }
      this.job = null;
      this.finish(job.order, ErrorCode.newConfigNoQuorum, "");
      return;
    }
    // Members leave only after the entry: one that left earlier would never apply it, and
    // a client connected to it would never get its answer.
    const change = this.growStep(job, conf);
    if (change === "failed") {
      o.logger.warn(
        "reconfiguration failed: the members caught up are no quorum of the new membership",
        { waitedMs: Math.round(o.clock.monotonicMs() - job.startedMs) },
      );
      job.failed = true;
      this.step();
      return;
    }
    if (change === "wait") return;
    if (change !== null) {
      const index = this.propose(change);
      if (change.op === "add-learner" && index > 0) job.mustReach.set(change.id, index);
      return;
    }
    job.entryIndex = this.finish(job.order, ErrorCode.ok, serverLines(job.servers));
    if (job.entryIndex < 0) this.job = null;
  }

  /** Ends the job once its reconfig entry is applied here. */
  private settle(): void {
    const job = this.job;
    if (job === null || job.entryIndex < 0) return;
    if (this.options.state().lastZxid < job.entryIndex) return;
    this.options.logger.info("reconfiguration committed", {
      zxid: `0x${job.entryIndex.toString(16)}`,
    });
    this.job = null;
  }

  /** Proposes one membership change; returns its index, or -1 when the core refused it. */
  private propose(change: ConfChange): number {
    const result = this.options.node.proposeConfChange(change);
    if (!result.ok) {
      this.options.logger.debug("membership change deferred", { reason: result.reason });
      return -1;
    }
    this.options.logger.info("membership change proposed", {
      change: change.op,
      member: change.id,
      index: result.index,
    });
    this.options.kick();
    return result.index;
  }

  /**
   * Steps 1 and 2: the next learner to add or to promote, "wait" while a new participant that
   * answers catches up, "failed" when step 2 finds no caught-up quorum, or null once every
   * new member is in place.
   */
  private growStep(job: Job, conf: ConfState): ConfChange | "wait" | "failed" | null {
    const o = this.options;
    for (const s of job.servers) {
      if (!conf.voters.includes(s.id) && !conf.learners.includes(s.id)) {
        o.learnAddress(s);
        return { op: "add-learner", id: s.id };
      }
    }
    let lagging = -1;
    let answering = false;
    for (const s of job.servers) {
      if (s.role !== "participant" || !conf.learners.includes(s.id)) continue;
      if (this.caughtUp(s.id, this.mustReachOf(job, s.id))) return { op: "add-voter", id: s.id };
      if (lagging < 0) lagging = s.id;
      // A new member's progress starts out in contact, so this is false only after a whole
      // check-quorum window (about a second) without a word from it.
      if (this.peer(s.id)?.inContact === true) answering = true;
    }
    if (lagging < 0) return null;
    if (job.promoteAnyway) return { op: "add-voter", id: lagging };
    const waitedMs = o.clock.monotonicMs() - job.startedMs;
    if (answering && waitedMs <= o.catchUpTimeoutMs) return "wait";
    // Decided once, as ZooKeeper decides once per request: the members promoted next are
    // not asked about again, even if one of them answers meanwhile.
    if (!this.caughtUpQuorum(job, conf)) return "failed";
    job.promoteAnyway = true;
    o.logger.warn(
      "new members are not caught up; they become voters anyway, since a quorum of the new membership is",
      {
        members: job.servers
          .filter((s) => s.role === "participant" && conf.learners.includes(s.id))
          .map((s) => s.id)
          .join(","),
        waitedMs: Math.round(waitedMs),
      },
    );
    return { op: "add-voter", id: lagging };
  }

  /** `job.mustReach` for a learner, the commit index now when none was set yet. */
  private mustReachOf(job: Job, id: number): number {
    let index = job.mustReach.get(id);
    if (index === undefined) {
      index = this.options.node.log.committed;
      job.mustReach.set(id, index);
    }
    return index;
  }

  /**
   * ZooKeeper's Leader.isQuorumSynced for the new voters: are the ones that are connected and
   * synced a majority? This leader is; a member already voting is when it is in contact; a
   * learner is once it has caught up.
   */
  private caughtUpQuorum(job: Job, conf: ConfState): boolean {
    const o = this.options;
    const inContact = new Set<number>();
    for (const p of o.node.peers()) if (p.inContact) inContact.add(p.id);
    let voters = 0;
    let synced = 0;
    for (const s of job.servers) {
      if (s.role !== "participant") continue;
      voters++;
      if (s.id === o.self) synced++;
      else if (conf.voters.includes(s.id)) synced += inContact.has(s.id) ? 1 : 0;
      else if (this.caughtUp(s.id, this.mustReachOf(job, s.id))) synced++;
    }
    return synced > voters / 2;
  }

  /**
   * A learner is caught up once it has acknowledged `mustReach` (positive proof that it
   * replicates from this leader: a new member's progress starts out counted as active) and
   * its log is within `caughtUpLagMax` entries of ours.
   */
  private caughtUp(id: number, mustReach: number): boolean {
    const node = this.options.node;
    const p = this.peer(id);
    const lag = this.options.caughtUpLagMax ?? 64;
    return p !== undefined && p.match >= mustReach && p.match + lag >= node.log.lastIndex();
  }

  /** The leader's view of one member's replication, or undefined when it tracks none. */
  private peer(id: number): PeerProgress | undefined {
    return this.options.node.peers().find((p) => p.id === id);
  }

  /** Members not in `servers` leave, participants that became observers are demoted. */
  private shrinkStep(
    servers: readonly ServerSpec[],
    conf: ConfState,
    selfToo: boolean,
  ): ConfChange | null {
    const self = this.options.self;
    const wanted = new Map(servers.map((s) => [s.id, s] as const));
    for (const id of [...conf.voters, ...conf.learners]) {
      if (id === self && !selfToo) continue;
      const s = wanted.get(id);
      if (s === undefined) return { op: "remove", id };
      if (s.role === "observer" && conf.voters.includes(id)) return { op: "add-learner", id };
    }
    return null;
  }

  /** Brings the Raft configuration to /zookeeper/config's, this leader's own place last. */
  private reconcile(): void {
    const o = this.options;
    const published = this.published();
    if (published === null) return;
    const conf = o.node.log.currentConf();
    const change = this.shrinkStep(published.servers, conf, false);
    if (change !== null) {
      this.propose(change);
      return;
    }
    const me = published.servers.find((s) => s.id === o.self);
    if (me !== undefined && me.role === "participant") return;
    // This leader leaves (or becomes an observer): hand over to the best caught-up voter of
    // the new membership, whose reconcile then removes or demotes this member.
    const now = o.clock.monotonicMs();
    if (now - this.transferAskedMs < o.catchUpTimeoutMs / 4) return;
    const best = o.node
      .peers()
      .filter((p) => p.voter && p.recentActive)
      .sort((a, b) => b.match - a.match)[0];
    if (best === undefined) return;
    this.transferAskedMs = now;
    const why = o.node.transferLeadership(best.id);
    o.logger.info("leaving the ensemble: handing leadership over", { to: best.id, refused: why });
    o.kick();
  }
}
