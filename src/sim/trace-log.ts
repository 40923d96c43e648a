// A simulator's trace: every line is folded into a digest (so two runs can be compared
// without keeping them), and the last few are kept for the failure report. The member's own
// log lines (info and above) join the trace through logger().
import type { LogFields, Logger } from "../base/logger.js";

export class TraceLog {
  private readonly ring: string[] = [];
  private next = 0;
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  constructor(private readonly keep: number) {}

  add(timeMs: number, line: string): void {
    const text = `${timeMs.toFixed(0).padStart(6)}ms ${line}`;
    // cyrb53's mixing, one line at a time.
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    if (this.keep === 0) return;
    if (this.ring.length < this.keep) this.ring.push(text);
    else this.ring[this.next] = text;
    this.next = (this.next + 1) % this.keep;
  }

  get digest(): string {
    const h1 =
      Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^
      Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 =
      Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^
      Math.imul(this.h1 ^ (this.h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
  }

  /** A Logger that adds the member's lines (info and above) at the simulated time. */
  logger(nowMs: () => number): Logger {
    const line = (level: string, message: string, fields?: LogFields) =>
      this.add(nowMs(), `log ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
    return {
      level: "info",
      debug() {},
      info: (m, f) => line("info", m, f),
      warn: (m, f) => line("warn", m, f),
      error: (m, f) => line("error", m, f),
    };
  }

  /** The kept lines, oldest first. */
  lines(): string[] {
    return this.ring.length < this.keep
      ? [...this.ring]
      : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
