// A simulated ZooKeeper client of the ensemble simulator. It connects to one member, and
// after a lost connection resumes its session (id, password, lastZxidSeen) on the same
// member or moves to another; it reads registers (plain, with a watch, or right behind a
// sync), writes them (compare-and-set from the version it last saw, or unconditionally),
// creates ephemerals (alone or two in a multi), pings when idle, and now and then closes its
// session, drops its connection, or goes silent long enough for its session to expire.
//
// Checked as replies arrive: FIFO per session (xid for xid), reply zxids never below the
// last one seen, a session's write zxids strictly rising, a setData's mzxid equal to its
// reply's zxid; and a session refused as expired must have been away from the ensemble for
// a while (with `strictExpiry`, in runs whose network neither partitions nor loses). Every
// other check needs every client's history and runs when the run ends (ensemble-checks.ts).
//
// Unlike the standalone simulator's client, this one never resolves what became uncertain:
// a write whose connection was lost is recorded as indeterminate, and the linearizability
// checker decides whether some placement of it explains everything (in an ensemble such a
// write may still commit long after its client moved on, so no moment resolves it).
import { Buffer } from "node:buffer";
import { encodeConnectRequest, readConnectResponse } from "../protocol/connect-codec.js";
import { CreateMode, ErrorCode, OpCode, Xid } from "../protocol/constants.js";
import { readWatcherEvent } from "../protocol/data-records.js";
import { Reader } from "../protocol/reader.js";
import type { ACL } from "../protocol/records.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readReplyHeader, readResponseBody } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { EnsembleHistory, WatchLog } from "./ensemble-history.js";
import type { EphemeralCreate } from "./ephemeral-check.js";
import type { Prng } from "./prng.js";
import type { RegisterOp } from "./register-model.js";
import type { LinkClient, LinkEnd, SimClientLink } from "./sim-client-link.js";
import type { Owner, Timeline } from "./timeline.js";

const openAcl: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

/** The connect request of a new session (no id, no password, nothing seen yet). */
export function encodeNewSession(writer: Writer, timeOutMs: number): Uint8Array {
  return encodeConnectRequest(writer, {
    protocolVersion: 0,
    lastZxidSeen: 0,
    timeOut: timeOutMs,
    sessionId: 0n,
    passwd: new Uint8Array(16),
    readOnly: false,
  });
}

export interface EnsembleClientHost {
  readonly timeline: Timeline;
  readonly wire: Owner;
  readonly history: EnsembleHistory;
  /** Register keys (paths) the clients share. */
  readonly keys: readonly string[];
  /** A connection to member `prefer`, or to another running member; null if none runs. */
  connect(client: EnsembleClient, prefer: number): { link: SimClientLink; member: number } | null;
  trace(line: string): void;
  fail(message: string): void;
}

export interface EnsembleClientSetup {
  number: number;
  pipelineMax: number;
  thinkMsMax: number;
  sessionTimeoutMs: number;
  /** Per action, in thousandths: close the session; drop the connection; go silent. */
  closePerMille: number;
  dropPerMille: number;
  silencePerMille: number;
  /** Chance that a reconnect goes to another member. */
  movePercent: number;
  /** Fail when the session is refused as expired after only a short absence. */
  strictExpiry: boolean;
}

type Kind = "ping" | "sync" | "read" | "write" | "ephemeral" | "close" | "final";

interface Outstanding {
  xid: number;
  kind: Kind;
  key: string;
  watch: boolean;
  synced: boolean;
  op: RegisterOp | null;
  creates: EphemeralCreate[] | null;
}

