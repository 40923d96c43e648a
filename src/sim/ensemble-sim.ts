// The ensemble simulator: three or five real members (startMember with `ensemble`: storage
// recovery, RaftLog, EnsembleLog, Member, handshake, snapshots) on one simulated time line,
// each with its own SimDisk and clock, linked by SimPeerNetwork, with simulated clients
// (ensemble-client.ts) that move between them. No real timer, socket or file is involved,
// so a run is a pure function of its seed and a failure replays with
// `corral sim --member --members 3 --seed N`.
//
// Faults, as the seed's profile says (ensemble-sim-setup.ts): crashes of one or two members
// at random moments (each disk keeps what was synced and maybe a torn tail) and restarts on
// the same disk; partitions (one member isolated, a minority split off, one direction of
// one link cut); slow links; message loss; disk faults that make a member read-only until it
// is restarted; clients that drop connections, move, close their sessions or go silent;
// leadership transfers; membership changes, asked by an operator through ZooKeeper's reconfig
// request (ensemble-reconfig-client.ts), so the members' own reconfig path decides them. The
// planners live in ensemble-crashes.ts, ensemble-partitions.ts and ensemble-transfers.ts.
//
// Checks while running: each client's replies (FIFO, zxids, expiry only after an absence in
// profiles without partitions or loss); every member's state, sampled as it applies, must be
// identical to every other member's at the same zxid. When faults stop, every member must
// come back and catch up, every client become idle, and all states match; then, over the
// whole history (ensemble-checks.ts): registers linearizable, reads never older than an
// acknowledged write at their zxid, watch notifications before the replies that show their
// change, ephemerals present exactly while their sessions live. /zookeeper/config is checked
// as members apply it and as reconfigs are answered, and must match the Raft configuration on
// every member once the ensemble settled (membership-ledger.ts).
import { Buffer } from "node:buffer";
import type { LogFields, Logger } from "../base/logger.js";
import { readConnectResponse } from "../protocol/connect-codec.js";
import { CreateMode, ErrorCode, OpCode } from "../protocol/constants.js";
import { Reader } from "../protocol/reader.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readReplyHeader } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { ConfState } from "../raft/types.js";
import type { ServerConfig, ServerSpec } from "../server/config.js";
import { startMember } from "../server/start-member.js";
import type { State } from "../state/state.js";
import { configPath } from "../tree/path.js";
import {
  checkEphemeralFates,
  checkReads,
  checkRegisters,
  checkWatches,
  writesByKey,
} from "./ensemble-checks.js";
import { EnsembleClient, type EnsembleClientHost, encodeNewSession } from "./ensemble-client.js";
import { planCrashes, planDiskFault } from "./ensemble-crashes.js";
import type { FaultHost, FaultStats } from "./ensemble-fault-host.js";
import { EnsembleHistory, registerInitial } from "./ensemble-history.js";
import { planPartitions } from "./ensemble-partitions.js";
import { ReconfigClient, type ReconfigClientHost } from "./ensemble-reconfig-client.js";
import { type EnsemblePlantedBug, phantomAppendAcks, plantInMember } from "./ensemble-sim-bugs.js";
import {
  describeProfile,
  drawClientSetup,
  drawProfile,
  type EnsembleProfile,
  ensembleConfig,
} from "./ensemble-sim-setup.js";
import { Incarnation, Slot } from "./ensemble-slot.js";
import { planTransfers } from "./ensemble-transfers.js";
import type { EphemeralSession, ListedEphemeral } from "./ephemeral-check.js";
import { MembershipLedger, simServerSpec } from "./membership-ledger.js";
import { Prng } from "./prng.js";
import { type LinkClient, SimClientLink } from "./sim-client-link.js";
import { SimDisk } from "./sim-disk.js";
import { SimPeerNetwork } from "./sim-peer-network.js";
import { Owner, Timeline } from "./timeline.js";
import { TraceLog } from "./trace-log.js";

export interface EnsembleSimOptions {
  seed: number;
  /** 3 or 5. */
  members: number;
  durationMs?: number;
  plantedBug?: EnsemblePlantedBug;
  traceLength?: number;
}

export interface EnsembleSimResult {
  seed: number;
  ok: boolean;
  failure: string | null;
  setup: string;
  simTimeMs: number;
  events: number;
  digest: string;
  trace: string[];
  stats: {
    crashes: number;
    partitions: number;
    diskFaults: number;
    acked: number;
    sessions: number;
    registerOps: number;
    lastZxid: number;
    reconfigsOk: number;
    reconfigsRefused: number;
  };
}

