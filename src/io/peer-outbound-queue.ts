// The frames waiting to go to one peer, and the counts of those sent and dropped. A frame is
// u32 length N (big-endian), then N bytes of body.
//
// push() copies the body into one growing buffer (the one copy the PeerNetwork contract asks
// for) and take() hands the whole buffer to the socket, so a burst of messages costs one
// system call. The queue never holds more than queueBytesMax together with what the socket
// itself still holds: beyond that, messages are dropped and counted, and a warning says so
// at most once per dropLogIntervalMs. A body above frameBytesMax, which the receiver would
// refuse, is a bug in the sender: dropped, counted and logged at the same rate.
import { Buffer } from "node:buffer";
import type { Logger } from "../base/logger.js";

export interface OutboundLimits {
  readonly frameBytesMax: number;
  readonly queueBytesMax: number;
  readonly dropLogIntervalMs: number;
}

const outputChunkBytesMin = 16 * 1024;

export class OutboundQueue {
  /** Frames waiting for take(): [0, bytes) of `out`. */
  private out: Buffer | null = null;
  bytes = 0;
  /** How many frames `bytes` holds. */
  messages = 0;
  messagesSent = 0;
  /** Dropped because the queue was over queueBytesMax. */
  messagesDroppedQueueFull = 0;
  /** Dropped because the link was down, or lost while they were queued. */
  messagesDroppedLinkDown = 0;
  /** Dropped because the body was larger than frameBytesMax. */
  messagesDroppedOversize = 0;
  private readonly queueFullReport: DropReport;
  private readonly oversizeReport: DropReport;

  constructor(
    private readonly peer: number,
    private readonly limits: OutboundLimits,
    private readonly logger: Logger,
  ) {
    this.queueFullReport = new DropReport(limits.dropLogIntervalMs);
    this.oversizeReport = new DropReport(limits.dropLogIntervalMs);
  }

  /** Queues `body` as one frame; false when it is dropped. `socketBytes`: what the socket holds. */
  push(body: Uint8Array, socketBytes: number): boolean {
    const limits = this.limits;
    const length = body.length;
    if (length > limits.frameBytesMax) {
      this.messagesDroppedOversize++;
      const dropped = this.oversizeReport.count();
      if (dropped > 0) {
        this.logger.error("peer message larger than frameBytesMax dropped", {
          peer: this.peer,
          bytes: length,
          frameBytesMax: limits.frameBytesMax,
          dropped,
        });
      }
      return false;
    }
    const need = this.bytes + 4 + length;
    if (need + socketBytes > limits.queueBytesMax) {
      this.messagesDroppedQueueFull++;
      const dropped = this.queueFullReport.count();
      if (dropped > 0) {
        this.logger.warn("peer queue full; dropping messages", {
          peer: this.peer,
          dropped,
          queuedBytes: this.bytes + socketBytes,
          queueBytesMax: limits.queueBytesMax,
        });
      }
      return false;
    }
    let out = this.out;
    if (out === null || need > out.length) {
      const capacity = Math.min(Math.max(outputChunkBytesMin, need * 2), limits.queueBytesMax);
      const grown = Buffer.allocUnsafe(Math.max(capacity, need));
      if (out !== null) out.copy(grown, 0, 0, this.bytes);
      this.out = out = grown;
    }
    const at = this.bytes;
    out[at] = length >>> 24;
    out[at + 1] = length >>> 16;
    out[at + 2] = length >>> 8;
    out[at + 3] = length;
    out.set(body, at + 4);
    this.bytes = need;
    this.messages++;
    return true;
  }

  /** Every queued frame in one chunk for the socket (counted as sent); the queue is empty. */
  take(): Buffer {
    // The socket keeps the buffer until it is written, so the next push starts a new one.
    const chunk = this.out!.subarray(0, this.bytes);
    this.out = null;
    this.bytes = 0;
    this.messagesSent += this.messages;
    this.messages = 0;
    return chunk;
  }

  /** Lets go of every queued frame; `lost` counts them as dropped because the link went down. */
  clear(lost: boolean): void {
    if (lost) this.messagesDroppedLinkDown += this.messages;
    this.out = null;
    this.bytes = 0;
    this.messages = 0;
  }
}

/** One kind of drop's log rate: a line at most once per interval, with the count since. */
class DropReport {
  private sinceLog = 0;
  private lastLogMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  /** Counts one drop; returns how many to report now, or 0 when it is too soon. */
  count(): number {
    this.sinceLog++;
    const nowMs = performance.now();
    if (nowMs - this.lastLogMs < this.intervalMs) return 0;
    const dropped = this.sinceLog;
    this.sinceLog = 0;
    this.lastLogMs = nowMs;
    return dropped;
  }
}
