// The ZooKeeper client: one session over one TCP (or TLS) connection at a time, moved from
// server to server of the connect string as connections fail, like the Java client's
// ClientCnxn (zookeeper-protocol.md §3, §4, §14).
//
// Life of a connection:
//   connect -> ConnectRequest (lastZxidSeen, timeout, session id + password when resuming,
//   readOnly byte) -> ConnectResponse: timeOut <= 0 means the session expired; otherwise the
//   negotiated timeout sets the timers -> every stored auth credential (xid -4) -> setWatches
//   or setWatches2 (xid -8) re-registering every watch with lastZxidSeen, so the server sends
//   the events missed while away -> the requests queued while disconnected, in order.
//
// Timers (one interval per client, not one per request): a ping when nothing was sent for
// 1/3 of the negotiated timeout; the connection is declared dead after 2/3 of it without a
// byte from the server; request deadlines are checked on the same tick.
//
// Replies are matched to requests by order: the server answers a connection's requests in
// the order sent, so the reply at hand belongs to the oldest pending request, and a
// different xid means the stream is corrupt and the connection is dropped (as Java does).
// Pings (-2), auth (-4), setWatches (-8) and notifications (-1) are outside that queue.
//
// Outcomes for the caller: a request in flight when the connection drops fails with
// ConnectionLossError (it may or may not have been applied); requests issued while
// disconnected wait in a queue and are sent after the reconnect; on session expiry every
// waiting request fails with SessionExpiredError and every watch receives one event with
// state Expired. With `renewSessionOnExpiry` (the default) the client then starts a new
// session, like kazoo; otherwise it closes, like the Java client.

import { Buffer } from "node:buffer";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { packetBytesMaxDefault, sessionPasswordBytes } from "../base/limits.js";
import { encodeConnectRequest, readConnectResponse } from "../protocol/connect-codec.js";
import { ErrorCode, EventType, KeeperState, OpCode, Xid } from "../protocol/constants.js";
import { readWatcherEvent } from "../protocol/data-records.js";
import { DecodeError } from "../protocol/decode-error.js";
import { juteLengthMax, Reader } from "../protocol/reader.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readResponseBody } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import { type ClientEvents, nextConnection } from "./client-events.js";
import { type HostAddress, parseConnectString } from "./connect-string.js";
import { type Credential, Credentials } from "./credentials.js";
import {
  BadArgumentsError,
  ClientClosedError,
  ConnectionLossError,
  errorForCode,
  OperationTimeoutError,
  SessionExpiredError,
  type ZooKeeperError,
} from "./errors.js";
import { type FrameSink, FrameSplitter } from "./frame-splitter.js";
import { HostList } from "./host-list.js";
import { ClientOperations, type RemoveWatchesExtra } from "./operations.js";
import { clientPathOf } from "./paths.js";
import { shapeReply } from "./replies.js";
import { Fifo, Request } from "./request.js";
import { DigestMd5Client } from "./sasl-digest-client.js";
import { setWatchesRequests } from "./set-watches.js";
import type { CallOptions, ClientOptions, ConnectionState } from "./types.js";
import { deliver } from "./watch-registry.js";

const xidMax = 0x7fffffff;
const zeroPassword = new Uint8Array(sessionPasswordBytes);

/** Internal connection phases (ConnectionState is the public, event-level view). */
const Phase = {
  idle: 0,
  connecting: 1,
  handshaking: 2,
  open: 3,
  closed: 4,
  /** Session open, SASL exchange running; requests wait in `outgoing`. */
  authenticating: 5,
} as const;

export class ZooKeeperClient extends ClientOperations {
  private readonly hostList: HostList;
  /** The server of the current connection or connection attempt. */
  private host: HostAddress | null = null;
  private readonly options: Required<
    Pick<
      ClientOptions,
      "sessionTimeoutMs" | "requestTimeoutMs" | "canBeReadOnly" | "renewSessionOnExpiry" | "random"
    >
  > &
    ClientOptions;

