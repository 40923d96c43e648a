// When old snapshots and log segments are removed. ZooKeeper purges on a timer every
// autopurge.purgeInterval hours (first at start-up) and never when the interval is 0. Corral
// keeps the timer for a positive interval, but with 0 (the default) it purges after every
// snapshot instead of never: a server left at its defaults would otherwise fill its disk
// with snapshots and log segments nobody needs, with nobody the wiser. (Recovery itself
// does not slow down as they pile up: it skips the segments the newest snapshot covers.)
// What is kept is always autopurge.snapRetainCount snapshots and the log they need.
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Logger } from "../base/logger.js";

const hourMs = 3_600_000;

export class PurgeSchedule {
  private timer: TimerHandle | null = null;
  private running = false;
  private stopped = false;

  constructor(
    private readonly options: {
      clock: Clock;
      logger: Logger;
      purgeIntervalHours: number;
      /** Removes what the retention policy no longer needs. */
      purge: (callback: (error: Error | null) => void) => void;
    },
  ) {}

  /** Starts the timer (a positive interval purges now, then every interval). */
  start(): void {
    const hours = this.options.purgeIntervalHours;
    if (hours <= 0) return;
    this.options.logger.info("autopurge every interval", { purgeIntervalHours: hours });
    const tick = (): void => {
      if (this.stopped) return;
      this.run();
      this.timer = this.options.clock.setTimer(hours * hourMs, tick);
    };
    tick();
  }

  /** A snapshot became durable. */
  snapshotSaved(): void {
    if (this.options.purgeIntervalHours <= 0) this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.cancelTimer(this.timer);
    this.timer = null;
  }

  private run(): void {
    // One purge at a time: a timer tick during a slow purge has nothing to add.
    if (this.running || this.stopped) return;
    this.running = true;
    this.options.purge((error) => {
      this.running = false;
      if (error) this.options.logger.error("purge failed", { error: error.message });
    });
  }
}
