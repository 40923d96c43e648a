// PeerNetwork over TCP: the links between the members of an ensemble. This module knows
// sockets and the life of a link (dialling, accepting, flushing, redialling); it never looks
// inside a message body (server/peer-codec.ts does, in the member). Its parts:
//   io/peer-handshake.ts       the hello, its answer and both sides' checks (byte layout there)
//   io/peer-inbound.ts         one accepted connection: handshake, then reading frames
//   io/peer-outbound-queue.ts  the frames waiting to go to one peer; drop counts and warnings
//   io/peer-reconnect-backoff.ts  when a dialler tries again
//   io/peer-tls.ts, io/peer-auth.ts  the optional security stages the handshake runs
//
// Links. Every member dials every other member and sends its OUTGOING messages over the
// connection it dialled; connections it accepts carry INCOMING messages only. So each pair
// of members has two TCP connections, one per direction, and nobody has to break ties
// between two members dialling each other at once. A newly accepted connection from a member
// replaces the older one (the dialler reconnected). A dialler that loses its connection
// drops what was queued on it (Raft retransmits) and dials again after a backoff.
//
// A connection that has not completed its handshake within handshakeTimeoutMs is closed.
// With `tls` (sslQuorum) every connection is TLS first and the handshake travels inside it:
// the acceptor refuses an untrusted dialler certificate as soon as TLS is up, and the
// dialler refuses an untrusted acceptor in the TLS handshake itself. With TLS or `auth`
// (quorum.auth.enableSasl), nothing from the dialler reaches the member, and the dialler
// sends no frame, until both sides have accepted each other.
//
// Frames, dialler to acceptor only, after the acceptor's 0:
//   u32 length N (at most frameBytesMax, else the acceptor closes), then N bytes of body.
//
// Sending. send() queues the body on the peer's OutboundQueue and the queue goes to the
// socket in one write at the end of the event-loop turn, so a burst of messages to a peer
// costs one system call. When the socket refuses more (write() returned false) the queue
// keeps growing until 'drain', within its limit. Messages sent while a link is being
// dialled wait in the queue for the handshake; messages sent while it waits to redial are
// dropped at once, so a peer that is down costs nothing.
//
// Receiving. An exception from the handler is a bug in the member and is not caught here.

import { Buffer } from "node:buffer";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../base/logger.js";
import type { PeerHandler, PeerNetwork } from "../base/peer-network.js";
import type { Random } from "../base/random.js";
import type { PeerAuthSettings } from "./peer-auth.js";
import {
  AcceptorHandshake,
  type AcceptorRules,
  DiallerHandshake,
  EnsembleIdentity,
  ensembleIdBytesMax,
  refusedPrefix,
  untrustedPrefix,
} from "./peer-handshake.js";
import { InboundConnection, type InboundOwner } from "./peer-inbound.js";
import { type OutboundLimits, OutboundQueue } from "./peer-outbound-queue.js";
import { ReconnectBackoff } from "./peer-reconnect-backoff.js";
import type { PeerTls } from "./peer-tls.js";

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface PeerTransportOptions {
  /** This member's id; its entry in `members` says where to listen. */
  readonly self: number;
  /** Names the ensemble; a member of another ensemble is refused at the handshake. */
  readonly ensembleId: string;
  /** Every member of the ensemble, this one included: id -> where it listens for peers. */
  readonly members: ReadonlyMap<number, PeerAddress>;
  readonly logger: Logger;
  /** Jitter of the reconnect backoff, so members do not redial in lockstep. */
  readonly random: Random;
  /** Largest frame body sent or accepted. */
  readonly frameBytesMax?: number;
  /** Bytes queued towards one peer (ours plus the socket's) beyond which messages drop. */
  readonly queueBytesMax?: number;
  /** Time from dialling or accepting until the handshake must be complete. */
  readonly handshakeTimeoutMs?: number;
  /** First reconnect delay; it doubles per failed attempt up to reconnectDelayMsMax. */
  readonly reconnectDelayMsMin?: number;
  readonly reconnectDelayMsMax?: number;
  /** At most one "dropping messages" warning per peer per this interval. */
  readonly dropLogIntervalMs?: number;
  /** TLS on every link (sslQuorum); the transport closes it when it stops. */
  readonly tls?: PeerTls;
  /** Member authentication (quorum.auth.*). */
  readonly auth?: PeerAuthSettings;
  /**
   * Asked when a listed member dials with another ensemble id: true makes this transport
   * adopt that id from then on (a member with no data joining a running ensemble,
   * docs/ensemble.md "Changing the membership"); false or absent refuses it.
   */
  readonly adoptEnsemble?: (ensembleId: string, from: number) => boolean;
}