  private phase: number = Phase.idle;
  private sasl: DigestMd5Client | null = null;
  private saslXid = 0;
  private saslResume: { readOnly: boolean; sameSession: boolean } | null = null;
  private publicState: ConnectionState = "connecting";
  private socket: Socket | null = null;
  private readonly splitter: FrameSplitter;
  private readonly reader: Reader;
  private readonly writer = new Writer(4096);
  private readonly pending = new Fifo<Request>();
  private readonly outgoing = new Fifo<Request>();
  private readonly credentials = new Credentials();
  private xid = 1;
  private timedRequests = 0;
  private corked = false;

  private sessionIdValue = 0n;
  private password: Uint8Array = zeroPassword;
  private negotiatedTimeoutMs = 0;
  private seenRwServerBefore = false;
  private everConnected = false;
  private lastZxid = 0;
  private attemptsSinceConnected = 0;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  private connectStartedMs = 0;
  private disconnectedAtMs = 0;
  private lostEmitted = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closePromise: Promise<void> | null = null;
  private closeReply: Request | null = null;
  /** setWatches frames sent on this connection and not yet answered. */
  private setWatchesPending = 0;
  /** The state to report once the pending setWatches are answered. */
  private deferredState: ConnectionState | null = null;
  private readonly uncorkBound = (): void => this.uncork();
  private readonly onTickBound = (): void => this.tick();

  constructor(connectString: string, options: ClientOptions = {}) {
    const parsed = parseConnectString(connectString);
    super(parsed.chroot);
    const random = options.random ?? Math.random;
    this.hostList = new HostList(parsed.hosts, random, options.shuffleHosts !== false);
    this.options = {
      ...options,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 0,
      canBeReadOnly: options.canBeReadOnly ?? false,
      renewSessionOnExpiry: options.renewSessionOnExpiry ?? true,
      random,
    };
    const packetMax = options.packetBytesMax ?? packetBytesMaxDefault;
    this.reader = new Reader(juteLengthMax(packetMax));
    // A reply may exceed jute.maxbuffer by the size of its headers; leave generous room.
    const sink: FrameSink = {
      frame: (bytes, start, end) => this.onFrame(bytes, start, end),
      badLength: (length) => this.onBadLength(length),
    };
    this.splitter = new FrameSplitter(sink, packetMax + 64 * 1024);
    if (options.session !== undefined) {
      this.sessionIdValue = options.session.id;
      this.password = new Uint8Array(options.session.password);
      this.seenRwServerBefore = true;
    }
    for (const a of options.auth ?? []) this.credentials.add(a.scheme, a.auth, null);
    this.tickTimer = setInterval(this.onTickBound, 100);
    this.connectNext();
  }

