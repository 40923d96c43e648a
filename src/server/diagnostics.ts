// Events the member publishes for whoever measures it (the admin layer's Prometheus metrics),
// on node:diagnostics_channel: a publisher checks `hasSubscribers` first, so with no admin
// port (the simulator, benchmarks of the bare member) an event costs one property read.
//
// The hot events (one per request) reuse one message object per publisher instead of
// allocating one each time: a subscriber must read the fields during the call and keep
// nothing. Channels are process-wide; a process runs one member (tests that start several
// in one process do not subscribe).
import { channel } from "node:diagnostics_channel";

/** A request answered: its opcode and the time from receipt to reply. */
export interface RequestEvent {
  opcode: number;
  latencyMs: number;
}

/** One group commit of the write-ahead log: entries written and made durable together. */
export interface WalBatchEvent {
  entries: number;
  bytes: number;
  /** From the write's start to the fsync's completion. */
  durationMs: number;
}

/** A snapshot saved: its zxid, size and the wall time from start to durable file. */
export interface SnapshotEvent {
  zxid: number;
  bytes: number;
  durationMs: number;
}

/** A client connection refused (per-address limit) before it reached the member. */
export interface ConnectionRefusedEvent {
  reason: string;
}

export const requestChannel = channel("corral:request");
export const walBatchChannel = channel("corral:wal-batch");
export const snapshotChannel = channel("corral:snapshot");
export const connectionRefusedChannel = channel("corral:connection-refused");
