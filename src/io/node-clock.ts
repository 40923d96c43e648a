// The real Clock: wall time from Date, monotonic time from performance.now(), timers from
// node's setTimeout. A pending timer keeps the process alive, as node's own timers do; a
// member stopping cancels its timers.

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