export const peerTransportDefaults = {
  frameBytesMax: 16 * 1024 * 1024,
  queueBytesMax: 64 * 1024 * 1024,
  handshakeTimeoutMs: 5000,
  reconnectDelayMsMin: 50,
  reconnectDelayMsMax: 1000,
  dropLogIntervalMs: 5000,
} as const;

const keepAliveDelayMs = 10_000;

/** Counters of one peer link, for status pages, metrics and tests. */
export interface PeerLinkCounters {
  /** The outgoing link has completed its handshake and is connected. */
  readonly up: boolean;
  /** Bytes waiting to reach the peer: our output buffer plus the socket's own. */
  readonly queuedBytes: number;
  readonly messagesSent: number;
  /** Dropped because the queue was over queueBytesMax. */
  readonly messagesDroppedQueueFull: number;
  /** Dropped because the link was down, or lost while they were queued. */
  readonly messagesDroppedLinkDown: number;
  /** Dropped because the body was larger than frameBytesMax (a bug in the sender). */
  readonly messagesDroppedOversize: number;
  readonly messagesReceived: number;
}

const LinkState = { idle: 0, dialling: 1, up: 2, waiting: 3, stopped: 4 } as const;
type LinkState = (typeof LinkState)[keyof typeof LinkState];

/** Everything about one remote member: the connection we dialled and our counters. */
class PeerLink {
  state: LinkState = LinkState.idle;
  socket: Socket | null = null;
  timer: NodeJS.Timeout | null = null;
  /** Why the previous attempt failed, to log a run of equal failures only once. */
  lastFailure = "";
  flushQueued = false;
  /** socket.write() returned false; nothing more is written until 'drain'. */
  draining = false;
  messagesReceived = 0;
  /** The accepted connection this member currently sends to us on. */
  inbound: InboundConnection | null = null;

  constructor(
    readonly id: number,
    public address: PeerAddress,
    readonly queue: OutboundQueue,
    readonly backoff: ReconnectBackoff,
  ) {}

  get queuedBytes(): number {
    return this.queue.bytes + this.socketBytes;
  }

  /** What the socket still holds of earlier writes. */
  get socketBytes(): number {
    return this.socket === null ? 0 : this.socket.writableLength;
  }
}

export class PeerTransport implements PeerNetwork, InboundOwner {
  readonly self: number;
  readonly frameBytesMax: number;
  readonly queueBytesMax: number;
  readonly logger: Logger;
  private readonly options: PeerTransportOptions;
  private readonly links = new Map<number, PeerLink>();
  private readonly accepted = new Set<InboundConnection>();
  private readonly flushList: PeerLink[] = [];
  private flushHandle: NodeJS.Immediate | null = null;
  private readonly handshakeTimeoutMs: number;
  private readonly delayMsMin: number;
  private readonly delayMsMax: number;
  private readonly outboundLimits: OutboundLimits;
  private readonly ensemble: EnsembleIdentity;
  /** What every accepted connection's handshake checks against. */
  private readonly acceptorRules: AcceptorRules;
  private server: Server | null = null;
  private handler: PeerHandler | null = null;
  private stopped = false;
  private listening: Promise<void> | null = null;
  /** Messages for ids that are not members (a bug in the caller; counted, not logged each). */
  messagesToUnknownPeers = 0;

  constructor(options: PeerTransportOptions) {
    const d = peerTransportDefaults;
    this.options = options;
    this.self = options.self;
    this.logger = options.logger;
    this.frameBytesMax = options.frameBytesMax ?? d.frameBytesMax;
    this.queueBytesMax = options.queueBytesMax ?? d.queueBytesMax;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? d.handshakeTimeoutMs;
    this.delayMsMin = options.reconnectDelayMsMin ?? d.reconnectDelayMsMin;
    this.delayMsMax = options.reconnectDelayMsMax ?? d.reconnectDelayMsMax;
    checkOptions(this, options);
    this.outboundLimits = {
      frameBytesMax: this.frameBytesMax,
      queueBytesMax: this.queueBytesMax,
      dropLogIntervalMs: options.dropLogIntervalMs ?? d.dropLogIntervalMs,
    };
    this.ensemble = new EnsembleIdentity(options.ensembleId, this.logger, options.adoptEnsemble);
    this.acceptorRules = {
      self: this.self,
      ensemble: this.ensemble,
      memberHost: (id) => this.links.get(id)?.address.host,
      auth: options.auth,
      logger: this.logger,
    };
    for (const [id, address] of options.members) {
      if (id !== this.self) this.links.set(id, this.newLink(id, address));
    }
  }

