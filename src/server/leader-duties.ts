// What a member does besides serving its own clients: the duties only the leader performs
// (expiring sessions by proposing their closeSession, reaping containers and TTL nodes) and
// the bookkeeping that feeds them (every member's session deadlines, and, on a member that
// does not lead, the touches it reports to the leader every half tick). The member's request
// pipeline (member.ts) tells this module when a session is heard from, opened or ended, and
// when the log changes epoch; this module owns the timers that drive both duties.
//
// Every member keeps deadlines, not only the leader, because any member may become leader
// and then needs them at once. A new leader nevertheless gives every session a fresh full
// timeout: nobody knows when the old leader last heard from each client.
//
// A read-only member has no log to propose a closeSession to; its sessions' deadlines still
// come due here, and the member (which owns the sessions local to it, their connections and
// the bindings) is handed the expired ones to drop.
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import { type Entry, EntryKind } from "../state/entry.js";
import type { State } from "../state/state.js";
import type { ServerConfig } from "./config.js";
import { ExpiryQueue } from "./expiry-queue.js";
import { ReapBudget } from "./reap-budget.js";
import type { ReplicatedLog } from "./replicated-log.js";

export interface LeaderDutiesOptions {
  config: ServerConfig;
  clock: Clock;
  logger: Logger;
  log: ReplicatedLog;
  state: State;
  /** The monotonic time the member started: the reap budget accrues from it. */
  startedMonotonicMs: number;
  /**
   * Sessions whose close was proposed and not yet applied, shared with the member: an expiry
   * proposed here is recorded in it, and such a session is neither touched nor expired again.
   */
  closingSessions: Set<number>;
  /** True while the member is read-only (server/read-only.ts): nothing can be proposed. */
  readOnly: () => boolean;
  /** The bytes to propose for an entry nobody on this member waits for (its envelope, then it). */
  enveloped: (entry: Entry) => Uint8Array;
  /** Read-only: these sessions' deadlines passed; the member drops the local ones among them. */
  readOnlyExpired: (ids: readonly number[]) => void;
}

export class LeaderDuties {
  /** Every session's bucketed deadline (handshake.ts and the `dump` figures read it too). */
  readonly expiry: ExpiryQueue<number>;
  /** znode.container.maxPerMinute as a rate (reap-budget.ts). */
  private readonly reapBudget: ReapBudget;
  /** Whether this member led when the log last changed epoch. */
  private wasLeader = false;
  /** Sessions heard from since the last report to the leader (members that do not lead). */
  private touched = new Set<number>();
  private timers: TimerHandle[] = [];
  private stopped = false;

  constructor(private readonly options: LeaderDutiesOptions) {
    this.expiry = new ExpiryQueue(options.config.tickTimeMs);
    this.reapBudget = new ReapBudget(
      options.config.containerMaxPerMinute,
      options.config.containerCheckIntervalMs,
      options.startedMonotonicMs,
    );
  }

  /**
   * Starts the timers that expire sessions and reap container/TTL nodes. Every session found
   * in the state gets a fresh full timeout: after a restart or a change of leader nobody can
   * know when its client was last heard from.
   */
  start(): void {
    this.freshTimeouts();
    this.wasLeader = this.options.log.isLeader;
    // Half a tick, like a ZooKeeper learner's pings: sessions connected here are reported to
    // the leader that often, which keeps the leader's view within a tick of the truth.
    const halfTickMs = Math.max(1, Math.floor(this.options.config.tickTimeMs / 2));
    const tick = (): void => {
      if (this.stopped) return;
      this.expireSessions();
      this.reportTouches();
      this.timers[0] = this.options.clock.setTimer(halfTickMs, tick);
    };
    const reap = (): void => {
      if (this.stopped) return;
      this.reap();
      this.timers[1] = this.options.clock.setTimer(
        this.options.config.containerCheckIntervalMs,
        reap,
      );
    };
    this.timers = [
      this.options.clock.setTimer(halfTickMs, tick),
      this.options.clock.setTimer(this.options.config.containerCheckIntervalMs, reap),
    ];
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) this.options.clock.cancelTimer(t);
  }

  /** A request arrived on a session at `nowMs` (monotonic): its deadline moves on. */
  heardFrom(sessionId: number, nowMs: number, timeoutMs: number): void {
    if (this.options.closingSessions.has(sessionId)) return;
    this.expiry.touch(sessionId, nowMs, timeoutMs);
    this.touched.add(sessionId);
  }

  /** A createSession was applied: the session's first deadline. */
  sessionOpened(sessionId: number, timeoutMs: number): void {
    this.expiry.touch(sessionId, this.options.clock.monotonicMs(), timeoutMs);
  }

  /** The session was closed, or was local and is gone: it has no deadline any more. */
  sessionEnded(sessionId: number): void {
    this.expiry.remove(sessionId);
  }

  /** Touches heard while read-only were of local sessions, which the leader never knew. */
  forgetTouches(): void {
    this.touched.clear();
  }

  /** Another member reported these sessions heard from (the leader receives such reports). */
  sessionsTouched(ids: readonly number[]): void {
    const now = this.options.clock.monotonicMs();
    for (const id of ids) {
      const session = this.options.state.sessions.get(id);
      if (session === undefined || this.options.closingSessions.has(id)) continue;
      this.expiry.touch(id, now, session.timeoutMs);
    }
  }

  /** The log changed epoch: a member that has just become leader restarts every timeout. */
  epochChanged(): void {
    const log = this.options.log;
    if (log.isLeader && !this.wasLeader) {
      // Nobody knows when a session's client was last heard from by the old leader.
      this.freshTimeouts();
      this.options.logger.info("leading: every session gets a fresh timeout", {
        sessions: this.options.state.sessions.size,
      });
    }
    this.wasLeader = log.isLeader;
  }

  private freshTimeouts(): void {
    const now = this.options.clock.monotonicMs();
    for (const s of this.options.state.sessions.values()) {
      this.expiry.touch(s.id, now, s.timeoutMs);
    }
  }

  private reportTouches(): void {
    if (this.touched.size === 0) return;
    if (!this.options.log.isLeader) this.options.log.touchSessions([...this.touched]);
    this.touched.clear();
  }

  private expireSessions(): void {
    if (this.options.readOnly()) {
      this.options.readOnlyExpired(this.expiry.expired(this.options.clock.monotonicMs()));
      return;
    }
    if (!this.options.log.isLeader) return;
    const expired = this.expiry.expired(this.options.clock.monotonicMs());
    for (const id of expired) {
      if (this.options.closingSessions.has(id) || !this.options.state.sessions.has(id)) continue;
      this.options.logger.info("session expired", { session: `0x${id.toString(16)}` });
      const proposed = this.options.log.propose(
        this.options.enveloped({
          kind: EntryKind.closeSession,
          timeMs: this.options.clock.nowMs(),
          sessionId: id,
        }),
      );
      if (proposed) this.options.closingSessions.add(id);
    }
  }

  private reap(): void {
    if (!this.options.log.isLeader) return;
    const now = this.options.clock.nowMs();
    const max = this.reapBudget.available(this.options.clock.monotonicMs());
    if (max === 0) return;
    const paths = this.options.state.tree.reapCandidates(now, max);
    for (const path of paths) {
      this.options.log.propose(
        this.options.enveloped({
          kind: EntryKind.reap,
          timeMs: now,
          path,
          containerNeverUsedMs: 0,
        }),
      );
    }
    this.reapBudget.spend(paths.length);
  }
}