export const defaultEnsembleSimDurationMs = 6000;
const eventsMax = 4_000_000;
/** Simulated time the ensemble gets to heal, catch up and let every client finish. */
const healBudgetMs = 40_000;

class EnsembleSim implements EnsembleClientHost, FaultHost, ReconfigClientHost {
  readonly timeline = new Timeline();
  readonly wire = new Owner("harness");
  readonly history = new EnsembleHistory();
  readonly keys: string[];
  private readonly random: Prng;
  readonly faults: Prng;
  /**
   * Which member an operator's transfer request goes through: a stream of its own, so that
   * routing requests through followers did not change the other draws of a seed.
   */
  private readonly operator: Prng;
  private readonly clientNet: Prng;
  private readonly memberRandom: Prng;
  readonly profile: EnsembleProfile;
  private readonly config: ServerConfig;
  readonly net: SimPeerNetwork;
  readonly slots: Slot[] = [];
  /** Every member, voters first, then observers, then spares. */
  readonly ids: number[] = [];
  private readonly voters: number[] = [];
  private readonly observers: number[] = [];
  /** The configuration of the newest leader seen (membership changes move it). */
  private conf: ConfState;
  private readonly log: TraceLog;
  private readonly clients: EnsembleClient[] = [];
  private failure: string | null = null;
  healed = false;
  private healedAtMs = 0;
  private stage: "fault" | "converge" | "final" | "done" = "fault";
  private listing: ListedEphemeral[] = [];
  /** Each session's fate when the listing was read: a later expiry must not count. */
  private fatesAtListing = new Map<number, EphemeralSession>();
  private readonly digests = new Map<number, { digest: string; member: number }>();
  readonly stats: FaultStats = { crashes: 0, partitions: 0, diskFaults: 0 };
  private nextLinkId = 1;
  /** /zookeeper/config as members applied it, and the reconfig checks (membership-ledger.ts). */
  readonly ledger: MembershipLedger;
  /** The server lines every member starts with: the voters and the observers. */
  private readonly initialServers: ServerSpec[];
  /** The operator who changes the membership, in profiles with membership changes. */
  private readonly reconfigClient: ReconfigClient | null;

  constructor(private readonly options: EnsembleSimOptions) {
    this.random = new Prng(options.seed);
    this.profile = drawProfile(this.random, options.members);
    this.faults = this.random.fork();
    this.operator = new Prng(options.seed + 0x7a5f3);
    this.clientNet = this.random.fork();
    this.memberRandom = this.random.fork();
    this.log = new TraceLog(options.traceLength ?? 80);
    this.config = ensembleConfig(this.profile);
    this.keys = [];
    for (let i = 0; i < this.profile.keys; i++) this.keys.push(`/r/k${i}`);
    for (let id = 1; id <= options.members + this.profile.observers + this.profile.spares; id++) {
      this.ids.push(id);
      if (id <= options.members) this.voters.push(id);
      else if (id <= options.members + this.profile.observers) this.observers.push(id);
    }
    this.conf = { voters: this.voters, learners: this.observers };
    const bug = options.plantedBug;
    this.net = new SimPeerNetwork({
      timeline: this.timeline,
      random: this.random.fork(),
      wire: this.wire,
      members: this.ids,
      latencyMsMax: this.profile.latencyMsMax,
      jitterMsMax: this.profile.jitterMsMax,
      reconnectMsMax: this.profile.reconnectMsMax,
      lossPerMille: this.profile.lossPerMille,
      tap: bug === "phantom-append-acks" ? phantomAppendAcks : undefined,
      resendAfterReconnect: bug === "resend-after-reconnect",
    });
    for (const id of this.ids) {
      const slot: Slot = new Slot(
        id,
        new SimDisk({
          random: this.random.fork(),
          schedule: (run, latencyMs) =>
            this.timeline.at(latencyMs, slot.inc?.owner ?? this.wire, run),
          latencyMsMin: 0,
          latencyMsMax: this.profile.diskLatencyMsMax,
          scrambledTears: this.random.chance(0.5),
        }),
      );
      this.slots.push(slot);
    }
    for (let i = 1; i <= this.profile.clients; i++) {
      const r = this.random.fork();
      this.clients.push(
        new EnsembleClient(
          this,
          drawClientSetup(i, r, this.profile),
          r,
          this.random.pick(this.ids),
        ),
      );
    }
    this.initialServers = [
      ...this.voters.map((id) => simServerSpec(id, "participant")),
      ...this.observers.map((id) => simServerSpec(id, "observer")),
    ];
    this.ledger = new MembershipLedger(this.initialServers, (m) => this.fail(m));
    this.reconfigClient =
      this.profile.confChangeGapMsMax > 0
        ? new ReconfigClient(this, this.random.fork(), this.profile.confChangeGapMsMax)
        : null;
  }

