// What a member keeps per client connection: its handshake phase, its session, its
// authenticated ids, the FIFO of requests awaiting their turn to be answered, and the
// counters the four-letter words report.
//
// FIFO per session (zookeeper-protocol.md §4, §15): replies leave in request order. A write
// waits for its entry to commit; a read that arrives behind a pending request waits until it
// reaches the head and then runs against the tree as it is at that moment, so it sees every
// earlier write of the same session. A read with nothing ahead of it runs at once.
import type { ClientConnection } from "../base/client-connection.js";
import type { TimerHandle } from "../base/clock.js";
import type { Id } from "../protocol/records.js";

export const Phase = {
  /** Waiting for the ConnectRequest. */
  handshake: 0,
  /** createSession proposed; later frames wait. */
  connecting: 1,
  ready: 2,
  /** closeSession proposed or the session expired: nothing more is executed. */
  closing: 3,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const ItemKind = {
  /** A reply already computed (pings, auth, errors) waiting for its turn. */
  done: 0,
  /** A write waiting for its entry to commit. */
  write: 1,
  /** A read to run when it reaches the head. */
  read: 2,
  /** A sync waiting until the member has applied `syncIndex`. */
  sync: 3,
} as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];

export class PendingItem {
  /** The reply frame once known (copied: the encoder's buffer is reused). */
  reply: Uint8Array | null = null;
  /** For reads: the request frame body, kept until the read runs. */
  body: Uint8Array | null = null;
  syncIndex = 0;
  /** For a sync: the member's proposal counter when it arrived (see Member.drain). */
  proposedBefore = 0;
  /** A write held (its request body in `body`) until the syncs ahead of it know their index. */
  held = false;
  /** Close the connection after this reply (closeSession, auth failure...). */
  closeAfter = false;
  constructor(
    public kind: ItemKind,
    readonly xid: number,
    readonly opcode: number,
    readonly receivedMs: number,
  ) {}
}

export class ClientState {
  phase: Phase = Phase.handshake;
  sessionId = 0;
  sessionTimeoutMs = 0;
  /** ConnectRequest carried the read-only byte: answer in the same dialect. */
  readOnlyDialect = false;
  /** Closes the connection if no ConnectRequest arrives in time; null once it did. */
  handshakeTimer: TimerHandle | null = null;
  authIds: Id[];
  /** Requests in arrival order; `head` is the next to answer. */
  readonly queue: PendingItem[] = [];
  head = 0;
  /** Frames that arrived while the session was being created, replayed afterwards. */
  early: Uint8Array[] = [];
  // Counters for stat/cons/mntr.
  received = 0;
  sent = 0;
  lastOp = "NA";
  lastCxid = 0;
  lastZxid = 0;
  lastResponseMs = 0;
  lastLatencyMs = 0;
  latencyMinMs = Number.POSITIVE_INFINITY;
  latencyMaxMs = 0;
  latencySumMs = 0;
  latencyCount = 0;

  constructor(
    readonly connection: ClientConnection,
    readonly establishedMs: number,
  ) {
    this.authIds = [{ scheme: "ip", id: connection.remoteAddress }];
  }

  /** The client's address and port, as every log line about the connection names it. */
  get remote(): string {
    return `${this.connection.remoteAddress}:${this.connection.remotePort}`;
  }

  get outstanding(): number {
    return this.queue.length - this.head;
  }

  push(item: PendingItem): void {
    this.queue.push(item);
  }

  peek(): PendingItem | undefined {
    return this.head < this.queue.length ? this.queue[this.head] : undefined;
  }

  shift(): void {
    this.head++;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** crst: ZooKeeper's ServerCnxn.resetStats (last cxid and zxid become -1, "unknown"). */
  resetCounters(): void {
    this.received = 0;
    this.sent = 0;
    this.lastOp = "NA";
    this.lastCxid = -1;
    this.lastZxid = -1;
    this.lastResponseMs = 0;
    this.lastLatencyMs = 0;
    this.latencyMinMs = Number.POSITIVE_INFINITY;
    this.latencyMaxMs = 0;
    this.latencySumMs = 0;
    this.latencyCount = 0;
  }

  recordLatency(ms: number): void {
    this.lastLatencyMs = ms;
    if (ms < this.latencyMinMs) this.latencyMinMs = ms;
    if (ms > this.latencyMaxMs) this.latencyMaxMs = ms;
    this.latencySumMs += ms;
    this.latencyCount++;
  }
}

/** ZooKeeper's short names for the last operation of a connection (cons `lop=`). */
export const opShortName: ReadonlyMap<number, string> = new Map([
  [1, "CREA"],
  [2, "DELE"],
  [3, "EXIS"],
  [4, "GETD"],
  [5, "SETD"],
  [6, "GETA"],
  [7, "SETA"],
  [8, "GETC"],
  [9, "SYNC"],
  [11, "PING"],
  [12, "GETC"],
  [13, "CHEC"],
  [14, "MULT"],
  [15, "CREA"],
  [16, "RECO"],
  [17, "CHKW"],
  [18, "REMW"],
  [19, "CREA"],
  [21, "CREA"],
  [22, "MLTR"],
  [100, "AUTH"],
  [101, "SETW"],
  [103, "GETE"],
  [104, "GETACN"],
  [105, "STW2"],
  [106, "ADDW"],
  [107, "HOMI"],
  [-10, "SESS"],
  [-11, "CLOS"],
]);