  /**
   * Starts listening on this member's address and dialling every other member. The promise
   * resolves once the listening socket is bound and rejects if it cannot be (the error is
   * also logged, so a caller that ignores the promise still learns of it).
   */
  start(handler: PeerHandler): Promise<void> {
    if (this.handler !== null || this.stopped) throw new Error("peer transport: started twice");
    this.handler = handler;
    const own = this.options.members.get(this.self)!;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    this.listening = new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.logger.error("peer transport cannot listen", {
          host: own.host,
          port: own.port,
          error: err.message,
        });
        reject(err);
      };
      server.once("error", onError);
      server.listen(own.port, own.host, () => {
        server.off("error", onError);
        server.on("error", (err) =>
          this.logger.error("peer listener error", { error: err.message }),
        );
        resolve();
      });
    });
    this.listening.catch(() => {});
    for (const link of this.links.values()) this.dial(link);
    return this.listening;
  }

  /** Closes every connection, cancels every timer; resolves once the listener is closed. */
  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    if (this.flushHandle !== null) clearImmediate(this.flushHandle);
    this.flushHandle = null;
    this.flushList.length = 0;
    for (const link of this.links.values()) {
      link.state = LinkState.stopped;
      if (link.timer !== null) clearTimeout(link.timer);
      link.timer = null;
      link.socket?.destroy();
      link.socket = null;
      link.queue.clear(false);
      link.inbound = null;
    }
    for (const c of this.accepted) c.destroy();
    this.accepted.clear();
    this.options.tls?.close();
    const server = this.server;
    if (server === null) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  send(to: number, body: Uint8Array): boolean {
    const link = this.links.get(to);
    if (link === undefined) {
      this.messagesToUnknownPeers++;
      return false;
    }
    if (link.state !== LinkState.up && link.state !== LinkState.dialling) {
      link.queue.messagesDroppedLinkDown++;
      return false;
    }
    if (!link.queue.push(body, link.socketBytes)) return false;
    if (link.state === LinkState.up && !link.draining && !link.flushQueued) this.queueFlush(link);
    return true;
  }

  /**
   * Learns where member `id` listens (a member added by a reconfiguration, or one that moved):
   * a new member is dialled at once, a moved one at its next dial.
   */
  setPeer(id: number, host: string, port: number): void {
    if (id === this.self || this.stopped) return;
    const link = this.links.get(id);
    if (link !== undefined) {
      if (link.address.host !== host || link.address.port !== port) link.address = { host, port };
      return;
    }
    const added = this.newLink(id, { host, port });
    this.links.set(id, added);
    this.logger.info("peer learnt", { peer: id, address: `${host}:${port}` });
    if (this.handler !== null) this.dial(added);
  }

  /** Counters of the link to `peer`, or undefined if it is not a member. */
  counters(peer: number): PeerLinkCounters | undefined {
    const link = this.links.get(peer);
    if (link === undefined) return undefined;
    const queue = link.queue;
    return {
      up: link.state === LinkState.up,
      queuedBytes: link.queuedBytes,
      messagesSent: queue.messagesSent,
      messagesDroppedQueueFull: queue.messagesDroppedQueueFull,
      messagesDroppedLinkDown: queue.messagesDroppedLinkDown,
      messagesDroppedOversize: queue.messagesDroppedOversize,
      messagesReceived: link.messagesReceived,
    };
  }

  private newLink(id: number, address: PeerAddress): PeerLink {
    const queue = new OutboundQueue(id, this.outboundLimits, this.logger);
    const backoff = new ReconnectBackoff(this.delayMsMin, this.delayMsMax, this.options.random);
    return new PeerLink(id, address, queue, backoff);
  }

  // ---- sending -------------------------------------------------------------------------

  private queueFlush(link: PeerLink): void {
    link.flushQueued = true;
    this.flushList.push(link);
    if (this.flushHandle === null) this.flushHandle = setImmediate(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.flushHandle = null;
    const list = this.flushList;
    for (let i = 0; i < list.length; i++) this.flush(list[i]);
    list.length = 0;
  };

  private flush(link: PeerLink): void {
    link.flushQueued = false;
    const socket = link.socket;
    if (link.state !== LinkState.up || link.draining || link.queue.bytes === 0 || socket === null) {
      return;
    }
    if (!socket.write(link.queue.take())) link.draining = true;
  }

  // ---- dialling ------------------------------------------------------------------------

  private dial(link: PeerLink): void {
    if (this.stopped) return;
    link.timer = null;
    link.state = LinkState.dialling;
    link.draining = false;
    const handshake = new DiallerHandshake(this.ensemble, this.self, link.id, this.options.auth);
    const tls = this.options.tls;
    const { host, port } = link.address;
    const socket = tls === undefined ? createConnection({ host, port }) : tls.dial(host, port);
    link.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelayMs);
    let lastError = "";
    let secured = tls === undefined;
    link.timer = setTimeout(() => {
      if (link.socket === socket) this.linkFailed(link, "handshake not answered in time");
    }, this.handshakeTimeoutMs);
    // Over TLS the hello waits until the acceptor's certificate has been checked.
    socket.on(tls === undefined ? "connect" : "secureConnect", () => {
      secured = true;
      if (link.socket === socket) socket.write(handshake.hello);
    });
    socket.on("data", (chunk: Buffer) => {
      if (link.socket !== socket || handshake.finished || chunk.length === 0) return;
      const step = handshake.receive(chunk);
      if (step.kind === "failed") {
        this.linkFailed(link, step.reason);
        return;
      }
      if (step.reply !== null) socket.write(step.reply);
      if (step.kind === "up") this.linkUp(link);
    });
    socket.on("drain", () => {
      if (link.socket !== socket) return;
      link.draining = false;
      if (link.queue.bytes > 0 && !link.flushQueued) this.queueFlush(link);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // An error without a system call before TLS is up is the TLS handshake failing: the
      // acceptor's certificate is not trusted, or it refused ours.
      lastError =
        !secured && err.syscall === undefined
          ? `${untrustedPrefix}TLS handshake failed: ${err.message}`
          : err.message;
    });
    socket.on("close", () => {
      if (link.socket === socket) this.linkFailed(link, lastError || "closed by peer");
    });
  }

  private linkUp(link: PeerLink): void {
    if (link.timer !== null) clearTimeout(link.timer);
    link.timer = null;
    link.state = LinkState.up;
    this.ensemble.linked();
    link.backoff.reset();
    link.lastFailure = "";
    this.logger.info("peer link up", { peer: link.id, address: addressOf(link.address) });
    if (link.queue.bytes > 0 && !link.flushQueued) this.queueFlush(link);
    this.handler?.linkChanged?.(link.id, true);
  }

  private linkFailed(link: PeerLink, reason: string): void {
    if (this.stopped) return;
    const wasUp = link.state === LinkState.up;
    if (link.timer !== null) clearTimeout(link.timer);
    link.socket?.destroy();
    link.socket = null;
    link.queue.clear(true);
    link.draining = false;
    link.state = LinkState.waiting;
    const fields = { peer: link.id, address: addressOf(link.address), reason };
    // A member that is not up yet is normal while an ensemble starts, so a failed dial is
    // news (info) only when its reason changes; a refusal means a misconfiguration (warn).
    if (wasUp) this.logger.warn("peer link lost", fields);
    else if (reason === link.lastFailure) this.logger.debug("cannot reach peer", fields);
    else if (reason.startsWith(refusedPrefix)) this.logger.warn("peer refused our link", fields);
    else if (reason.startsWith(untrustedPrefix)) this.logger.warn("peer not trusted", fields);
    else this.logger.info("cannot reach peer", fields);
    link.lastFailure = reason;
    link.timer = setTimeout(() => this.dial(link), link.backoff.nextDelayMs());
    if (wasUp) this.handler?.linkChanged?.(link.id, false);
  }

  // ---- accepting -----------------------------------------------------------------------

  private accept(raw: Socket): void {
    if (this.stopped) {
      raw.destroy();
      return;
    }
    const remote = `${normaliseAddress(raw.remoteAddress ?? "unknown")}:${raw.remotePort ?? 0}`;
    const tls = this.options.tls;
    const socket = tls === undefined ? raw : tls.accept(raw);
    // With TLS, the certificate must name the dialler's address or its claimed member's host.
    const certificateRefusal =
      tls === undefined
        ? null
        : (claimedHost: string) =>
            tls.hostRefusal(socket, normaliseAddress(socket.remoteAddress ?? ""), claimedHost);
    const handshake = new AcceptorHandshake(this.acceptorRules, remote, certificateRefusal);
    const c = new InboundConnection(this, socket, remote, handshake, this.handshakeTimeoutMs);
    this.accepted.add(c);
    socket.setKeepAlive(true, keepAliveDelayMs);
    const receive = (chunk: Buffer): void => {
      if (!c.closed) c.receive(chunk);
    };
    socket.on("error", (err) => {
      if (tls !== undefined && c.peer === 0 && c.tlsError === "") c.tlsError = err.message;
      this.logger.debug("peer socket error", { remote, peer: c.peer, error: err.message });
    });
    socket.on("close", () => this.inboundClosed(c));
    if (tls === undefined) {
      socket.on("data", receive);
      return;
    }
    // Nothing is read until the dialler's certificate is checked (a readable stream without
    // a 'data' listener keeps what arrives).
    (socket as TLSSocket).once("secure", () => {
      if (c.closed) return;
      const why = tls.refusal(socket as TLSSocket);
      if (why !== null) {
        c.refuseCertificate(why);
        return;
      }
      socket.on("data", receive);
    });
  }

  /** The handshake admitted member `peer` on `c`, which replaces its older connection. */
  admitted(c: InboundConnection, peer: number): void {
    const link = this.links.get(peer)!;
    this.ensemble.linked();
    const previous = link.inbound;
    link.inbound = c;
    if (previous !== null && !previous.closed) {
      this.logger.info("peer reconnected; closing its older connection", {
        peer,
        remote: previous.remote,
      });
      previous.destroy();
    }
  }

  /** Hands one frame body from an accepted connection to the member. */
  deliver(c: InboundConnection, body: Buffer): void {
    if (this.stopped) return;
    const link = this.links.get(c.peer)!;
    link.messagesReceived++;
    this.handler!.message(c.peer, body);
  }

  private inboundClosed(c: InboundConnection): void {
    this.accepted.delete(c);
    if (c.peer !== 0) {
      const link = this.links.get(c.peer);
      if (link !== undefined && link.inbound === c) link.inbound = null;
    }
    if (!this.stopped) c.socketClosed();
  }
}

