// Drives a SnapshotWriter between the member's other work: a slice of at most sliceMs of
// encoding, then back to the event loop (client I/O, commits) before the next slice. The
// state keeps changing meanwhile; the writer's copy-on-write gives the image of the state at
// the zxid where the task began.
import type { Clock } from "../base/clock.js";
import { SnapshotWriter } from "../state/snapshot-writer.js";
import type { State } from "../state/state.js";

/** Longest a slice of snapshot encoding holds the event loop. */
export const snapshotSliceMs = 2;
/**
 * Nodes, and bytes, encoded between two looks at the clock. Either bound alone can hold the
 * loop too long: 256 small nodes take a quarter of a millisecond, but 256 nodes of 1 MiB
 * take a quarter of a second. At most 64 nodes or 64 KiB (tens of microseconds to copy)
 * pass between looks, so a slice overruns the bound by little more than one look's work;
 * a look costs tens of nanoseconds.
 */
export const nodesPerCheck = 64;
export const bytesPerCheck = 64 * 1024;

export interface SnapshotTaskStats {
  /** Wall time from start to the complete image. */
  elapsedMs: number;
  /** Time spent encoding, summed over the slices. */
  busyMs: number;
  slices: number;
  /** The longest slice. */
  maxSliceMs: number;
  /** Nodes copied aside because they changed before the writer reached them. */
  keptNodes: number;
  bytes: number;
}

export class SnapshotTask {
  private readonly writer: SnapshotWriter;
  private readonly startedMs: number;
  private busyMs = 0;
  private slices = 0;
  private maxSliceMs = 0;
  private aborted = false;

  constructor(
    state: State,
    private readonly clock: Clock,
    private readonly defer: (callback: () => void) => void,
    private readonly done: (parts: Uint8Array[], stats: SnapshotTaskStats) => void,
  ) {
    this.startedMs = clock.monotonicMs();
    this.writer = new SnapshotWriter(state);
    this.defer(this.slice);
  }

  /** The zxid of the state the image shows. */
  get zxid(): number {
    return this.writer.lastZxid;
  }

  /** Stops the task; `done` is never called. */
  abort(): void {
    this.aborted = true;
    this.writer.abort();
  }

  private readonly slice = (): void => {
    if (this.aborted) return;
    const began = this.clock.monotonicMs();
    let complete = false;
    let now = began;
    do {
      complete = this.writer.step(nodesPerCheck, bytesPerCheck);
      now = this.clock.monotonicMs();
    } while (!complete && now - began < snapshotSliceMs);
    this.busyMs += now - began;
    if (now - began > this.maxSliceMs) this.maxSliceMs = now - began;
    this.slices++;
    if (!complete) {
      this.defer(this.slice);
      return;
    }
    const parts = this.writer.parts();
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    this.done(parts, {
      elapsedMs: now - this.startedMs,
      busyMs: this.busyMs,
      slices: this.slices,
      maxSliceMs: this.maxSliceMs,
      keptNodes: this.writer.keptCount,
      bytes,
    });
  };
}
