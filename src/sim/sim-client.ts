// A simulated ZooKeeper client of the member simulator. It opens a session, resumes it after
// every lost connection (session id and password from its ConnectResponse), pipelines random
// operations on its own subtree, pings when idle, now and then closes its session gracefully
// or drops its connection abruptly, and checks every reply as it arrives:
//
// - replies come back in request order (FIFO per session), xid for xid;
// - reply zxids never go backwards, and a write's zxid is above every earlier write's;
// - each reply is the one the model predicts from this client's acknowledged history.
//
// An operation sent but not answered when its connection is lost is uncertain: it may or may
// not have been applied. Such operations are kept in order; since a session's writes reach
// the log in request order and the durable log is a prefix, what was applied is a prefix of
// them. resolve() decides which prefix by comparing the member's real subtree with each
// candidate, at a restart (the member holds exactly what was durable) or, after an abrupt
// drop without a crash, once a sync sent on the resumed session has returned (every write the
// old connection delivered has then been applied). Until resolved, the client sends no writes.
//
// A client may also go silent (drop its connection and stay away) for longer than its
// session timeout: the session may then expire, which closes it after whatever of its writes
// was applied, so resolve() tries each prefix with and without that expiry. A client that
// comes back long after its timeout, with the member serving throughout, must find its
// session expired.
import { encodeConnectRequest, readConnectResponse } from "../protocol/connect-codec.js";
import { ErrorCode, OpCode, Xid } from "../protocol/constants.js";
import { Reader } from "../protocol/reader.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readReplyHeader } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { DataTree } from "../tree/data-tree.js";
import { describeOp, encodeOp, outcomeOf, randomOp } from "./client-ops.js";
import type { Prng } from "./prng.js";
import type { LinkClient, LinkEnd, SimClientLink } from "./sim-client-link.js";
import { isWrite, type ModelOp, SubtreeModel, viewOfTree } from "./subtree-model.js";
import type { Owner, Timeline } from "./timeline.js";
import { Expiry, Uncertainty } from "./uncertainty.js";

/** What the simulator provides to its clients. */
export interface ClientHost {
  readonly timeline: Timeline;
  readonly wire: Owner;
  /** A new connection to the serving member, or null while none is serving. */
  connect(client: SimClient): SimClientLink | null;
  /** The tree and sessions of the member behind `link` while it is alive. */
  live(link: SimClientLink): { tree: DataTree; sessionOpen: (id: number) => boolean } | null;
  /** Counts the member's incarnations: a restart gives every session a fresh timeout. */
  readonly incarnation: number;
  /** Records a write acknowledged at `zxid` (zxids must be unique across all clients). */
  writeAcked(zxid: number): void;
  trace(line: string): void;
  fail(message: string): void;
}

export interface ClientSetup {
  number: number;
  /** Requests in flight at most. */
  pipelineMax: number;
  /** Longest pause between two actions. */
  thinkMsMax: number;
  sessionTimeoutMs: number;
  /** Per action, in thousandths: close the session; drop the connection; go silent. */
  closePerMille: number;
  dropPerMille: number;
  silencePerMille: number;
}

interface Outstanding {
  xid: number;
  /** null for a ping or the sync that resolves uncertain operations. */
  op: ModelOp | null;
  sessionId: number;
}

