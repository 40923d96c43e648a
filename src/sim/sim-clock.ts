// The Clock (and the `defer` hook) a simulated member incarnation runs on: simulated time
// from the shared time line, timers as events owned by the incarnation, so they die with it.
// Wall-clock time is a fixed origin plus simulated time, which keeps ctime/mtime and the
// times inside log entries deterministic.
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Owner, Ticket, Timeline } from "./timeline.js";

/** 2023-11-14T22:13:20Z: an arbitrary, fixed wall-clock origin. */
export const simWallOriginMs = 1_700_000_000_000;

class SimTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly ticket: Ticket,
  ) {}
}

export class SimClock implements Clock {
  private nextTimerId = 1;

  constructor(
    private readonly timeline: Timeline,
    private readonly owner: Owner,
  ) {}

  nowMs(): number {
    return simWallOriginMs + this.timeline.nowMs;
  }

  monotonicMs(): number {
    return this.timeline.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    return new SimTimer(this.nextTimerId++, this.timeline.at(delayMs, this.owner, callback));
  }

  cancelTimer(handle: TimerHandle): void {
    (handle as SimTimer).ticket.cancelled = true;
  }

  /** setImmediate's stand-in: runs `callback` at the same simulated time, after what is queued. */
  readonly defer = (callback: () => void): void => {
    this.timeline.at(0, this.owner, callback);
  };
}
