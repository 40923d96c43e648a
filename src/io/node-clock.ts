// The real Clock: wall time from Date, monotonic time from performance.now(), timers from
// node's setTimeout. Timers are unref'd so that a pending timer alone never keeps a
// process alive after the server has been asked to stop.

import type { Clock, TimerHandle } from "../base/clock.js";

class NodeTimer implements TimerHandle {
  readonly id: number;
  timeout: ReturnType<typeof setTimeout> | null = null;
  constructor(id: number) {
    this.id = id;
  }
}

export class NodeClock implements Clock {
  private nextId = 1;

  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = new NodeTimer(this.nextId++);
    timer.timeout = setTimeout(
      () => {
        timer.timeout = null;
        callback();
      },
      Math.max(0, delayMs),
    );
    timer.timeout.unref();
    return timer;
  }

  cancelTimer(handle: TimerHandle): void {
    const timer = handle as NodeTimer;
    if (timer.timeout !== null) {
      clearTimeout(timer.timeout);
      timer.timeout = null;
    }
  }
}
