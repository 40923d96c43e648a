// When a member cut off from its quorum turns read-only, and when it turns back: ZooKeeper's
// read-only mode on a partition (readonlymode.enabled), decided here and served by the rules
// of server/read-only.ts, which the disk-failure read-only mode shares.
//
// ZooKeeper's QuorumPeer, on entering the LOOKING state with readonlymode.enabled, starts a
// ReadOnlyZooKeeperServer only after a grace period of max(2000 ms, tickTime) during which
// its election found no leader, so a member that merely lives through an election (a second
// or two) never drops its clients into read-only sessions. It shuts that server down, which
// closes every read-only connection, as soon as it has a leader again. Corral keeps the same
// grace, counted from the moment the member stops knowing a leader: a Raft follower stops
// knowing one when its election timeout fires without a heartbeat (1-2 s of silence), a
// leader when CheckQuorum finds it has lost its quorum, and a member that starts knows none
// until an election names one. ZooKeeper enters LOOKING after a comparable silence
// (syncLimit ticks, or the socket to its leader breaking), so a cut-off member of either
// turns read-only some 3-4 s after it was cut off.
//
// This module only keeps time; the member does the switching (Member.enterReadOnly and
// Member.leaveReadOnly) because the connections, pending writes and sessions are its own.
import type { Clock, TimerHandle } from "../base/clock.js";

/** ZooKeeper's grace period before a member without a leader serves read-only clients. */
export function readOnlyGraceMs(tickTimeMs: number): number {
  return Math.max(2000, tickTimeMs);
}

export interface PartitionReadOnlyOptions {
  clock: Clock;
  graceMs: number;
  /** The grace period passed without a leader: returns whether the member went read-only. */
  enter(): boolean;
  /** A leader is known again while read-only on this account. */
  leave(): void;
}

export class PartitionReadOnly {
  private timer: TimerHandle | null = null;
  private readOnly = false;

  constructor(private readonly options: PartitionReadOnlyOptions) {}

  /** True while the member serves read-only because it knows no leader. */
  get active(): boolean {
    return this.readOnly;
  }

  /**
   * Tells whether the member knows a leader now; called when it starts and whenever its
   * view of the leader may have changed (every epoch change). Idempotent.
   */
  leaderKnown(known: boolean): void {
    if (known) {
      this.cancel();
      if (this.readOnly) {
        this.readOnly = false;
        this.options.leave();
      }
      return;
    }
    if (this.readOnly || this.timer !== null) return;
    this.timer = this.options.clock.setTimer(this.options.graceMs, () => {
      this.timer = null;
      this.readOnly = this.options.enter();
    });
  }

  stop(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.timer === null) return;
    this.options.clock.cancelTimer(this.timer);
    this.timer = null;
  }
}