  /** Creates a client and waits until its first session is established. */
  static async connect(
    connectString: string,
    options: ClientOptions & { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ZooKeeperClient> {
    const client = new ZooKeeperClient(connectString, options);
    try {
      await client.waitConnected({
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? options.sessionTimeoutMs ?? 30_000,
      });
      return client;
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  // ---- public state -------------------------------------------------------------------

  get state(): ConnectionState {
    return this.publicState;
  }

  /** True while a connection to a server is established (read-write or read-only). */
  get connected(): boolean {
    return this.phase === Phase.open;
  }

  get closed(): boolean {
    return this.phase === Phase.closed;
  }

  /** The session id (0n before the first session). */
  get sessionId(): bigint {
    return this.sessionIdValue;
  }

  /** The session id as ZooKeeper prints it ("0x" + unsigned hex). */
  get sessionIdHex(): string {
    return `0x${BigInt.asUintN(64, this.sessionIdValue).toString(16)}`;
  }

  /**
   * The session id as a Stat's ephemeralOwner reads it (a number, rounded beyond 2^53 the
   * same way the protocol layer rounds ephemeralOwner).
   */
  get sessionOwner(): number {
    return Number(BigInt.asIntN(64, this.sessionIdValue));
  }

  get sessionPassword(): Uint8Array {
    return new Uint8Array(this.password);
  }

  get sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs;
  }

  /** The highest zxid seen in any reply. */
  get lastZxidSeen(): number {
    return this.lastZxid;
  }

  /** The servers this client connects to, in the order it tries them. */
  get hosts(): readonly HostAddress[] {
    return this.hostList.hosts;
  }

  /** The server currently connected to, or undefined. */
  get currentHost(): HostAddress | undefined {
    if (this.phase !== Phase.open) return undefined;
    return this.host ?? undefined;
  }

  /** Resolves once connected (connected, reconnected or readOnly). */
  waitConnected(options: CallOptions = {}): Promise<void> {
    if (this.phase === Phase.open) return Promise.resolve();
    if (this.phase === Phase.closed) return Promise.reject(new ClientClosedError());
    return nextConnection(this, options);
  }

  // ---- calls on the session itself ---------------------------------------------------

  /**
   * Replaces the servers this client connects to, for an ensemble whose membership changed
   * (Java's ZooKeeper.updateServerList; recipes/ensemble-tracker.ts calls it from
   * /zookeeper/config). The session stays: when the client must change servers to keep the
   * load even (host-list.ts has the rule), it drops its connection and resumes the session on
   * a server of the new list, as after any connection loss (calls in flight fail with
   * ConnectionLossError, watches are re-registered). Returns whether it moves.
   *
   * The connect string's chroot, if it has one, must be this client's own: paths cannot
   * change meaning under a live session (Java ignores the chroot here; we refuse a different
   * one with BadArgumentsError rather than drop it silently).
   */
  updateServerList(connectString: string): boolean {
    if (this.phase === Phase.closed || this.closePromise !== null) throw new ClientClosedError();
    const parsed = parseConnectString(connectString);
    if (parsed.chroot !== "" && parsed.chroot !== this.chroot) {
      throw new BadArgumentsError(
        undefined,
        `the new connect string's chroot ${parsed.chroot} is not this client's (${this.chroot || "none"})`,
      );
    }
    // As Java: the server counts as current once the TCP connection stands, handshake or not.
    const tcpUp =
      this.phase === Phase.handshaking ||
      this.phase === Phase.authenticating ||
      this.phase === Phase.open;
    const move = this.hostList.update(parsed.hosts, tcpUp ? (this.host ?? undefined) : undefined);
    const socket = this.socket;
    if (move && socket !== null) {
      // Disconnected from now on, not when the socket's "close" event comes: a call made
      // right after this one waits for the new server instead of going to the old one.
      socket.destroy();
      this.onSocketClosed(socket);
    }
    return move;
  }

  /**
   * Adds a credential to the connection (e.g. "digest", "user:password"); it is sent again
   * after every reconnect. Resolves when the server accepts it; AuthFailedError if refused.
   */
  addAuth(scheme: string, auth: string | Uint8Array): Promise<void> {
    if (this.phase === Phase.closed) return Promise.reject(new ClientClosedError());
    return new Promise((resolve, reject) => {
      const credential = this.credentials.add(scheme, auth, { resolve, reject });
      if (this.phase === Phase.open) this.sendAuth(credential);
    });
  }

  /**
   * Ends the session (closeSession) and the connection. Queued requests fail with
   * ClientClosedError; watches receive a Closed event. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closePromise !== null) return this.closePromise;
    this.closePromise = this.doClose();
    return this.closePromise;
  }

  protected override get closing(): boolean {
    return this.closePromise !== null;
  }

  private async doClose(): Promise<void> {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const closedError = new ClientClosedError();
    for (const r of this.outgoing.drain()) this.failRequest(r, closedError);
    if (this.phase === Phase.open && this.socket !== null) {
      const req = new Request(this, OpCode.closeSession, null, "");
      this.closeReply = req;
      const done = new Promise<void>((resolve) => {
        req.resolve = () => resolve();
        req.reject = () => resolve();
      });
      this.send(req);
      const timer = setTimeout(() => this.failRequest(req, closedError), 2000);
      await done;
      clearTimeout(timer);
    }
    this.phase = Phase.closed;
    if (this.tickTimer !== null) {
      clearInterval(this.tickTimer);
      this.tickTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    for (const r of this.pending.drain()) this.failRequest(r, closedError);
    this.credentials.close(closedError);
    this.endWatches(KeeperState.closed);
    this.setState("closed");
  }

  // ---- request plumbing ----------------------------------------------------------------

  protected override enqueue(req: Request, options: CallOptions): Promise<unknown> {
    if (this.phase === Phase.closed || this.closePromise !== null) {
      return Promise.reject(new ClientClosedError(req.path || undefined));
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const promise = new Promise((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
    const timeout = options.timeoutMs ?? this.options.requestTimeoutMs;
    if (timeout > 0) {
      req.deadlineMs = performance.now() + timeout;
      this.timedRequests++;
    }
    if (signal !== undefined) {
      req.signal = signal;
      signal.addEventListener("abort", req);
    }
    if (this.phase === Phase.open && this.outgoing.length === 0) this.send(req);
    else this.outgoing.push(req);
    return promise;
  }

  private nextXid(): number {
    const x = this.xid;
    this.xid = x >= xidMax ? 1 : x + 1;
    return x;
  }

  private send(req: Request): void {
    req.xid = this.nextXid();
    this.pending.push(req);
    this.write(encodeRequest(this.writer, req.xid, req.opcode, req.body as never));
    // The body is no longer needed once encoded; drop it so large data can be collected.
    req.body = null;
  }

  private write(frame: Buffer): void {
    const socket = this.socket;
    if (socket === null) return;
    if (!this.corked) {
      // Writes of one tick go out in one syscall; the socket copies nothing until uncork.
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncorkBound);
    }
    socket.write(Buffer.from(frame));
    this.lastSentMs = performance.now();
  }

  private uncork(): void {
    this.corked = false;
    this.socket?.uncork();
  }

  /** AbortSignal fired for `req` (called through Request.handleEvent). */
  override abortRequest(req: Request): void {
    // One not yet sent simply disappears; one already sent keeps its place among those
    // awaiting replies (replies come in order), and its reply is dropped as it is settled.
    this.outgoing.remove(req);
    this.failRequest(req, req.signal?.reason);
  }

  private failRequest(req: Request, error: unknown): void {
    if (!req.settle()) return;
    if (req.deadlineMs !== 0) this.timedRequests--;
    req.reject(error);
  }

  private succeed(req: Request, value: unknown): void {
    if (!req.settle()) return;
    if (req.deadlineMs !== 0) this.timedRequests--;
    req.resolve(value);
  }

  // ---- connection management -----------------------------------------------------------

  private connectNext(): void {
    if (this.phase === Phase.closed || this.closePromise !== null) return;
    const host = this.hostList.next();
    this.host = host;
    this.attemptsSinceConnected++;
    this.phase = Phase.connecting;
    this.connectStartedMs = performance.now();
    this.splitter.reset();
    const tlsOption = this.options.tls;
    let socket: Socket;
    if (tlsOption !== undefined && tlsOption !== false) {
      const extra = tlsOption === true ? {} : tlsOption;
      socket = tlsConnect({ host: host.host, port: host.port, ...extra });
      socket.once("secureConnect", () => this.onSocketConnected(socket));
    } else {
      socket = netConnect({ host: host.host, port: host.port });
      socket.once("connect", () => this.onSocketConnected(socket));
    }
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) {
        this.lastReceivedMs = performance.now();
        this.splitter.push(chunk);
      }
    });
    socket.on("error", () => {
      // "close" follows every error; the reason does not change what we do.
    });
    socket.once("close", () => this.onSocketClosed(socket));
  }

