// How many containers and TTL nodes the reaper may delete now, so that
// znode.container.maxPerMinute is a rate per minute as in ZooKeeper (whose ContainerManager
// paces deletions 60000 / maxPerMinute ms apart) and not a cap per check, which at a 1 s
// check interval would allow sixty times the configured rate.
//
// A token bucket on the monotonic clock: allowance accrues at maxPerMinute per 60 s and is
// held back to one check interval's worth (at least one deletion), so a quiet spell cannot
// save up a burst. Over any minute the reaper then deletes at most maxPerMinute plus one
// interval's allowance.

const msPerMinute = 60_000;

export class ReapBudget {
  private allowance = 0;
  private readonly capacity: number;

  /** `lastMs`: the monotonic time the allowance starts accruing from (the reaper's start). */
  constructor(
    private readonly maxPerMinute: number,
    checkIntervalMs: number,
    private lastMs: number,
  ) {
    this.capacity = Math.max(1, (maxPerMinute * checkIntervalMs) / msPerMinute);
  }

  /** Deletions allowed at `nowMs` (monotonic); call spend() with what was used. */
  available(nowMs: number): number {
    const earned = ((nowMs - this.lastMs) * this.maxPerMinute) / msPerMinute;
    this.allowance = Math.min(this.capacity, this.allowance + earned);
    this.lastMs = nowMs;
    // The epsilon keeps float dust (ten times 0.1 is 0.9999...) from costing a deletion.
    return Math.floor(this.allowance + 1e-9);
  }

  spend(count: number): void {
    this.allowance = Math.max(0, this.allowance - count);
  }
}