  run(): EnsembleSimResult {
    for (const slot of this.slots) this.boot(slot);
    this.setupRegisters();
    this.timeline.at(this.options.durationMs ?? defaultEnsembleSimDurationMs, this.wire, () =>
      this.heal(),
    );
    if (this.profile.crashGapMsMax > 0) planCrashes(this);
    if (this.profile.partitionGapMsMax > 0) planPartitions(this);
    if (this.profile.transferGapMsMax > 0) planTransfers(this, this.operator);
    this.reconfigClient?.start();
    this.timeline.at(10, this.wire, this.monitor);
    let events = 0;
    while (this.stage !== "done" && this.failure === null) {
      if (++events > eventsMax) {
        this.fail(`more than ${eventsMax} events: the run does not finish`);
        break;
      }
      try {
        if (!this.timeline.step()) this.fail("no events left before the run finished");
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        this.fail(`exception: ${e.stack?.split("\n").slice(0, 6).join("\n    ") ?? e.message}`);
      }
    }
    for (const c of this.clients) c.stopped = true;
    if (this.reconfigClient !== null) this.reconfigClient.stopped = true;
    let lastZxid = 0;
    for (const s of this.slots) lastZxid = Math.max(lastZxid, s.inc?.running?.member.lastZxid ?? 0);
    return {
      seed: this.options.seed,
      ok: this.failure === null,
      failure: this.failure,
      setup: describeProfile(this.profile, this.options.plantedBug),
      simTimeMs: this.timeline.nowMs,
      events: this.timeline.ran,
      digest: this.log.digest,
      trace: this.log.lines(),
      stats: {
        ...this.stats,
        acked: this.clients.reduce((n, c) => n + c.acked, 0),
        sessions: this.history.sessions.size,
        registerOps: this.history.registerOps.length,
        lastZxid,
        reconfigsOk: this.ledger.answeredOk,
        reconfigsRefused: this.ledger.refused,
      },
    };
  }

  // ---- EnsembleClientHost ----------------------------------------------------------------

  connect(client: EnsembleClient, prefer: number): { link: SimClientLink; member: number } | null {
    // Clients know the members of the configuration, as a refreshed connect string would.
    let slot = this.slots.find(
      (s) => s.id === prefer && this.inConf(s.id) && s.inc?.running != null,
    );
    if (slot === undefined) {
      const up = this.slots.filter((s) => this.inConf(s.id) && s.inc?.running != null);
      if (up.length === 0) return null;
      slot = this.clientNet.pick(up);
    }
    return { link: this.openLink(slot, client, client.setup.number), member: slot.id };
  }

  /** The operator, like the clients, talks to members of the configuration only. */
  connectOperator(client: LinkClient): { link: SimClientLink; member: number } | null {
    const up = this.slots.filter((s) => this.inConf(s.id) && s.inc?.running != null);
    if (up.length === 0) return null;
    const slot = this.clientNet.pick(up);
    return { link: this.openLink(slot, client, 0), member: slot.id };
  }

  /** Whether member `id` is in the newest leader's configuration. */
  private inConf(id: number): boolean {
    return this.conf.voters.includes(id) || this.conf.learners.includes(id);
  }

  private openLink(slot: Slot, client: LinkClient, clientNumber: number): SimClientLink {
    const inc = slot.inc!;
    const member = inc.running!.member;
    const link = new SimClientLink({
      id: this.nextLinkId++,
      timeline: this.timeline,
      memberOwner: inc.owner,
      wireOwner: this.wire,
      member,
      memberReadOnly: () => member.readOnly,
      client,
      clientNumber,
      latencyMs: () => this.clientNet.below(4),
    });
    inc.links.push(link);
    member.connected(link);
    return link;
  }

  trace(line: string): void {
    this.log.add(this.timeline.nowMs, line);
  }

  fail(message: string): void {
    if (this.failure !== null) return;
    this.failure = message;
    this.trace(`FAILED: ${message.split("\n")[0]}`);
  }

