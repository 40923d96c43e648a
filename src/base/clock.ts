// Time comes into the member through this interface so that the simulator can drive the
// real member code on a simulated clock. Pure layers never read time at all: whatever
// needs a timestamp receives it as data (for example inside a log entry).

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (ctime/mtime of znodes, TTL). */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin (timeouts, latencies). */
  monotonicMs(): number;
  /** Calls `callback` once after `delayMs` of monotonic time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
}
