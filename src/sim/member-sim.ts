// The member simulator: one standalone member built from the real code (startMember:
// storage recovery, RaftLog, Member, handshake, snapshots, purge) on one simulated time line
// with a simulated clock, a SimDisk whose completions are events with seeded latencies, and
// simulated client connections; no real timer, socket or file is involved, so a run is a
// pure function of its seed and any failure replays with `corral sim --member --seed N`.
//
// Faults: the member crashes at random moments (the disk keeps only what was synced, possibly
// tearing the last write, and every event of the dead incarnation is dropped), including
// during recovery; with some seeds one disk operation fails with EIO or ENOSPC, which makes
// the member read-only until it is restarted. Clients (sim-client.ts) reconnect and resume
// their sessions after each restart.
//
// Checks: every reply as it arrives (FIFO, zxids, the model's prediction); at every restart,
// before any client reconnects, the recovered member holds every acknowledged write, each
// client's subtree and sessions match its acknowledged history plus some prefix of what was
// in flight, and no acknowledged zxid is beyond the recovered state; at the end, after faults
// stop and every client is idle, the live state matches exactly, and once more after a final
// crash and restart.
import type { Disk } from "../base/disk.js";
import type { Logger } from "../base/logger.js";
import type { ServerConfig } from "../server/config.js";
import { type RunningMember, startMember } from "../server/start-member.js";
import { duplicatingSetData, lyingWalFsync, type MemberPlantedBug } from "./member-sim-bugs.js";
import {
  describeSetup,
  drawClientSetup,
  drawSetup,
  type MemberSimSetup,
  simConfig,
} from "./member-sim-setup.js";
import { Prng } from "./prng.js";
import { type ClientHost, SimClient } from "./sim-client.js";
import { SimClientLink } from "./sim-client-link.js";
import { SimClock } from "./sim-clock.js";
import { SimDisk, type SimDiskOperation } from "./sim-disk.js";
import { Owner, Timeline } from "./timeline.js";
import { TraceLog } from "./trace-log.js";

export interface MemberSimOptions {
  seed: number;
  /** Simulated milliseconds of the fault phase. */
  durationMs?: number;
  plantedBug?: MemberPlantedBug;
  /** Trace lines kept for a failure report. */
  traceLength?: number;
}

export interface MemberSimResult {
  seed: number;
  ok: boolean;
  failure: string | null;
  setup: string;
  simTimeMs: number;
  events: number;
  /** A digest of the whole trace: equal digests mean the runs were the same. */
  digest: string;
  trace: string[];
  stats: {
    crashes: number;
    diskFaults: number;
    readOnly: number;
    acked: number;
    sessions: number;
    lastZxid: number;
  };
}

export const defaultMemberSimDurationMs = 4000;
/** Events per run at most: far above any real run, so hitting it means a livelock. */
const eventsMax = 3_000_000;
/** Simulated time the clients get to become idle once faults stop. */
const healBudgetMs = 20_000;

/** One run of the member's process: its events die with it. */
class Incarnation {
  readonly owner: Owner;
  readonly clock: SimClock;
  standalone: RunningMember | null = null;
  serving = false;
  restartPlanned = false;
  /** A disk fault was armed for this incarnation's recovery. */
  bootFault = false;
  readonly links: SimClientLink[] = [];
  nextLinkId = 1;

  constructor(
    readonly number: number,
    timeline: Timeline,
  ) {
    this.owner = new Owner(`member#${number}`);
    this.clock = new SimClock(timeline, this.owner);
  }
}

class MemberSim implements ClientHost {
  readonly timeline = new Timeline();
  readonly wire = new Owner("harness");
  private readonly random: Prng;
  private readonly net: Prng;
  private readonly faults: Prng;
  private readonly memberRandom: Prng;
  private readonly setup: MemberSimSetup;
  private readonly config: ServerConfig;
  private readonly simDisk: SimDisk;
  private readonly disk: Disk;
  private readonly log: TraceLog;
  private readonly logger: Logger;
  private readonly clients: SimClient[] = [];
  private current: Incarnation;
  /** Incarnations started so far (ClientHost.incarnation). */
  incarnation = 0;
  private failure: string | null = null;
  private healed = false;
  private finalRestart = false;
  private done = false;
  private readonly ackedZxids = new Set<number>();
  private maxAckedZxid = 0;
  private readonly stats = { crashes: 0, diskFaults: 0, readOnly: 0 };