function addressOf(a: PeerAddress): string {
  return `${a.host}:${a.port}`;
}

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) is reported as 127.0.0.1. */
function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function checkOptions(t: PeerTransport, o: PeerTransportOptions): void {
  const isId = (id: number): boolean => Number.isInteger(id) && id >= 1 && id <= 0xffffffff;
  if (!isId(o.self))
    throw new RangeError(`peer transport: self must be a member id, got ${o.self}`);
  if (!o.members.has(o.self)) {
    throw new RangeError(`peer transport: member ${o.self} is not in its own member table`);
  }
  for (const [id, address] of o.members) {
    if (!isId(id)) throw new RangeError(`peer transport: bad member id ${id}`);
    const port = address.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`peer transport: member ${id} has no usable port (${port})`);
    }
  }
  const idBytes = Buffer.byteLength(o.ensembleId, "utf8");
  if (idBytes < 1 || idBytes > ensembleIdBytesMax) {
    throw new RangeError(`peer transport: ensembleId must be 1..${ensembleIdBytesMax} bytes`);
  }
  if (!Number.isSafeInteger(t.frameBytesMax) || t.frameBytesMax < 1 || t.frameBytesMax > 2 ** 31) {
    throw new RangeError(`peer transport: frameBytesMax out of range: ${t.frameBytesMax}`);
  }
  if (!Number.isSafeInteger(t.queueBytesMax) || t.queueBytesMax < t.frameBytesMax + 4) {
    throw new RangeError("peer transport: queueBytesMax must hold at least one largest frame");
  }
  const min = o.reconnectDelayMsMin ?? peerTransportDefaults.reconnectDelayMsMin;
  const max = o.reconnectDelayMsMax ?? peerTransportDefaults.reconnectDelayMsMax;
  if (!(min >= 1 && max >= min && max <= 2 ** 31)) {
    throw new RangeError("peer transport: need 1 <= reconnectDelayMsMin <= reconnectDelayMsMax");
  }
}
