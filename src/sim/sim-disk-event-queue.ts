// A minimal event queue on simulated time for driving a SimDisk on its own (storage tests,
// the storage simulation). The whole-cluster simulator has its own queue and passes its
// own scheduler to SimDisk instead. Events at the same time run in the order scheduled, so
// a run is a pure function of the seed.

export class SimDiskEventQueue {
  nowMs = 0;
  private readonly times: number[] = [];
  private readonly runs: (() => void)[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;

  /** Pass as SimDiskOptions.schedule. */
  readonly schedule = (run: () => void, latencyMs: number): void => {
    // Binary-heap insert keyed by (time, sequence).
    const time = this.nowMs + latencyMs;
    const seq = this.seq++;
    let i = this.times.length;
    this.times.push(time);
    this.runs.push(run);
    this.seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  };

  get pending(): number {
    return this.times.length;
  }

  /** Runs the earliest event; false when there is none. */
  step(): boolean {
    if (this.times.length === 0) return false;
    const time = this.times[0];
    const run = this.runs[0];
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.runs.pop();
    this.seqs.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.times.length && this.before(l, m)) m = l;
      if (r < this.times.length && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    if (time > this.nowMs) this.nowMs = time;
    run();
    return true;
  }

  /** Runs events until none is left; throws after `stepsMax` (a livelock is a bug). */
  runUntilIdle(stepsMax = 10_000_000): number {
    let steps = 0;
    while (this.step()) {
      if (++steps > stepsMax) throw new Error(`SimDiskEventQueue: more than ${stepsMax} steps`);
    }
    return steps;
  }

  /** Forgets every pending event (used with SimDisk.crash, whose events are dead anyway). */
  clear(): void {
    this.times.length = 0;
    this.runs.length = 0;
    this.seqs.length = 0;
  }

  private before(a: number, b: number): boolean {
    return (
      this.times[a] < this.times[b] ||
      (this.times[a] === this.times[b] && this.seqs[a] < this.seqs[b])
    );
  }

  private swap(a: number, b: number): void {
    const t = this.times[a];
    this.times[a] = this.times[b];
    this.times[b] = t;
    const r = this.runs[a];
    this.runs[a] = this.runs[b];
    this.runs[b] = r;
    const s = this.seqs[a];
    this.seqs[a] = this.seqs[b];
    this.seqs[b] = s;
  }
}