  private memberLogger(id: number): Logger {
    const line = (level: string, message: string, fields?: LogFields) =>
      this.log.add(
        this.timeline.nowMs,
        `m${id} ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`,
      );
    return {
      level: "info",
      debug() {},
      info: (m, f) => line("info", m, f),
      warn: (m, f) => line("warn", m, f),
      error: (m, f) => line("error", m, f),
    };
  }

  // ---- the registers, before the clients start -------------------------------------------

  /** Creates /r, the registers and /e through some member, retrying until it is done. */
  private setupRegisters(): void {
    const up = this.slots.filter((s) => s.inc?.running != null);
    if (up.length === 0) {
      this.timeline.at(50, this.wire, () => this.setupRegisters());
      return;
    }
    const slot = this.clientNet.pick(up);
    const writer = new Writer(4096);
    const reader = new Reader();
    let handshaken = false;
    let finished = false;
    const retry = () => {
      if (finished || this.failure !== null) return;
      finished = true;
      this.timeline.at(50, this.wire, () => this.setupRegisters());
    };
    const client: LinkClient = {
      receive: (l, body) => {
        const r = reader.reset(body);
        if (!handshaken) {
          handshaken = true;
          if (readConnectResponse(r).timeOut === 0) retry();
          return;
        }
        const header = readReplyHeader(r);
        if (header.err !== ErrorCode.ok && header.err !== ErrorCode.nodeExists) {
          l.clientClose();
          retry();
          return;
        }
        finished = true;
        l.clientClose();
        this.trace(`registers ready at zxid ${header.zxid}`);
        for (const c of this.clients) c.start();
      },
      ended: () => retry(),
    };
    const link = this.openLink(slot, client, 0);
    link.clientSend(encodeNewSession(writer, 4000));
    const create = (path: string, data: string | null) => ({
      type: 1 as const,
      request: {
        path,
        data: data === null ? null : Buffer.from(data, "latin1"),
        acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
        flags: CreateMode.persistent,
      },
    });
    link.clientSend(
      encodeRequest(writer, 1, OpCode.multi, [
        create("/r", null),
        ...this.keys.map((k) => create(k, registerInitial.value)),
        create("/e", null),
      ]),
    );
  }

  // ---- the members' lives -------------------------------------------------------------

  private boot(slot: Slot): void {
    const inc = new Incarnation(slot.id, ++slot.incarnations, this.timeline);
    slot.inc = inc;
    slot.sampledZxid = -1;
    this.trace(`m${slot.id} #${inc.number} starting`);
    const network = this.net.attach(slot.id, inc.owner);
    startMember(
      {
        config: this.config,
        disk: slot.disk,
        clock: inc.clock,
        random: this.memberRandom.fork(),
        logger: this.memberLogger(slot.id),
        defer: inc.clock.defer,
        walSegmentBytesMax: 64 * 1024,
        ensemble: {
          self: slot.id,
          // A spare knows no configuration: it waits for a leader's log to add it.
          conf: this.isInitialMember(slot.id) ? this.initialConf() : { voters: [], learners: [] },
          network,
          // A spare is started as ZooKeeper's joiners are: knowing the running members, and
          // waiting for a reconfig to add it.
          servers: this.initialServers,
          membershipChanged: (text, version) => this.configApplied(slot, inc, text, version),
          raftPlantedBug:
            this.options.plantedBug === "removed-member-keeps-serving"
              ? "non-voter-keeps-leader"
              : undefined,
        },
      },
      (error, running) => {
        if (error !== null || running === null) {
          // Disk faults are armed only once a member runs, so recovery must always succeed.
          this.fail(`m${slot.id} did not start: ${error?.message ?? "no member"}`);
          return;
        }
        inc.running = running;
        plantInMember(this.options.plantedBug, running, inc.clock.defer);
        this.trace(`m${slot.id} #${inc.number} running at zxid ${running.member.lastZxid}`);
        planDiskFault(this, slot, inc);
      },
    );
  }

  /** Member `slot` applied a reconfiguration (from its log, or in a snapshot). */
  private configApplied(slot: Slot, inc: Incarnation, text: string, version: number): void {
    const log = inc.running?.raftLog.node.log;
    // While recovering, or once a snapshot replaced that point, the log cannot tell the
    // configuration in force at the entry.
    const confAt =
      log !== undefined && version >= log.firstIndex() - 1 ? log.conf.at(version) : null;
    this.ledger.applied(slot.id, version, text, confAt);
  }