const Phase = { disconnected: 0, handshaking: 1, ready: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class EnsembleClient implements LinkClient {
  link: SimClientLink | null = null;
  member = 0;
  /** Set when faults stop: finish what is in flight, send nothing new. */
  draining = false;
  stopped = false;
  acked = 0;
  /** The session whose final sync (after the ephemeral listing) was answered. */
  finalSyncedSession = 0;
  private phase: Phase = Phase.disconnected;
  private sessionId = 0;
  private password: Uint8Array = new Uint8Array(16);
  private readonly outstanding: Outstanding[] = [];
  private closing = false;
  private nextXid = 1;
  private lastZxidSeen = 0;
  private lastWriteZxid = 0;
  private lastSentMs = 0;
  private nextConnectMs = 0;
  private opCount = 0;
  /** When the client last lost its ready connection (-1 while it has one). */
  private awaySinceMs = 0;
  /** The longest time without a ready connection since the session was made. */
  private awayMaxMs = 0;
  /** A closeSession of this session was sent and never answered: it may still commit. */
  private closeUncertain = false;
  private readonly versions = new Map<string, number>();
  private watchLog: WatchLog | null = null;
  private finalPending = false;
  private readonly writer = new Writer(4096);
  private readonly reader = new Reader();

  constructor(
    private readonly host: EnsembleClientHost,
    readonly setup: EnsembleClientSetup,
    private readonly random: Prng,
    firstMember: number,
  ) {
    this.member = firstMember;
  }

  get name(): string {
    return `c${this.setup.number}`;
  }

  get idle(): boolean {
    return this.phase === Phase.ready && this.outstanding.length === 0 && !this.closing;
  }

  get session(): number {
    return this.sessionId;
  }

  start(): void {
    this.host.timeline.at(this.random.below(20), this.host.wire, this.act);
  }

  private readonly act = (): void => {
    if (this.stopped) return;
    const now = this.host.timeline.nowMs;
    if (this.phase === Phase.disconnected && now >= this.nextConnectMs) this.connect();
    if (this.phase === Phase.ready) this.maybeSend(now);
    this.host.timeline.at(1 + this.random.below(this.setup.thinkMsMax), this.host.wire, this.act);
  };

  private connect(): void {
    let prefer = this.member;
    if (this.random.below(100) < this.setup.movePercent) prefer = 0;
    const got = this.host.connect(this, prefer);
    if (got === null) {
      this.nextConnectMs = this.host.timeline.nowMs + 20 + this.random.below(150);
      return;
    }
    this.link = got.link;
    this.member = got.member;
    this.phase = Phase.handshaking;
    this.watchLog = { client: this.setup.number, link: got.link.id, events: [] };
    this.host.history.watchLogs.push(this.watchLog);
    this.host.trace(
      `${this.name} connect #${got.link.id} to m${got.member} session ${this.sessionId} zxid ${this.lastZxidSeen}`,
    );
    got.link.clientSend(
      encodeConnectRequest(this.writer, {
        protocolVersion: 0,
        lastZxidSeen: this.lastZxidSeen,
        timeOut: this.setup.sessionTimeoutMs,
        sessionId: BigInt(this.sessionId),
        passwd: this.password,
        readOnly: false,
      }),
    );
  }

  private maybeSend(now: number): void {
    // While the final sync is out the client still pings, or its session could expire.
    if (this.closing) return;
    if (!this.draining && this.outstanding.length < this.setup.pipelineMax) {
      const r = this.random.below(1000);
      const s = this.setup;
      if (r < s.closePerMille) {
        this.close();
        return;
      }
      if (r < s.closePerMille + s.dropPerMille) {
        this.drop();
        return;
      }
      if (r < s.closePerMille + s.dropPerMille + s.silencePerMille) {
        this.goSilent();
        return;
      }
      this.sendRandom(now);
      return;
    }
    if (now - this.lastSentMs > this.setup.sessionTimeoutMs / 3) {
      this.push("ping", Xid.ping, encodeRequest(this.writer, Xid.ping, OpCode.ping, null));
    }
  }

  private sendRandom(now: number): void {
    const key = this.random.pick(this.host.keys);
    const r = this.random.below(100);
    if (r < 25) {
      const watch = this.random.chance(0.5);
      this.read(key, watch, false, now);
    } else if (r < 45) {
      // A sync pipelined before the read makes the read linearizable (a plain read on a
      // follower is only sequentially consistent).
      const xid = this.nextXid++;
      this.push("sync", xid, encodeRequest(this.writer, xid, OpCode.sync, { path: key }));
      this.read(key, false, true, now);
    } else if (r < 80) {
      this.write(key, now);
    } else {
      this.createEphemerals(now);
    }
  }

  private read(key: string, watch: boolean, synced: boolean, now: number): void {
    const xid = this.nextXid++;
    let op: RegisterOp | null = null;
    if (synced) {
      op = {
        key,
        client: this.setup.number,
        input: { f: "read" },
        // Invoked when the sync before it was sent.
        invokeMs: now,
        outcome: "failed",
      };
      this.host.history.registerOps.push(op);
    }
    this.push(
      "read",
      xid,
      encodeRequest(this.writer, xid, OpCode.getData, { path: key, watch }),
      key,
      op,
      watch,
      synced,
    );
  }

  private write(key: string, now: number): void {
    const xid = this.nextXid++;
    const value = `${this.name}-${++this.opCount}`;
    const known = this.versions.get(key);
    const expectedVersion = known === undefined || this.random.chance(0.2) ? -1 : known;
    const op: RegisterOp = {
      key,
      client: this.setup.number,
      input: { f: "write", value, expectedVersion },
      invokeMs: now,
      outcome: "indeterminate",
    };
    this.host.history.registerOps.push(op);
    this.push(
      "write",
      xid,
      encodeRequest(this.writer, xid, OpCode.setData, {
        path: key,
        data: Buffer.from(value, "latin1"),
        version: expectedVersion,
      }),
      key,
      op,
    );
  }

  private createEphemerals(now: number): void {
    const xid = this.nextXid++;
    const count = this.random.chance(0.3) ? 2 : 1;
    const creates: EphemeralCreate[] = [];
    for (let i = 0; i < count; i++) {
      creates.push({
        sessionId: this.sessionId,
        path: `/e/${this.name}-${++this.opCount}`,
        invokeMs: now,
        outcome: "indeterminate",
      });
    }
    this.host.history.ephemeralCreates.push(...creates);
    const request = (path: string) => ({
      path,
      data: null,
      acl: openAcl,
      flags: CreateMode.ephemeral,
    });
    const frame =
      count === 1
        ? encodeRequest(this.writer, xid, OpCode.create, request(creates[0].path))
        : encodeRequest(
            this.writer,
            xid,
            OpCode.multi,
            creates.map((c) => ({ type: 1 as const, request: request(c.path) })),
          );
    this.push("ephemeral", xid, frame, "", null, false, false, creates);
  }

  private close(): void {
    this.closing = true;
    this.push(
      "close",
      this.nextXid,
      encodeRequest(this.writer, this.nextXid++, OpCode.closeSession, null),
    );
  }

  private push(
    kind: Kind,
    xid: number,
    frame: Uint8Array,
    key = "",
    op: RegisterOp | null = null,
    watch = false,
    synced = false,
    creates: EphemeralCreate[] | null = null,
  ): void {
    this.outstanding.push({ xid, kind, key, watch, synced, op, creates });
    this.lastSentMs = this.host.timeline.nowMs;
    if (kind !== "ping")
      this.host.trace(
        `${this.name} x${xid} sends ${kind} ${key}${op?.input.f === "write" ? ` ${op.input.value} v${op.input.expectedVersion}` : ""}`,
      );
    this.link!.clientSend(frame);
  }

  /** After the ephemeral listing: a sync on the session proves it was alive then. */
  finalSync(): boolean {
    if (this.phase !== Phase.ready || this.sessionId === 0 || this.closing) return false;
    this.finalPending = true;
    const xid = this.nextXid++;
    this.push("final", xid, encodeRequest(this.writer, xid, OpCode.sync, { path: "/" }));
    return true;
  }

  get finalDone(): boolean {
    return !this.finalPending;
  }

  private drop(): void {
    this.host.trace(`${this.name} drops #${this.link!.id}`);
    this.link!.clientClose();
    this.lost();
  }

  private goSilent(): void {
    this.drop();
    const timeout = this.setup.sessionTimeoutMs;
    this.nextConnectMs = this.host.timeline.nowMs + this.random.between(timeout / 2, 3 * timeout);
    this.host.trace(`${this.name} silent until ${this.nextConnectMs}ms`);
  }

  receive(link: SimClientLink, body: Uint8Array): void {
    if (link !== this.link) {
      this.host.fail(`${this.name}: frame on a link it left`);
      return;
    }
    const r = this.reader.reset(body);
    if (this.phase === Phase.handshaking) {
      this.connected(readConnectResponse(r));
      return;
    }
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification) {
      const event = readWatcherEvent(r);
      this.watchLog!.events.push({ kind: "notify", path: event.path });
      return;
    }
    const head = this.outstanding.shift();
    if (head === undefined || head.xid !== header.xid) {
      this.host.fail(
        `${this.name}: reply xid ${header.xid}, expected ${head?.xid ?? "none"} (FIFO)`,
      );
      return;
    }
    if (head.kind === "ping") {
      // A ping is answered at once, at the zxid applied when it arrived, even behind writes
      // that reply later at higher zxids; clients (ZooKeeper's too) ignore its zxid.
      if (header.err !== ErrorCode.ok) this.host.fail(`${this.name}: ping answered ${header.err}`);
      return;
    }
    if (header.zxid < this.lastZxidSeen) {
      this.host.fail(
        `${this.name}: reply zxid ${header.zxid} to x${header.xid} below ${this.lastZxidSeen} seen before`,
      );
      return;
    }
    this.lastZxidSeen = header.zxid;
    this.watchLog!.events.push({ kind: "reply", zxid: header.zxid });
    const now = this.host.timeline.nowMs;
    const err = header.err;
    switch (head.kind) {
      case "sync":
        if (err !== ErrorCode.ok) this.host.fail(`${this.name}: ${head.kind} answered ${err}`);
        return;
      case "final":
        this.finalPending = false;
        if (err !== ErrorCode.ok) this.host.fail(`${this.name}: final sync answered ${err}`);
        else this.finalSyncedSession = this.sessionId;
        return;
      case "read": {
        if (err !== ErrorCode.ok) {
          this.host.fail(`${this.name}: getData ${head.key} answered ${err}`);
          return;
        }
        const res = readResponseBody(r, OpCode.getData);
        const value = res.data === null ? "" : Buffer.from(res.data).toString("latin1");
        this.acked++;
        this.versions.set(head.key, res.stat.version);
        this.host.history.reads.push({
          client: this.setup.number,
          key: head.key,
          zxid: header.zxid,
          version: res.stat.version,
          mzxid: res.stat.mzxid,
          value,
          synced: head.synced,
        });
        if (head.watch)
          this.watchLog!.events.push({ kind: "watch", path: head.key, zxid: header.zxid });
        if (head.op !== null) {
          head.op.outcome = "ok";
          head.op.completeMs = now;
          head.op.output = { f: "read", value, version: res.stat.version };
        }
        this.host.trace(
          `${this.name} x${header.xid} z${header.zxid} read ${head.key} -> ${value} v${res.stat.version}`,
        );
        return;
      }
      case "write": {
        const op = head.op!;
        const input = op.input as { value: string; expectedVersion: number };
        if (err === ErrorCode.badVersion) {
          op.outcome = "ok";
          op.completeMs = now;
          op.output = { f: "badVersion" };
          this.versions.delete(head.key);
        } else if (err === ErrorCode.sessionExpired) {
          op.outcome = "failed";
        } else if (err !== ErrorCode.ok) {
          this.host.fail(`${this.name}: setData ${head.key} answered ${err}`);
          return;
        } else {
          const stat = readResponseBody(r, OpCode.setData).stat;
          if (stat.mzxid !== header.zxid) {
            this.host.fail(
              `${this.name}: setData mzxid ${stat.mzxid} != reply zxid ${header.zxid}`,
            );
            return;
          }
          if (header.zxid <= this.lastWriteZxid) {
            this.host.fail(
              `${this.name}: write zxid ${header.zxid} not above ${this.lastWriteZxid}`,
            );
            return;
          }
          this.lastWriteZxid = header.zxid;
          op.outcome = "ok";
          op.completeMs = now;
          op.output = { f: "written", version: stat.version };
          this.versions.set(head.key, stat.version);
          this.host.history.writes.push({
            client: this.setup.number,
            key: head.key,
            zxid: header.zxid,
            value: input.value,
            version: stat.version,
          });
        }
        this.acked++;
        this.host.trace(
          `${this.name} x${header.xid} z${header.zxid} write ${head.key} ${input.value} -> ${err === 0 ? `v${this.versions.get(head.key)}` : err}`,
        );
        return;
      }
      case "ephemeral": {
        const creates = head.creates!;
        if (err === ErrorCode.sessionExpired) {
          for (const c of creates) c.outcome = "failed";
          return;
        }
        if (err !== ErrorCode.ok) {
          this.host.fail(`${this.name}: ephemeral create answered ${err}`);
          return;
        }
        if (header.zxid <= this.lastWriteZxid) {
          this.host.fail(`${this.name}: write zxid ${header.zxid} not above ${this.lastWriteZxid}`);
          return;
        }
        this.lastWriteZxid = header.zxid;
        for (const c of creates) {
          c.outcome = "ok";
          c.completeMs = now;
        }
        this.acked++;
        return;
      }
      case "close": {
        if (err !== ErrorCode.ok) {
          this.host.fail(`${this.name}: closeSession answered ${err}`);
          return;
        }
        const s = this.host.history.sessions.get(this.sessionId);
        if (s !== undefined) s.fate = "closed";
        this.host.trace(`${this.name} closed session ${this.sessionId}`);
        this.sessionId = 0;
        return;
      }
    }
  }

  private connected(res: { timeOut: number; sessionId: bigint; passwd: Uint8Array }): void {
    const now = this.host.timeline.nowMs;
    if (res.timeOut === 0) {
      const awayMs = Math.max(this.awayMaxMs, now - this.awaySinceMs);
      if (
        this.setup.strictExpiry &&
        !this.closeUncertain &&
        awayMs < this.setup.sessionTimeoutMs / 2
      ) {
        this.host.fail(
          `${this.name}: session ${this.sessionId} refused as expired, though its client was never away more than ${awayMs}ms (timeout ${this.setup.sessionTimeoutMs}ms)`,
        );
        return;
      }
      const s = this.host.history.sessions.get(this.sessionId);
      if (s !== undefined && s.fate === "unknown") s.fate = "expired";
      this.host.trace(`${this.name} session ${this.sessionId} expired`);
      this.sessionId = 0;
      return;
    }
    const id = Number(res.sessionId);
    if (this.sessionId === 0) {
      this.sessionId = id;
      this.password = res.passwd.slice();
      this.awayMaxMs = 0;
      this.closeUncertain = false;
      this.host.history.sessions.set(id, {
        sessionId: id,
        client: this.setup.number,
        fate: "unknown",
      });
    } else if (id !== this.sessionId) {
      this.host.fail(`${this.name}: resumed session ${this.sessionId} answered as ${id}`);
      return;
    } else {
      this.awayMaxMs = Math.max(this.awayMaxMs, now - this.awaySinceMs);
    }
    this.awaySinceMs = -1;
    this.host.trace(`${this.name} session ${id} on #${this.link!.id} (m${this.member})`);
    this.phase = Phase.ready;
  }

  ended(link: SimClientLink, end: LinkEnd): void {
    if (link !== this.link) return;
    this.host.trace(`${this.name} #${link.id} ended: ${end.reason}`);
    this.lost();
  }

  /** The connection is gone: reads had no effect; writes become indeterminate. */
  private lost(): void {
    for (const o of this.outstanding) {
      if (o.kind === "read" && o.op !== null) o.op.outcome = "failed";
      if (o.kind === "close") this.closeUncertain = true;
    }
    if (this.phase === Phase.ready) this.awaySinceMs = this.host.timeline.nowMs;
    this.outstanding.length = 0;
    this.link = null;
    this.watchLog = null;
    this.phase = Phase.disconnected;
    this.closing = false;
    this.finalPending = false;
    this.nextConnectMs = Math.max(
      this.nextConnectMs,
      this.host.timeline.nowMs + 5 + this.random.below(100),
    );
  }
}