  constructor(private readonly options: MemberSimOptions) {
    this.random = new Prng(options.seed);
    this.setup = drawSetup(this.random);
    this.net = this.random.fork();
    this.faults = this.random.fork();
    this.memberRandom = this.random.fork();
    this.log = new TraceLog(options.traceLength ?? 60);
    this.logger = this.log.logger(() => this.timeline.nowMs);
    this.config = simConfig(this.setup);
    this.simDisk = new SimDisk({
      random: this.random.fork(),
      // Disk completions belong to the incarnation that started the operation.
      schedule: (run, latencyMs) => this.timeline.at(latencyMs, this.current.owner, run),
      latencyMsMin: 0,
      latencyMsMax: this.setup.diskLatencyMsMax,
      scrambledTears: this.setup.scrambledTears,
    });
    this.disk =
      options.plantedBug === "lying-wal-fsync"
        ? lyingWalFsync(this.simDisk, (run) => this.current.clock.defer(run))
        : this.simDisk;
    this.current = new Incarnation(0, this.timeline);
    for (let i = 1; i <= this.setup.clients; i++) {
      const r = this.random.fork();
      this.clients.push(new SimClient(this, drawClientSetup(i, r), r));
    }
  }

  run(): MemberSimResult {
    this.boot();
    for (const c of this.clients) c.start();
    this.timeline.at(this.options.durationMs ?? defaultMemberSimDurationMs, this.wire, () =>
      this.heal(),
    );
    this.timeline.at(10, this.wire, this.monitor);
    let events = 0;
    while (!this.done && this.failure === null) {
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
    const state = this.current.standalone?.member.state;
    return {
      seed: this.options.seed,
      ok: this.failure === null,
      failure: this.failure,
      setup: describeSetup(this.setup, this.options.plantedBug),
      simTimeMs: this.timeline.nowMs,
      events: this.timeline.ran,
      digest: this.log.digest,
      trace: this.log.lines(),
      stats: {
        ...this.stats,
        acked: this.clients.reduce((n, c) => n + c.acked, 0),
        sessions: this.clients.reduce((n, c) => n + c.knownSessions.length, 0),
        lastZxid: state?.lastZxid ?? 0,
      },
    };
  }

  // ---- ClientHost ----------------------------------------------------------------------

  connect(client: SimClient): SimClientLink | null {
    const inc = this.current;
    if (!inc.serving) return null;
    const member = inc.standalone!.member;
    const link = new SimClientLink({
      id: inc.nextLinkId++,
      timeline: this.timeline,
      memberOwner: inc.owner,
      wireOwner: this.wire,
      member:
        this.options.plantedBug === "duplicate-write-frame" ? duplicatingSetData(member) : member,
      memberReadOnly: () => member.readOnly,
      client,
      clientNumber: client.setup.number,
      latencyMs: () => this.net.below(this.setup.netLatencyMsMax + 1),
    });
    inc.links.push(link);
    member.connected(link);
    return link;
  }

  live(link: SimClientLink) {
    const inc = this.current;
    if (link.memberOwner !== inc.owner || !inc.owner.alive || inc.standalone === null) return null;
    const state = inc.standalone.member.state;
    return { tree: state.tree, sessionOpen: (id: number) => state.sessions.has(id) };
  }

  writeAcked(zxid: number): void {
    if (this.ackedZxids.has(zxid)) {
      this.fail(`zxid ${zxid} acknowledged for two writes`);
      return;
    }
    this.ackedZxids.add(zxid);
    if (zxid > this.maxAckedZxid) this.maxAckedZxid = zxid;
  }

  trace(line: string): void {
    this.log.add(this.timeline.nowMs, line);
  }

  fail(message: string): void {
    if (this.failure !== null) return;
    this.failure = message;
    this.trace(`FAILED: ${message.split("\n")[0]}`);
  }

  // ---- the member's life -----------------------------------------------------------------

  private boot(): void {
    const inc = new Incarnation(++this.incarnation, this.timeline);
    this.current = inc;
    this.trace(`member #${inc.number} starting`);
    startMember(
      {
        config: this.config,
        disk: this.disk,
        clock: inc.clock,
        random: this.memberRandom.fork(),
        logger: this.logger,
        defer: inc.clock.defer,
        walSegmentBytesMax: this.setup.walSegmentBytesMax,
      },
      (error, standalone) => {
        if (error !== null || standalone === null) {
          // A disk fault armed for recovery may stop it; anything else is a bug.
          const code = (error as { code?: unknown } | null)?.code;
          if (inc.bootFault && (code === "EIO" || code === "ENOSPC")) {
            this.trace(`member #${inc.number} did not start: ${error?.message}`);
            this.crash("stopped after its failed recovery");
            return;
          }
          this.fail(`member #${inc.number} did not start: ${error?.message ?? "no member"}`);
          return;
        }
        inc.standalone = standalone;
        this.checkRecovered(inc);
        if (this.finalRestart) {
          this.done = true;
          return;
        }
        inc.serving = true;
        this.trace(`member #${inc.number} serving at zxid ${standalone.member.state.lastZxid}`);
        if (!this.healed) this.planCrash(inc, false);
        this.planDiskFault(inc);
      },
    );
    if (!this.healed) this.planCrash(inc, true);
    if (!this.healed && this.setup.diskFaults && this.faults.chance(0.2)) {
      // Recovery itself meets a failing disk: it must stop without damaging what is there.
      inc.bootFault = true;
      this.armDiskFault(
        this.faults.pick([
          "read",
          "write",
          "sync",
          "truncate",
          "remove",
          "syncDir",
          "open",
        ] as const),
      );
    }
  }

  /** The recovered state, before any client reconnects: each client's history must be in it. */
  private checkRecovered(inc: Incarnation): void {
    const state = inc.standalone!.member.state;
    for (const c of this.clients) {
      if (c.link !== null) {
        this.fail(`harness: ${c.name} has not learned of the crash before the restart`);
        return;
      }
      c.resolve(state.tree, (id) => state.sessions.has(id));
      if (this.failure !== null) return;
    }
    // Also what no subtree shows: a lost acknowledged write of a session's own node, say.
    if (state.lastZxid < this.maxAckedZxid) {
      this.fail(
        `recovered at zxid ${state.lastZxid}, below acknowledged zxid ${this.maxAckedZxid}`,
      );
      return;
    }
  }

  /** Schedules the incarnation's crash: during recovery (`booting`) or while it serves. */
  private planCrash(inc: Incarnation, booting: boolean): void {
    // Recovery and the first election take a few hundred milliseconds.
    if (booting && !this.faults.chance(0.15)) return;
    const gap = booting
      ? this.faults.below(400)
      : this.faults.between(50, this.setup.crashGapMsMax);
    this.timeline.at(gap, this.wire, () => {
      if (this.current === inc && inc.owner.alive && !this.healed) this.crash("crash");
    });
  }

  private planDiskFault(inc: Incarnation): void {
    if (!this.setup.diskFaults || !this.faults.chance(0.4)) return;
    const at = this.faults.below(this.setup.crashGapMsMax);
    this.timeline.at(at, this.wire, () => {
      if (this.current !== inc || !inc.serving || this.healed) return;
      if (this.faults.chance(0.3)) {
        // The disk fills up: writes write what fits, then fail with ENOSPC.
        this.simDisk.capacityBytes = this.simDisk.usedBytes() + this.faults.below(8192);
        this.stats.diskFaults++;
        this.trace(`disk: full at ${this.simDisk.capacityBytes} bytes`);
        return;
      }
      this.armDiskFault(this.faults.pick(["write", "sync"] as const));
    });
  }

  private armDiskFault(operation: SimDiskOperation): void {
    const code = this.faults.pick(["EIO", "ENOSPC"]);
    this.stats.diskFaults++;
    this.trace(`disk: next ${operation} fails with ${code}`);
    this.simDisk.failNext(operation, code);
  }

  private crash(why: string): void {
    const inc = this.current;
    inc.owner.alive = false;
    inc.serving = false;
    this.stats.crashes++;
    for (const link of inc.links) link.memberDied();
    this.simDisk.crash();
    // The member restarts on a healthy disk.
    this.simDisk.clearFaults();
    this.simDisk.capacityBytes = Number.POSITIVE_INFINITY;
    this.trace(`member #${inc.number} ${why}`);
    // Down long enough for every frame already on the wire to arrive.
    const downMs = this.setup.netLatencyMsMax + 1 + this.faults.below(300);
    this.timeline.at(downMs, this.wire, () => this.boot());
  }

  /** Watches for read-only mode (restart it) and, after healing, for the end of the run. */
  private readonly monitor = (): void => {
    const inc = this.current;
    const member = inc.standalone?.member;
    if (inc.serving && member?.readOnly === true && !inc.restartPlanned) {
      inc.restartPlanned = true;
      this.stats.readOnly++;
      this.trace(`member #${inc.number} is read-only`);
      this.timeline.at(this.healed ? 0 : this.faults.between(20, 500), this.wire, () => {
        if (this.current === inc && inc.owner.alive)
          this.crash("restarted after its storage failed");
      });
    }
    if (this.healed && inc.serving && !inc.restartPlanned && this.clients.every((c) => c.idle)) {
      this.finish(inc);
      return;
    }
    if (this.healed && this.timeline.nowMs > this.healedAtMs + healBudgetMs) {
      const busy = this.clients.filter((c) => !c.idle).map((c) => c.name);
      this.fail(`liveness: ${busy.join(", ")} not idle ${healBudgetMs}ms after faults stopped`);
      return;
    }
    this.timeline.at(10, this.wire, this.monitor);
  };

  private healedAtMs = 0;

  private heal(): void {
    this.healed = true;
    this.healedAtMs = this.timeline.nowMs;
    this.simDisk.clearFaults();
    this.simDisk.capacityBytes = Number.POSITIVE_INFINITY;
    for (const c of this.clients) c.draining = true;
    this.trace("faults stop");
  }

  /** Every client is idle: the live state must match exactly, and again after a restart. */
  private finish(inc: Incarnation): void {
    const state = inc.standalone!.member.state;
    for (const c of this.clients) {
      c.resolve(state.tree, (id) => state.sessions.has(id));
      c.stopped = true;
    }
    this.finalRestart = true;
    this.crash("final crash");
  }
}

export function runMemberSimulation(options: MemberSimOptions): MemberSimResult {
  return new MemberSim(options).run();
}