  private onSocketConnected(socket: Socket): void {
    if (this.socket !== socket) return;
    this.phase = Phase.handshaking;
    const resume = this.seenRwServerBefore && this.sessionIdValue !== 0n;
    const frame = encodeConnectRequest(this.writer, {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxid,
      timeOut: this.options.sessionTimeoutMs,
      sessionId: resume ? this.sessionIdValue : 0n,
      passwd: resume ? this.password : zeroPassword,
      readOnly: this.options.canBeReadOnly,
    });
    socket.write(Buffer.from(frame));
    this.lastSentMs = performance.now();
    this.lastReceivedMs = this.lastSentMs;
  }

  /** Drops the current connection (the session lives on); reconnect follows via "close". */
  private dropConnection(_reason: string): void {
    this.socket?.destroy();
  }

  private onSocketClosed(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.corked = false;
    // A connection whose (re)connect was not reported yet was never "up" for the user.
    const wasOpen = this.phase === Phase.open && this.deferredState === null;
    this.setWatchesPending = 0;
    this.deferredState = null;
    if (this.phase === Phase.closed) return;
    this.phase = Phase.idle;
    const loss = new ConnectionLossError();
    for (const r of this.pending.drain()) {
      if (r === this.closeReply) r.resolve(undefined);
      else this.failRequest(r, loss);
    }
    this.credentials.connectionLost();
    if (this.closePromise !== null) return;
    if (wasOpen) {
      this.disconnectedAtMs = performance.now();
      this.lostEmitted = false;
      this.setState("suspended");
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null || this.closePromise !== null) return;
    // Every host once without delay; then a jittered pause of up to a second per attempt,
    // as the Java client does, so a dead ensemble is not hammered.
    const cycle = this.attemptsSinceConnected >= this.hostList.size;
    const delay = cycle ? Math.floor(200 + 800 * this.options.random()) : 0;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connectNext();
    }, delay);
  }

  private tick(): void {
    const now = performance.now();
    if (this.phase === Phase.open) {
      const readTimeout = (this.negotiatedTimeoutMs * 2) / 3;
      if (now - this.lastReceivedMs > readTimeout) {
        this.dropConnection("no reply from the server within 2/3 of the session timeout");
      } else if (now - this.lastSentMs >= readTimeout / 2) {
        this.sendPing();
      }
    } else if (
      this.phase === Phase.connecting ||
      this.phase === Phase.handshaking ||
      this.phase === Phase.authenticating
    ) {
      const connectTimeout =
        this.options.connectTimeoutMs ??
        Math.max(1000, Math.floor(this.options.sessionTimeoutMs / this.hostList.size));
      if (now - this.connectStartedMs > connectTimeout) this.dropConnection("connect timeout");
    }
    if (
      !this.lostEmitted &&
      this.disconnectedAtMs !== 0 &&
      this.phase !== Phase.open &&
      this.negotiatedTimeoutMs > 0 &&
      now - this.disconnectedAtMs >= this.negotiatedTimeoutMs
    ) {
      // Disconnected for a whole session timeout: the server has expired the session or is
      // about to. Curator calls this LOST; recipes must give up what the session held.
      this.lostEmitted = true;
      this.setState("lost");
    }
    if (this.timedRequests > 0) this.expireRequests(now);
  }

  private expireRequests(now: number): void {
    const expired: Request[] = [];
    const check = (r: Request): void => {
      if (!r.settled && r.deadlineMs !== 0 && r.deadlineMs <= now) expired.push(r);
    };
    this.pending.forEach(check);
    this.outgoing.forEach(check);
    for (const r of expired) {
      this.outgoing.remove(r);
      this.failRequest(r, new OperationTimeoutError(r.path || undefined));
    }
  }

  private sendPing(): void {
    this.writer.beginFrame();
    this.writer.int(Xid.ping);
    this.writer.int(OpCode.ping);
    this.write(this.writer.finishFrame());
  }

  // ---- receive path --------------------------------------------------------------------

  private onBadLength(length: number): void {
    this.emitError(new Error(`server sent a frame of bad length ${length}`));
    this.dropConnection("bad frame length");
  }

  private onFrame(bytes: Buffer, start: number, end: number): boolean {
    const socket = this.socket;
    try {
      const r = this.reader.reset(bytes, start, end);
      if (this.phase === Phase.handshaking) this.onConnectResponse(r);
      else if (this.phase === Phase.authenticating) this.onSaslReply(r);
      else this.onReply(r);
    } catch (e) {
      if (e instanceof DecodeError) {
        this.emitError(e);
        this.dropConnection("undecodable reply");
        return false;
      }
      throw e;
    }
    return this.socket === socket && socket !== null;
  }

  private onConnectResponse(r: Reader): void {
    const res = readConnectResponse(r);
    if (res.timeOut <= 0) {
      this.onSessionExpired();
      return;
    }
    const sameSession = res.sessionId === this.sessionIdValue && this.everConnected;
    this.negotiatedTimeoutMs = res.timeOut;
    this.sessionIdValue = res.sessionId;
    this.password = new Uint8Array(res.passwd);
    this.phase = Phase.open;
    this.hostList.connected();
    this.attemptsSinceConnected = 0;
    this.disconnectedAtMs = 0;
    const readOnly = res.readOnly === true;
    if (!readOnly) this.seenRwServerBefore = true;
    this.everConnected = true;
    if (this.options.sasl !== undefined) {
      // SASL first: nothing else is sent until the server knows who we are, so no request
      // runs without the sasl id (the Java client does the same by holding its queue).
      this.phase = Phase.authenticating;
      this.sasl = new DigestMd5Client(this.options.sasl.username, this.options.sasl.password);
      this.saslResume = { readOnly, sameSession };
      this.sendSasl(this.sasl.initial());
      return;
    }
    this.finishOpen(readOnly, sameSession);
  }

  private finishOpen(readOnly: boolean, sameSession: boolean): void {
    this.phase = Phase.open;
    for (const credential of this.credentials.all) this.sendAuth(credential);
    this.sendSetWatches();
    while (this.outgoing.length > 0) {
      const req = this.outgoing.shift()!;
      if (!req.settled) this.send(req);
    }
    const state: ConnectionState = readOnly
      ? "readOnly"
      : sameSession
        ? "reconnected"
        : "connected";
    // Report the (re)connection once the server has the watches back, so that a write made
    // by anyone after the event cannot slip past a watch still in flight.
    if (this.setWatchesPending > 0) this.deferredState = state;
    else this.setState(state);
  }

  private sendSasl(token: Uint8Array): void {
    this.saslXid = this.nextXid();
    this.write(encodeRequest(this.writer, this.saslXid, OpCode.sasl, { token }));
  }

  /** A reply during the SASL exchange (server/sasl-auth.ts is the other side). */
  private onSaslReply(r: Reader): void {
    const xid = r.int();
    r.long();
    const err = r.int();
    if (xid === Xid.notification || xid === Xid.ping) return;
    const sasl = this.sasl;
    if (xid !== this.saslXid || sasl === null) {
      this.emitError(new Error(`reply xid ${xid} during SASL, expected ${this.saslXid}`));
      this.dropConnection("xid mismatch");
      return;
    }
    let answer: Uint8Array | null = null;
    let failure: Error | null = err === 0 ? null : errorForCode(err, "sasl");
    if (failure === null) {
      try {
        const token = readResponseBody(r, OpCode.sasl).token ?? new Uint8Array(0);
        answer = sasl.evaluate(token);
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
    }
    if (failure !== null) {
      // Like the Java client: authentication failure is final, the client stops.
      this.emitError(failure);
      this.setState("authFailed");
      void this.close();
      return;
    }
    if (answer !== null) {
      this.sendSasl(answer);
      return;
    }
    const resume = this.saslResume ?? { readOnly: false, sameSession: false };
    this.sasl = null;
    this.saslResume = null;
    this.finishOpen(resume.readOnly, resume.sameSession);
  }

  private onSessionExpired(): void {
    const expired = new SessionExpiredError();
    this.sessionIdValue = 0n;
    this.password = zeroPassword;
    this.seenRwServerBefore = false;
    this.everConnected = false;
    this.disconnectedAtMs = 0;
    for (const r of this.outgoing.drain()) this.failRequest(r, expired);
    for (const r of this.pending.drain()) this.failRequest(r, expired);
    this.endWatches(KeeperState.expired);
    this.setState("expired");
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.phase = Phase.idle;
    if (this.options.renewSessionOnExpiry) {
      this.setState("connecting");
      this.attemptsSinceConnected = 0;
      this.scheduleReconnect();
    } else {
      void this.close();
    }
  }

  private onReply(r: Reader): void {
    const xid = r.int();
    const zxid = r.long();
    const err = r.int();
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    switch (xid) {
      case Xid.ping:
        return;
      case Xid.notification:
        this.onNotification(r);
        return;
      case Xid.auth:
        // Refused: the waiter knows, the state says so, and the server closes the connection.
        if (!this.credentials.answer(err)) this.setState("authFailed");
        return;
      case Xid.setWatches:
        if (err !== 0) this.emitError(errorForCode(err, "setWatches"));
        if (--this.setWatchesPending === 0 && this.deferredState !== null) {
          const state = this.deferredState;
          this.deferredState = null;
          this.setState(state);
        }
        return;
    }
    const req = this.pending.shift();
    if (req === undefined || req.xid !== xid) {
      this.emitError(new Error(`reply xid ${xid} does not match request xid ${req?.xid}`));
      if (req !== undefined) this.failRequest(req, new ConnectionLossError(req.path || undefined));
      this.dropConnection("xid mismatch");
      return;
    }
    if (req === this.closeReply) {
      req.resolve(undefined);
      return;
    }
    if (req.settled) {
      // Aborted or timed out earlier; the reply still had to be consumed in order.
      return;
    }
    if (err !== 0) {
      if (err === ErrorCode.noNode && req.opcode === OpCode.exists) {
        if (req.watcher !== null) this.watches.add(this.watches.exist, req.path, req.watcher);
        this.succeed(req, null);
        return;
      }
      this.failRequest(req, errorForCode(err, req.path || undefined));
      return;
    }
    const body = readResponseBody(r, req.opcode as never);
    let value: unknown;
    try {
      value = shapeReply(req, body, this.chroot);
    } catch (e) {
      // A failed transaction: the header said OK, the results carry the error.
      this.failRequest(req, e);
      return;
    }
    this.updateLocalWatches(req);
    this.succeed(req, value);
  }

  /** What a successful reply does to the local watch tables: a watch set, or some removed. */
  private updateLocalWatches(req: Request): void {
    if (req.watcher !== null) {
      this.watches.register(req.watchTarget, req.path, req.watcher);
    } else if (req.opcode === OpCode.removeWatches || req.opcode === OpCode.checkWatches) {
      const extra = req.extra as RemoveWatchesExtra | undefined;
      if (extra !== undefined && !extra.serverOnly) {
        this.removeLocalWatches(req.path, extra.type, extra.watcher);
      }
    }
  }

  private onNotification(r: Reader): void {
    const event = readWatcherEvent(r);
    const config = this.watches.takeConfig(event.type, event.path);
    if (config !== null) {
      const told = { type: event.type, state: event.state, path: event.path };
      deliver(config, told, this.onWatcherError);
    }
    // Only getConfig's watch lies outside the chroot; nothing else is told of such a path.
    const path = clientPathOf(this.chroot, event.path);
    if (path === null) return;
    const watchers = this.watches.materialize(event.type, path);
    if (watchers.size === 0) return;
    deliver(watchers, { type: event.type, state: event.state, path }, this.onWatcherError);
  }

  private sendAuth(credential: Credential): void {
    this.credentials.sent(credential);
    this.write(
      encodeRequest(this.writer, Xid.auth, OpCode.auth, {
        type: 0,
        scheme: credential.scheme,
        auth: credential.auth,
      }),
    );
  }

  private sendSetWatches(): void {
    for (const r of setWatchesRequests(this.watches, this.chroot, this.lastZxid)) {
      this.write(encodeRequest(this.writer, Xid.setWatches, r.opcode, r.body));
      this.setWatchesPending++;
    }
  }

  // ---- watches -------------------------------------------------------------------------

  /** Session over: every watch gets one event of type None with `state`, then all are gone. */
  private endWatches(state: number): void {
    const all = this.watches.drainAll();
    deliver(all, { type: EventType.none, state, path: "" }, this.onWatcherError);
  }

  // ---- events ----------------------------------------------------------------------------

  private setState(state: ConnectionState): void {
    this.publicState = state;
    this.emit("state", state);
    this.emit(state);
  }

  /** Protocol trouble the client recovers from by itself: reported only if someone listens. */
  private emitError(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}

export type { ClientEvents, ZooKeeperError };
