// What the clients of the ensemble simulator record for the checks made once a run ends
// (ensemble-checks.ts): register operations for the linearizability checker, every read
// with the zxid it was served at, every acknowledged write, ephemeral creates and the fates
// of sessions, and per connection the order in which watches, notifications and replies
// arrived. Plain data; the clients append, nothing here decides anything.
import type { EphemeralCreate, EphemeralSession } from "./ephemeral-check.js";
import type { RegisterOp } from "./register-model.js";

/** A register's value before any client wrote it (the setup creates it so). */
export const registerInitial = { value: "init", version: 0 } as const;

export interface ReadRecord {
  client: number;
  key: string;
  /** The reply header's zxid: the member's applied zxid when it ran the read. */
  zxid: number;
  version: number;
  mzxid: number;
  value: string;
  /** Sent right behind a sync (so it must also be linearizable). */
  synced: boolean;
}

export interface AckedWrite {
  client: number;
  key: string;
  zxid: number;
  value: string;
  version: number;
}

/** One connection's arrivals, in order: what the watch check needs. */
export interface WatchLog {
  client: number;
  link: number;
  events: WatchLogEvent[];
}

export type WatchLogEvent =
  /** A getData with a watch was answered at `zxid` (the watch was set then). */
  | { kind: "watch"; path: string; zxid: number }
  | { kind: "notify"; path: string }
  | { kind: "reply"; zxid: number };

export class EnsembleHistory {
  readonly registerOps: RegisterOp[] = [];
  readonly reads: ReadRecord[] = [];
  readonly writes: AckedWrite[] = [];
  readonly ephemeralCreates: EphemeralCreate[] = [];
  readonly sessions = new Map<number, EphemeralSession>();
  readonly watchLogs: WatchLog[] = [];
}