  crash(slot: Slot, why: string): void {
    const inc = slot.inc;
    if (inc === null) return;
    inc.owner.alive = false;
    slot.inc = null;
    this.stats.crashes++;
    for (const link of inc.links) link.memberDied();
    this.net.crashed(slot.id);
    slot.disk.crash();
    slot.disk.clearFaults();
    slot.disk.capacityBytes = Number.POSITIVE_INFINITY;
    this.trace(`m${slot.id} #${inc.number} ${why}`);
    const downMs = this.healed ? 10 : 20 + this.faults.below(1500);
    this.timeline.at(downMs, this.wire, () => {
      if (slot.inc === null) this.boot(slot);
    });
  }

  private isInitialMember(id: number): boolean {
    return id <= this.options.members + this.profile.observers;
  }

  private initialConf(): ConfState {
    return { voters: this.voters, learners: this.observers };
  }

  // ---- monitoring -------------------------------------------------------------------

  private readonly monitor = (): void => {
    for (const slot of this.slots) {
      const inc = slot.inc;
      const running = inc?.running;
      if (inc == null || running == null) continue;
      if (running.log.isLeader) this.conf = running.raftLog.node.status().conf;
      if (running.member.readOnly && !inc.restartPlanned) {
        inc.restartPlanned = true;
        this.trace(`m${slot.id} is read-only`);
        this.timeline.at(this.healed ? 0 : this.faults.between(20, 500), this.wire, () => {
          if (slot.inc === inc) this.crash(slot, "restarted after its storage failed");
        });
      }
      this.sample(slot, running.member.state);
      if (this.failure !== null) return;
    }
    if (this.healed) this.finishing();
    if (this.stage === "done" || this.failure !== null) return;
    if (this.healed && this.timeline.nowMs > this.healedAtMs + healBudgetMs) {
      const busy = this.clients.filter((c) => !c.idle).map((c) => c.name);
      const members = this.slots
        .map(
          (s) =>
            `m${s.id}:${s.inc?.running ? `${s.inc.running.member.lastZxid}${s.inc.running.log.serving ? "" : " not serving"}` : "down"}`,
        )
        .join(" ");
      this.fail(
        `liveness (${this.stage}): not settled ${healBudgetMs}ms after faults stopped; busy clients: ${busy.join(", ") || "none"}${this.reconfigClient?.idle === false ? " (and the operator)" : ""}; members ${members}; membership: ${this.configConverged() ?? "converged"}`,
      );
      return;
    }
    this.timeline.at(10, this.wire, this.monitor);
  };

  /** Every member's state at a zxid must equal every other member's at that zxid. */
  private sample(slot: Slot, state: State): void {
    const zxid = state.lastZxid;
    // Sampled at most every 30 ms per member: cheap enough, and still many zxids per run.
    if (zxid === slot.sampledZxid || this.timeline.nowMs - slot.sampledAtMs < 30) return;
    slot.sampledZxid = zxid;
    slot.sampledAtMs = this.timeline.nowMs;
    const digest = stateDigest(state);
    const seen = this.digests.get(zxid);
    if (seen === undefined) {
      this.digests.set(zxid, { digest, member: slot.id });
    } else if (seen.digest !== digest) {
      this.fail(`m${slot.id} and m${seen.member} differ at zxid ${zxid}`);
    }
  }

  private heal(): void {
    this.healed = true;
    this.healedAtMs = this.timeline.nowMs;
    this.net.healAll();
    for (const a of this.ids)
      for (const b of this.ids)
        if (a !== b) this.net.setLatency(a, b, Math.min(3, this.profile.latencyMsMax));
    for (const s of this.slots) {
      s.disk.clearFaults();
      s.disk.capacityBytes = Number.POSITIVE_INFINITY;
    }
    for (const c of this.clients) c.draining = true;
    if (this.reconfigClient !== null) this.reconfigClient.draining = true;
    this.stage = "converge";
    this.trace("faults stop");
  }

