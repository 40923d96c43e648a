// What the leader knows about one follower's log, and how it decides what to send next.
//
// A follower is in one of three states:
// - probe: we do not know where its log agrees with ours; send one append at a time and
//   wait for the answer (or the next heartbeat) before sending another;
// - replicate: it accepted our last append; stream appends optimistically (pipelining),
//   bounded by the inflights window;
// - snapshot: its next entry was compacted away; send the snapshot in chunks, nothing else.
import { assert } from "../base/assert.js";
import { Inflights } from "./inflights.js";
import type { Snapshot } from "./types.js";

export const ProgressState = { probe: 0, replicate: 1, snapshot: 2 } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];
export const progressStateNames = ["probe", "replicate", "snapshot"] as const;

export class Progress {
  /** Highest index known to match ours. Invariant: match < next. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = ProgressState.probe;
  /** In probe: an append is out and we wait for its answer before sending another. */
  probeSent = false;
  /** In snapshot: the snapshot index being sent. */
  pendingSnapshot = 0;
  /** In snapshot: bytes of the snapshot the follower has confirmed. */
  snapshotOffset = 0;
  /** In snapshot: bytes sent so far (chunks past snapshotOffset are unconfirmed). */
  snapshotSent = 0;
  /**
   * In snapshot: the image being sent. A transfer keeps the snapshot it began with even when
   * the leader takes a newer one, or a follower whose transfer outlasts the time between
   * two snapshots would start over forever.
   */
  snapshotImage: Snapshot | null = null;
  /** In snapshot: the confirmed offset at the previous heartbeat (-1 before the first). */
  snapshotOffsetAtHeartbeat = -1;
  /** In snapshot: heartbeats in a row that saw no progress. */
  snapshotStalls = 0;
  /** Heard from within the current check-quorum window. */
  recentActive = false;
  /**
   * Heard from within the window before the current one. With recentActive it tells whether
   * the follower is in contact without the blind spot at the start of every window, when
   * recentActive was just cleared (status pages must not flicker every election timeout).
   */
  activeLastWindow = false;
  /** Highest read-index round this member confirmed. */
  readAck = 0;
  readonly inflights: Inflights;

  constructor(next: number, inflightMessagesMax: number, inflightBytesMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotOffset = 0;
    this.snapshotSent = 0;
    this.snapshotImage = null;
    this.snapshotOffsetAtHeartbeat = -1;
    this.snapshotStalls = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower holds at least the snapshot: resume right after it.
    const next =
      this.state === ProgressState.snapshot
        ? Math.max(this.match + 1, this.pendingSnapshot + 1)
        : this.match + 1;
    this.resetState(ProgressState.probe);
    this.next = next;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState(ProgressState.snapshot);
    this.pendingSnapshot = snapshot.meta.index;
    this.snapshotImage = snapshot;
  }

  /** An append up to `index` succeeded. Returns whether `match` moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower rejected an append whose previous index was `rejected`; `matchHint` is the
   * highest index where our logs may agree. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.replicate) {
      // Rejections of appends at or below match are from before a later success.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe only the answer to the one outstanding append counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records that an append carrying entries up to `lastIndex` (`bytes` payload) went out. */
  sentEntries(lastIndex: number, bytes: number): void {
    if (this.state === ProgressState.replicate) {
      if (lastIndex >= this.next) {
        this.inflights.add(lastIndex, bytes);
        this.next = lastIndex + 1;
      }
    } else {
      assert(this.state === ProgressState.probe, "progress: append sent while snapshotting");
      this.probeSent = true;
    }
  }

  /** Whether the leader must wait before sending this follower more entries. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.probe:
        return this.probeSent;
      case ProgressState.replicate:
        return this.inflights.full();
      default:
        return true;
    }
  }

  toString(): string {
    return `${progressStateNames[this.state]} match=${this.match} next=${this.next}`;
  }
}