const Phase = { disconnected: 0, handshaking: 1, ready: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class SimClient implements LinkClient {
  readonly model: SubtreeModel;
  /** Every session this client was given, in order. */
  readonly knownSessions: number[] = [];
  link: SimClientLink | null = null;
  /** Set at the end of the fault phase: finish what is in flight, send nothing new. */
  draining = false;
  stopped = false;
  acked = 0;
  private phase: Phase = Phase.disconnected;
  private sessionId = 0;
  private password: Uint8Array = new Uint8Array(16);
  private readonly outstanding: Outstanding[] = [];
  private readonly uncertain = new Uncertainty();
  /** A sync must return (and uncertain operations be resolved) before the next write. */
  private barrier = false;
  private closing = false;
  private closeAcked = false;
  /** When the silence began, and in which incarnation of the member. */
  private silentSinceMs = 0;
  private silentIncarnation = 0;
  /** The member refused the resume as expired: its close of the connection is expected. */
  private refusedExpired = false;
  private nextXid = 1;
  private lastZxidSeen = 0;
  private lastWriteZxid = 0;
  private lastSentMs = 0;
  private nextConnectMs = 0;
  private opCount = 0;
  private readonly writer = new Writer(4096);
  private readonly reader = new Reader();

  constructor(
    private readonly host: ClientHost,
    readonly setup: ClientSetup,
    private readonly random: Prng,
  ) {
    this.model = new SubtreeModel(`/c${setup.number}`);
  }

  get name(): string {
    return `c${this.setup.number}`;
  }

  /** Connected with a session, nothing in flight, nothing uncertain. */
  get idle(): boolean {
    return (
      this.phase === Phase.ready &&
      this.outstanding.length === 0 &&
      this.uncertain.settled &&
      !this.closing
    );
  }

  start(): void {
    this.host.timeline.at(this.random.below(20), this.host.wire, this.act);
  }

  /** One step of the client's own loop: connect, send, ping; then sleep a little. */
  private readonly act = (): void => {
    if (this.stopped) return;
    const now = this.host.timeline.nowMs;
    if (this.phase === Phase.disconnected && now >= this.nextConnectMs) this.connect();
    if (this.phase === Phase.ready) this.maybeSend(now);
    this.host.timeline.at(1 + this.random.below(this.setup.thinkMsMax), this.host.wire, this.act);
  };

  private connect(): void {
    const link = this.host.connect(this);
    if (link === null) {
      this.nextConnectMs = this.host.timeline.nowMs + 20 + this.random.below(150);
      return;
    }
    this.link = link;
    this.phase = Phase.handshaking;
    this.closeAcked = false;
    this.host.trace(`${this.name} connect #${link.id} session ${this.sessionId}`);
    link.clientSend(
      encodeConnectRequest(this.writer, {
        protocolVersion: 0,
        lastZxidSeen: this.lastZxidSeen,
        timeOut: this.setup.sessionTimeoutMs,
        sessionId: BigInt(this.sessionId),
        passwd: this.password,
        readOnly: false,
      }),
    );
    // Real clients pipeline requests right behind the ConnectRequest; for a new session the
    // member holds them until the session exists (handshake.hold).
    if (this.uncertain.settled && !this.draining && this.random.below(3) === 0) {
      const count = 1 + this.random.below(this.setup.pipelineMax);
      for (let i = 0; i < count; i++) {
        this.send(randomOp(this.model, this.random, `${this.name}.${++this.opCount}`));
      }
    }
  }

  private maybeSend(now: number): void {
    if (this.closing || this.barrier) return;
    if (!this.draining && this.outstanding.length < this.setup.pipelineMax) {
      const r = this.random.below(1000);
      if (r < this.setup.closePerMille) {
        this.send({ kind: "closeSession" });
        return;
      }
      if (r < this.setup.closePerMille + this.setup.dropPerMille) {
        this.drop();
        return;
      }
      if (r < this.setup.closePerMille + this.setup.dropPerMille + this.setup.silencePerMille) {
        this.goSilent();
        return;
      }
      this.send(randomOp(this.model, this.random, `${this.name}.${++this.opCount}`));
      return;
    }
    // An idle session is kept alive as real clients do, at a third of its timeout.
    if (now - this.lastSentMs > this.setup.sessionTimeoutMs / 3)
      this.request(Xid.ping, null, OpCode.ping);
  }

  private send(op: ModelOp): void {
    if (op.kind === "closeSession") this.closing = true;
    const xid = this.nextXid++;
    this.outstanding.push({ xid, op, sessionId: this.sessionId });
    this.lastSentMs = this.host.timeline.nowMs;
    this.host.trace(`${this.name} x${xid} sends ${describeOp(op)}`);
    this.link!.clientSend(encodeOp(this.writer, xid, op));
  }

  /** A ping or a sync: checked for order and zxid, not against the model. */
  private request(xid: number, path: string | null, opcode: number): void {
    this.outstanding.push({ xid, op: null, sessionId: this.sessionId });
    this.lastSentMs = this.host.timeline.nowMs;
    const frame =
      opcode === OpCode.sync
        ? encodeRequest(this.writer, xid, OpCode.sync, { path: path! })
        : encodeRequest(this.writer, xid, OpCode.ping, null);
    this.link!.clientSend(frame);
  }

  /** Drops the connection without closing the session; it is resumed shortly. */
  private drop(): void {
    this.host.trace(`${this.name} drops #${this.link!.id}`);
    this.link!.clientClose();
    this.lost();
  }

  /** Drops the connection and stays away long enough that the session may expire. */
  private goSilent(): void {
    this.drop();
    const timeout = this.setup.sessionTimeoutMs;
    this.nextConnectMs = this.host.timeline.nowMs + this.random.between(timeout / 2, 3 * timeout);
    this.uncertain.expiry = Expiry.maybe;
    this.uncertain.expirySession = this.sessionId;
    this.silentSinceMs = this.host.timeline.nowMs;
    this.silentIncarnation = this.host.incarnation;
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
    if (header.xid === Xid.notification) return;
    const head = this.outstanding.shift();
    if (head === undefined || head.xid !== header.xid) {
      this.host.fail(
        `${this.name}: reply xid ${header.xid}, expected ${head?.xid ?? "none"} (FIFO)`,
      );
      return;
    }
    if (header.zxid < this.lastZxidSeen) {
      this.host.fail(
        `${this.name}: reply zxid ${header.zxid} below ${this.lastZxidSeen} seen before`,
      );
      return;
    }
    this.lastZxidSeen = header.zxid;
    if (head.op === null) {
      if (header.err !== ErrorCode.ok) {
        this.host.fail(`${this.name}: ping/sync answered ${header.err}`);
        return;
      }
      if (header.xid !== Xid.ping) this.barrierPassed(link);
      return;
    }
    const actual = outcomeOf(head.op, header, r);
    const expected = this.model.apply(head.op, head.sessionId);
    this.acked++;
    this.host.trace(
      `${this.name} x${header.xid} z${header.zxid} ${describeOp(head.op)} -> ${actual}`,
    );
    if (actual !== expected) {
      this.host.fail(
        `${this.name}: ${describeOp(head.op)} (xid ${header.xid}, zxid ${header.zxid}) got "${actual}", model says "${expected}"`,
      );
      return;
    }
    if (isWrite(head.op)) {
      if (header.zxid <= this.lastWriteZxid) {
        this.host.fail(`${this.name}: write zxid ${header.zxid} not above ${this.lastWriteZxid}`);
        return;
      }
      this.lastWriteZxid = header.zxid;
      this.host.writeAcked(header.zxid);
    }
    if (head.op.kind === "closeSession") this.closeAcked = true;
  }

  private connected(res: { timeOut: number; sessionId: bigint; passwd: Uint8Array }): void {
    if (res.timeOut === 0) {
      if (
        this.uncertain.expiry === Expiry.none ||
        this.uncertain.expirySession !== this.sessionId
      ) {
        this.host.fail(
          `${this.name}: session ${this.sessionId} refused as expired, though it never went silent`,
        );
        return;
      }
      // Its close was proposed; a new session's sync will see it applied.
      this.host.trace(`${this.name} session ${this.sessionId} expired`);
      this.uncertain.expiry = Expiry.certain;
      this.sessionId = 0;
      this.refusedExpired = true;
      return;
    }
    const id = Number(res.sessionId);
    if (this.sessionId === 0) {
      this.sessionId = id;
      this.password = res.passwd.slice();
      this.knownSessions.push(id);
      this.model.sessions.add(id);
      // Requests pipelined behind the ConnectRequest run in the session it created.
      for (const o of this.outstanding) o.sessionId = id;
    } else if (id !== this.sessionId) {
      this.host.fail(`${this.name}: resumed session ${this.sessionId} answered as ${id}`);
      return;
    } else if (this.uncertain.expiry === Expiry.maybe) {
      const silentMs = this.host.timeline.nowMs - this.silentSinceMs;
      if (
        this.silentIncarnation === this.host.incarnation &&
        silentMs > 2 * this.setup.sessionTimeoutMs + 1000
      ) {
        this.host.fail(
          `${this.name}: session ${id} still open after ${silentMs}ms of silence (timeout ${this.setup.sessionTimeoutMs}ms)`,
        );
        return;
      }
      // Resumed: it did not expire, and from now on it is kept alive again.
      this.uncertain.expiry = Expiry.none;
    }
    this.host.trace(`${this.name} session ${id} on #${this.link!.id}`);
    this.phase = Phase.ready;
    if (!this.uncertain.settled) {
      this.barrier = true;
      this.request(this.nextXid++, this.model.root, OpCode.sync);
    }
  }

  private barrierPassed(link: SimClientLink): void {
    const live = this.host.live(link);
    // If the member died meanwhile, its restart resolves what is uncertain instead.
    if (live !== null) this.resolve(live.tree, live.sessionOpen);
  }

  ended(link: SimClientLink, end: LinkEnd): void {
    if (link !== this.link) return;
    const expected =
      !end.byMember ||
      end.memberReadOnly ||
      this.refusedExpired ||
      (this.closeAcked && this.outstanding.length === 0);
    this.refusedExpired = false;
    if (!expected) {
      this.host.fail(`${this.name}: member closed #${link.id} unexpectedly: ${end.reason}`);
      return;
    }
    this.host.trace(`${this.name} #${link.id} ended: ${end.reason}`);
    if (this.closeAcked) {
      this.sessionId = 0;
      this.closing = false;
      this.closeAcked = false;
    }
    this.lost();
  }

  /** The connection is gone: what was not answered becomes uncertain. */
  private lost(): void {
    for (const o of this.outstanding) {
      if (o.op !== null && isWrite(o.op)) this.uncertain.add(o.op, o.sessionId);
    }
    this.outstanding.length = 0;
    this.link = null;
    this.phase = Phase.disconnected;
    this.barrier = false;
    // A closeSession not answered is uncertain like any write; resolve() says whether it
    // was applied, and until then the session is resumed.
    this.closing = false;
    this.nextConnectMs = Math.max(
      this.nextConnectMs,
      this.host.timeline.nowMs + 5 + this.random.below(100),
    );
  }

  /**
   * Compares the member's real subtree and this client's sessions with what the model
   * allows (uncertainty.ts); adopts the match, fails if there is none.
   */
  resolve(tree: DataTree, sessionOpen: (id: number) => boolean): void {
    const real = viewOfTree(tree, sessionOpen, this.model.root, this.knownSessions);
    const writes = this.uncertain.writes;
    const r = this.uncertain.resolve(this.model, this.knownSessions, real);
    if (typeof r === "string") {
      this.host.fail(
        `${this.name}: the member's subtree matches no outcome of its ${r}\n${diff(this.model.view(this.knownSessions), real)}`,
      );
      return;
    }
    if (writes > 0 || r.expired) {
      this.host.trace(
        `${this.name} resolved: ${r.applied} of ${writes} uncertain applied${r.expired ? ", session expired" : ""}`,
      );
    }
    this.model.adopt(r.model);
    this.barrier = false;
    if (this.sessionId !== 0 && !this.model.sessions.has(this.sessionId)) {
      // Its closeSession was applied though the reply was lost.
      this.sessionId = 0;
      this.closing = false;
    }
  }
}

/** The lines only in the model (-) and only in the member (+). */
function diff(model: string, real: string): string {
  const a = new Set(model.split("\n"));
  const b = new Set(real.split("\n"));
  const out: string[] = [];
  for (const line of a) if (!b.has(line)) out.push(`    - ${line}`);
  for (const line of b) if (!a.has(line)) out.push(`    + ${line}`);
  return `  model (-) vs member (+), acknowledged history only:\n${out.join("\n")}`;
}