  private finishing(): void {
    if (this.stage === "converge") {
      if (!this.clients.every((c) => c.idle)) return;
      if (this.reconfigClient !== null && !this.reconfigClient.idle) return;
      // Members outside the final configuration (removed, or spares never added) are not
      // expected to catch up; the ones inside must.
      const conf = this.conf;
      const running = this.slots
        .filter((s) => conf.voters.includes(s.id) || conf.learners.includes(s.id))
        .map((s) => s.inc?.running ?? null);
      if (running.some((r) => r === null || !r.log.serving || r.member.readOnly)) return;
      if (!running.some((r) => r!.log.isLeader)) return;
      const zxid = running[0]!.member.lastZxid;
      if (running.some((r) => r!.member.lastZxid !== zxid)) return;
      const leader = running.find((r) => r!.log.isLeader) ?? running[0]!;
      // Reconfigurations must have finished too: removals and demotions happen after the
      // reconfig entry, and a leader that left hands over before it goes.
      if (this.configConverged() !== null) return;
      const states = running.map((r) => stateDigest(r!.member.state));
      if (states.some((d) => d !== states[0])) {
        this.fail(`members differ at zxid ${zxid} after healing`);
        return;
      }
      this.listing = [];
      leader.member.state.tree.walk("/e", (path, node) => {
        if (path !== "/e") this.listing.push({ path, owner: node.owner });
      });
      for (const [id, session] of this.history.sessions)
        this.fatesAtListing.set(id, { ...session });
      this.trace(`converged at zxid ${zxid}; ${this.listing.length} ephemerals listed`);
      for (const c of this.clients) c.finalSync();
      this.stage = "final";
      return;
    }
    if (this.stage === "final") {
      if (!this.clients.every((c) => c.finalDone)) return;
      for (const c of this.clients) {
        const s = this.fatesAtListing.get(c.finalSyncedSession);
        if (s !== undefined && c.finalSyncedSession === c.session) s.fate = "alive";
      }
      this.checkHistory();
      this.stage = "done";
    }
  }

  /** Null when every member of the configuration shows it as /zookeeper/config. */
  private configConverged(): string | null {
    const texts = new Map<number, string | null>();
    for (const s of this.slots) {
      if (!this.inConf(s.id)) continue;
      const tree = s.inc?.running?.member.state.tree;
      if (tree !== undefined) texts.set(s.id, tree.get(configPath)?.data ?? null);
    }
    return MembershipLedger.converged(this.conf, texts);
  }

  private checkHistory(): void {
    const writes = writesByKey(this.history);
    if (typeof writes === "string") {
      this.fail(writes);
      return;
    }
    const problem =
      checkReads(this.history, writes) ??
      checkWatches(this.history, writes) ??
      checkEphemeralFates(this.history, [...this.fatesAtListing.values()], this.listing) ??
      checkRegisters(this.history);
    if (problem !== null) this.fail(problem);
  }
}

/**
 * A digest of the whole replicated state: every znode and every session. Each node hashes
 * on its own and the hashes are added up, so the digest does not depend on the order in
 * which a tree holds its children (a tree rebuilt from a snapshot may hold them in another).
 */
export function stateDigest(state: State): string {
  let sum1 = 0;
  let sum2 = 0;
  state.tree.walk("/", (path, n) => {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < path.length; i++) {
      const ch = path.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 16777619);
      h2 = Math.imul(h2 ^ ch, 2246822507);
    }
    const data = n.data ?? "\u0000null";
    for (let i = 0; i < data.length; i++) {
      const ch = data.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 16777619);
      h2 = Math.imul(h2 ^ ch, 2246822507);
    }
    const fields = [
      n.version,
      n.czxid,
      n.mzxid,
      n.pzxid,
      n.childCreations,
      n.aversion,
      n.kind,
      n.owner,
      n.ctime,
      n.mtime,
    ];
    for (const f of fields) {
      h1 = Math.imul(h1 ^ (f | 0), 16777619) ^ Math.floor(f / 2 ** 32);
      h2 = Math.imul(h2 ^ (f | 0), 2246822507);
    }
    sum1 = (sum1 + (h1 >>> 0)) % 2 ** 32;
    sum2 = (sum2 + (h2 >>> 0)) % 2 ** 32;
  });
  for (const s of state.sessions.values()) {
    sum1 = (sum1 + (Math.imul(s.id | 0, 2654435761) >>> 0) + s.timeoutMs) % 2 ** 32;
    sum2 = (sum2 + (Math.imul((s.id | 0) ^ s.timeoutMs, 1597334677) >>> 0)) % 2 ** 32;
  }
  return `${sum1.toString(16)}.${sum2.toString(16)}.${state.tree.size}.${state.sessions.size}`;
}

export function runEnsembleSimulation(options: EnsembleSimOptions): EnsembleSimResult {
  return new EnsembleSim(options).run();
}
