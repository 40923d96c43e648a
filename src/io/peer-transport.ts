// PeerNetwork over TCP: the links between the members of an ensemble. This module knows
// sockets, framing, the handshake, queues and reconnecting; it never looks inside a message
// body (server/peer-codec.ts does, in the member).
//
// Links. Every member dials every other member and sends its OUTGOING messages over the
// connection it dialled; connections it accepts carry INCOMING messages only. So each pair
// of members has two TCP connections, one per direction, and nobody has to break ties
// between two members dialling each other at once. A dialler that loses its connection
// drops what was queued on it (Raft retransmits) and dials again after a backoff.
//
// Handshake, sent once by the dialler before any frame (integers big-endian):
//   4 bytes  magic "CRLP" (0x43 0x52 0x4c 0x50)
//   u8       protocol version, 1
//   u8       ensemble id length E (1..255)
//   E bytes  the ensemble id, UTF-8
//   u32      the dialler's member id
//   u32      the member id the dialler believes it is talking to
// The acceptor answers one byte: 0 = accepted, or a refusal code (PeerRefusal) after which
// it closes. It checks the magic and version, that the ensemble id is its own, that the
// dialler is in its member table and is not itself, and that the target is itself. A
// connection that has not completed its handshake within handshakeTimeoutMs is closed. A
// newly accepted connection from a member replaces the older one (the dialler reconnected).
// Each bad connection is closed with one log line naming the remote address and the reason.
//
// Security (io/peer-tls.ts, io/peer-auth.ts), both optional and independent:
// - With `tls` (sslQuorum), every connection is TLS first and the bytes above travel inside
//   it. The acceptor refuses an untrusted dialler certificate when TLS is up (answering
//   untrustedCertificate over TLS), and after the hello one that names neither the dialler's
//   address nor its member's host; the dialler refuses an untrusted acceptor in the TLS
//   handshake itself.
// - With `auth` (quorum.auth.enableSasl), the acceptor answers a good hello with a challenge
//   instead of 0, and the 0 (followed by the acceptor's proof, when the dialler presented
//   credentials) comes only after the dialler's answer; peer-auth.ts has the layout.
// In both, nothing from the dialler reaches the member, and the dialler sends no frame,
// until both sides have accepted each other.
//
// Frames, dialler to acceptor only, after the acceptor's 0:
//   u32 length N (at most frameBytesMax, else the acceptor closes), then N bytes of body.
//
// Sending. send() copies the body into the peer's output buffer (the one copy the
// PeerNetwork contract asks for) and the buffer goes to the socket in one write at the end
// of the event-loop turn, so a burst of messages to a peer costs one system call. When the
// socket refuses more (write() returned false) the buffer keeps growing until 'drain', but
// never past queueBytesMax (counting what the socket itself still holds): beyond that,
// messages are dropped and counted, and a warning says so at most once per dropLogIntervalMs.
// Messages sent while a link is being dialled wait in the buffer for the handshake; messages
// sent while it waits to redial are dropped at once, so a peer that is down costs nothing.
//
// Receiving. Frame bodies are handed to the handler as views into the receive buffer, valid
// during the call only (the PeerHandler contract). An exception from the handler is a bug in
// the member and is not caught here.

import { Buffer } from "node:buffer";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../base/logger.js";
import type { PeerHandler, PeerNetwork } from "../base/peer-network.js";
import type { Random } from "../base/random.js";
import {
  AcceptorAuth,
  authenticateAnswer,
  DiallerAuth,
  noCredentials,
  nonceBytes,
  type PeerAuthSettings,
  proofBytes,
} from "./peer-auth.js";
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

/** The acceptor's one-byte answer to a handshake. */
export const PeerRefusal = {
  accepted: 0,
  badMagic: 1,
  badVersion: 2,
  wrongEnsemble: 3,
  unknownMember: 4,
  dialledItself: 5,
  wrongTarget: 6,
  untrustedCertificate: 7,
  authRequired: 8,
  authFailed: 9,
} as const;
export type PeerRefusal = (typeof PeerRefusal)[keyof typeof PeerRefusal];

const refusalReasons: readonly string[] = [
  "accepted",
  "bad magic",
  "unsupported protocol version",
  "wrong ensemble id",
  "dialler is not in the member table",
  "dialler claims the acceptor's own id",
  "dialler expected another member at this address",
  "certificate not trusted",
  "authentication required",
  "authentication failed",
];

const magic = Buffer.from("CRLP", "latin1");
export const peerProtocolVersion = 1;
const handshakeFixedBytes = 4 + 1 + 1 + 4 + 4;
const ensembleIdBytesMax = 255;
const outputChunkBytesMin = 16 * 1024;
/** A receive buffer above this size is let go once it is empty. */
const pendingBytesKeptMax = 64 * 1024;
const keepAliveDelayMs = 10_000;

/** The dialler's handshake (layout above). Exported for tests that play a peer by hand. */
export function encodePeerHandshake(ensembleId: string, from: number, to: number): Buffer {
  const id = Buffer.from(ensembleId, "utf8");
  if (id.length < 1 || id.length > ensembleIdBytesMax) {
    throw new RangeError(`ensemble id must be 1..${ensembleIdBytesMax} bytes of UTF-8`);
  }
  const out = Buffer.alloc(handshakeFixedBytes + id.length);
  magic.copy(out, 0);
  out[4] = peerProtocolVersion;
  out[5] = id.length;
  id.copy(out, 6);
  out.writeUInt32BE(from, 6 + id.length);
  out.writeUInt32BE(to, 10 + id.length);
  return out;
}

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
  /** Set once the acceptor's final answer has arrived on the current socket. */
  answered = false;
  /** Bytes of the acceptor's answer received so far, when it came in pieces. */
  reply: Buffer | null = null;
  /** This dial's side of member authentication, once the acceptor challenged us. */
  auth: DiallerAuth | null = null;
  timer: NodeJS.Timeout | null = null;
  /** The next reconnect delay before jitter. */
  delayMs: number;
  /** Why the previous attempt failed, to log a run of equal failures only once. */
  lastFailure = "";
  /** Frames waiting for the next flush: [0, outLength) of `out`. */
  out: Buffer | null = null;
  outLength = 0;
  outMessages = 0;
  flushQueued = false;
  /** socket.write() returned false; nothing more is written until 'drain'. */
  draining = false;
  droppedSinceLog = 0;
  lastDropLogMs = Number.NEGATIVE_INFINITY;
  oversizeSinceLog = 0;
  lastOversizeLogMs = Number.NEGATIVE_INFINITY;
  messagesSent = 0;
  messagesDroppedQueueFull = 0;
  messagesDroppedLinkDown = 0;
  messagesDroppedOversize = 0;
  messagesReceived = 0;
  /** The accepted connection this member currently sends to us on. */
  inbound: InboundConnection | null = null;
  handshake: Buffer;

  constructor(
    readonly id: number,
    public address: PeerAddress,
    ensembleId: string,
    self: number,
    delayMs: number,
  ) {
    this.handshake = encodePeerHandshake(ensembleId, self, id);
    this.delayMs = delayMs;
  }

  get queuedBytes(): number {
    return this.outLength + (this.socket === null ? 0 : this.socket.writableLength);
  }
}

/** One accepted connection: handshake first, then frames from the member it proved to be. */
class InboundConnection {
  /** The dialler's member id once the handshake succeeded; 0 before. */
  peer = 0;
  /** The member id of a good hello, while authentication runs. */
  claimed = 0;
  /** Member authentication in progress (the challenge was sent). */
  auth: AcceptorAuth | null = null;
  /** Why TLS failed before the hello, for the log line when the socket closes. */
  tlsError = "";
  closed = false;
  /** Bytes received but not yet consumed: [0, pendingLength) of `pending`. */
  private pending: Buffer | null = null;
  private pendingLength = 0;
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly transport: PeerTransport,
    readonly socket: Socket,
    readonly remote: string,
  ) {}

  receive(chunk: Buffer): void {
    let data = chunk;
    // Whether `data` is a view of `pending` (bytes left over from earlier chunks come first).
    const merged = this.pendingLength > 0;
    if (merged) {
      const pending = this.pending!;
      const need = this.pendingLength + chunk.length;
      if (need > pending.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, pending.length * 2));
        pending.copy(grown, 0, 0, this.pendingLength);
        this.pending = grown;
      }
      chunk.copy(this.pending!, this.pendingLength);
      this.pendingLength = need;
      data = this.pending!.subarray(0, need);
    }
    let offset = 0;
    if (this.peer === 0) {
      offset = this.transport.acceptHandshake(this, data);
      if (this.closed) return;
      if (this.peer === 0) {
        this.keep(data, offset, merged, 0);
        return;
      }
    }
    const max = this.transport.frameBytesMax;
    let wanted = 0;
    while (!this.closed && data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length > max) {
        this.transport.closeBad(this, "frame longer than frameBytesMax", { length, max });
        return;
      }
      if (data.length - offset - 4 < length) {
        // Room for the whole frame at once, rather than growing with every chunk of it.
        wanted = 4 + length;
        break;
      }
      const body = data.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      this.transport.deliver(this, body);
    }
    if (!this.closed) this.keep(data, offset, merged, wanted);
  }

  /** Bytes of an unfinished handshake or frame, for the log line when the peer hangs up. */
  get partialBytes(): number {
    return this.pendingLength;
  }

  /**
   * Keeps data[offset..] for the next chunk, in a buffer of at least `capacity` bytes.
   * `merged` says whether `data` is a view of `pending` itself.
   */
  private keep(data: Buffer, offset: number, merged: boolean, capacity: number): void {
    const rest = data.length - offset;
    const pending = this.pending;
    if (rest === 0) {
      this.pendingLength = 0;
      // A buffer grown for one large frame is not kept for the life of the connection.
      if (pending !== null && pending.length > pendingBytesKeptMax) this.pending = null;
      return;
    }
    if (pending !== null && pending.length >= Math.max(rest, capacity)) {
      if (merged) pending.copyWithin(0, offset, offset + rest);
      else data.copy(pending, 0, offset);
    } else {
      const next = Buffer.allocUnsafe(Math.max(capacity, rest * 2, 1024));
      data.copy(next, 0, offset);
      this.pending = next;
    }
    this.pendingLength = rest;
  }
}

export class PeerTransport implements PeerNetwork {
  readonly self: number;
  readonly frameBytesMax: number;
  readonly queueBytesMax: number;
  private readonly options: PeerTransportOptions;
  private readonly logger: Logger;
  private readonly links = new Map<number, PeerLink>();
  private readonly accepted = new Set<InboundConnection>();
  private readonly flushList: PeerLink[] = [];
  private flushHandle: NodeJS.Immediate | null = null;
  private readonly handshakeTimeoutMs: number;
  private readonly delayMsMin: number;
  private readonly delayMsMax: number;
  private readonly dropLogIntervalMs: number;
  private ensembleIdBytes: Buffer;
  private ensembleId: string;
  /** A link (either way) completed its handshake with this member's ensemble id. */
  private linkedOnce = false;
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
    this.dropLogIntervalMs = options.dropLogIntervalMs ?? d.dropLogIntervalMs;
    this.ensembleIdBytes = Buffer.from(options.ensembleId, "utf8");
    this.ensembleId = options.ensembleId;
    checkOptions(this, options);
    for (const [id, address] of options.members) {
      if (id !== this.self) {
        this.links.set(
          id,
          new PeerLink(id, address, options.ensembleId, this.self, this.delayMsMin),
        );
      }
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
      link.out = null;
      link.outLength = 0;
      link.outMessages = 0;
      link.inbound = null;
    }
    for (const c of this.accepted) {
      c.closed = true;
      if (c.timer !== null) clearTimeout(c.timer);
      c.socket.destroy();
    }
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
      link.messagesDroppedLinkDown++;
      return false;
    }
    const length = body.length;
    if (length > this.frameBytesMax) {
      this.dropOversize(link, length);
      return false;
    }
    const need = link.outLength + 4 + length;
    if (need + (link.socket === null ? 0 : link.socket.writableLength) > this.queueBytesMax) {
      this.dropQueueFull(link);
      return false;
    }
    let out = link.out;
    if (out === null || need > out.length) {
      const capacity = Math.min(Math.max(outputChunkBytesMin, need * 2), this.queueBytesMax);
      const grown = Buffer.allocUnsafe(Math.max(capacity, need));
      if (out !== null) out.copy(grown, 0, 0, link.outLength);
      link.out = out = grown;
    }
    const at = link.outLength;
    out[at] = length >>> 24;
    out[at + 1] = length >>> 16;
    out[at + 2] = length >>> 8;
    out[at + 3] = length;
    out.set(body, at + 4);
    link.outLength = need;
    link.outMessages++;
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
    const added = new PeerLink(id, { host, port }, this.ensembleId, this.self, this.delayMsMin);
    this.links.set(id, added);
    this.logger.info("peer learnt", { peer: id, address: `${host}:${port}` });
    if (this.handler !== null) this.dial(added);
  }

  /** Counters of the link to `peer`, or undefined if it is not a member. */
  counters(peer: number): PeerLinkCounters | undefined {
    const link = this.links.get(peer);
    if (link === undefined) return undefined;
    return {
      up: link.state === LinkState.up,
      queuedBytes: link.queuedBytes,
      messagesSent: link.messagesSent,
      messagesDroppedQueueFull: link.messagesDroppedQueueFull,
      messagesDroppedLinkDown: link.messagesDroppedLinkDown,
      messagesDroppedOversize: link.messagesDroppedOversize,
      messagesReceived: link.messagesReceived,
    };
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
    if (link.state !== LinkState.up || link.draining || link.outLength === 0 || socket === null) {
      return;
    }
    // The socket keeps the buffer until it is written, so the next send starts a new one.
    const chunk = link.out!.subarray(0, link.outLength);
    link.out = null;
    link.outLength = 0;
    link.messagesSent += link.outMessages;
    link.outMessages = 0;
    if (!socket.write(chunk)) link.draining = true;
  }

  private dropQueueFull(link: PeerLink): void {
    link.messagesDroppedQueueFull++;
    link.droppedSinceLog++;
    const nowMs = performance.now();
    if (nowMs - link.lastDropLogMs >= this.dropLogIntervalMs) {
      this.logger.warn("peer queue full; dropping messages", {
        peer: link.id,
        dropped: link.droppedSinceLog,
        queuedBytes: link.queuedBytes,
        queueBytesMax: this.queueBytesMax,
      });
      link.droppedSinceLog = 0;
      link.lastDropLogMs = nowMs;
    }
  }

  /** A body the receiver would refuse: a bug in the sender, logged at the drop-log rate. */
  private dropOversize(link: PeerLink, bytes: number): void {
    link.messagesDroppedOversize++;
    link.oversizeSinceLog++;
    const nowMs = performance.now();
    if (nowMs - link.lastOversizeLogMs >= this.dropLogIntervalMs) {
      this.logger.error("peer message larger than frameBytesMax dropped", {
        peer: link.id,
        bytes,
        frameBytesMax: this.frameBytesMax,
        dropped: link.oversizeSinceLog,
      });
      link.oversizeSinceLog = 0;
      link.lastOversizeLogMs = nowMs;
    }
  }

  // ---- dialling ------------------------------------------------------------------------

  private dial(link: PeerLink): void {
    if (this.stopped) return;
    link.timer = null;
    link.state = LinkState.dialling;
    link.answered = false;
    link.reply = null;
    link.auth = null;
    link.draining = false;
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
      if (link.socket === socket) socket.write(link.handshake);
    });
    socket.on("data", (chunk: Buffer) => {
      if (link.socket !== socket || link.answered || chunk.length === 0) return;
      this.answerReceived(link, socket, chunk);
    });
    socket.on("drain", () => {
      if (link.socket !== socket) return;
      link.draining = false;
      if (link.outLength > 0 && !link.flushQueued) this.queueFlush(link);
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

  /**
   * The acceptor's answer to our hello: 0, a refusal, or (with member authentication) a
   * challenge, answered here, followed by 0 and the acceptor's proof or a refusal.
   */
  private answerReceived(link: PeerLink, socket: Socket, chunk: Buffer): void {
    let data = link.reply === null ? chunk : Buffer.concat([link.reply, chunk]);
    link.reply = null;
    if (data[0] === authenticateAnswer && link.auth === null) {
      if (data.length < 1 + nonceBytes) {
        link.reply = data;
        return;
      }
      const credentials = this.options.auth?.credentials ?? null;
      const binding = { ensembleId: this.options.ensembleId, from: this.self, to: link.id };
      link.auth = new DiallerAuth(credentials, binding);
      socket.write(link.auth.answer(data.subarray(1, 1 + nonceBytes)));
      data = data.subarray(1 + nonceBytes);
      if (data.length === 0) return;
    }
    const answer = data[0];
    if (answer !== PeerRefusal.accepted) {
      link.answered = true;
      this.linkFailed(link, `${refusedPrefix}${refusalReasons[answer] ?? `code ${answer}`}`);
      return;
    }
    const auth = link.auth;
    if (auth?.authenticating === true) {
      if (data.length < 1 + proofBytes) {
        link.reply = data;
        return;
      }
      link.answered = true;
      if (!auth.acceptorProved(data.subarray(1, 1 + proofBytes))) {
        this.linkFailed(link, `${untrustedPrefix}it does not know the quorum password`);
        return;
      }
    } else {
      link.answered = true;
      if (this.options.auth?.authenticate === true) {
        // quorum.auth.learnerRequireSasl: a link only to a member that proves it is one.
        this.linkFailed(link, `${untrustedPrefix}it did not ask us to authenticate`);
        return;
      }
    }
    this.linkUp(link);
  }

  private linkUp(link: PeerLink): void {
    if (link.timer !== null) clearTimeout(link.timer);
    link.timer = null;
    link.state = LinkState.up;
    this.linkedOnce = true;
    link.delayMs = this.delayMsMin;
    link.lastFailure = "";
    this.logger.info("peer link up", { peer: link.id, address: addressOf(link.address) });
    if (link.outLength > 0 && !link.flushQueued) this.queueFlush(link);
    this.handler?.linkChanged?.(link.id, true);
  }

  private linkFailed(link: PeerLink, reason: string): void {
    if (this.stopped) return;
    const wasUp = link.state === LinkState.up;
    if (link.timer !== null) clearTimeout(link.timer);
    link.socket?.destroy();
    link.socket = null;
    link.messagesDroppedLinkDown += link.outMessages;
    link.out = null;
    link.outLength = 0;
    link.outMessages = 0;
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
    const delayMs = link.delayMs;
    link.delayMs = Math.min(this.delayMsMax, delayMs * 2);
    // Half the delay plus a random part of the other half: members that lost each other at
    // the same moment do not redial in lockstep.
    const half = Math.floor(delayMs / 2);
    link.timer = setTimeout(() => this.dial(link), half + this.options.random.below(half + 1));
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
    const c = new InboundConnection(this, socket, remote);
    this.accepted.add(c);
    socket.setKeepAlive(true, keepAliveDelayMs);
    c.timer = setTimeout(() => {
      c.timer = null;
      if (!c.closed && c.peer === 0) {
        this.closeBad(c, "handshake not finished in time", {
          handshakeTimeoutMs: this.handshakeTimeoutMs,
          partialBytes: c.partialBytes,
        });
      }
    }, this.handshakeTimeoutMs);
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
        this.refuse(c, PeerRefusal.untrustedCertificate, { detail: why });
        return;
      }
      socket.on("data", receive);
    });
  }

  /**
   * Checks the handshake at the start of `data`: the hello, then the answer to our challenge
   * when members authenticate. Returns the bytes it took; the dialler is admitted (c.peer
   * set) once all of it checked out. On a bad handshake the connection is refused and closed.
   */
  acceptHandshake(c: InboundConnection, data: Buffer): number {
    let offset = 0;
    if (c.auth === null) {
      offset = this.acceptHello(c, data);
      if (c.closed || c.auth === null) return offset;
    }
    const verdict = c.auth.receive(offset === 0 ? data : data.subarray(offset));
    if (verdict.kind === "incomplete") return offset;
    if (verdict.kind === "malformed") {
      this.closeBad(c, "malformed authentication answer", {
        claimed: c.claimed,
        detail: verdict.reason,
      });
      return offset;
    }
    if (verdict.failure !== null) {
      if (this.options.auth?.requireDiallers === true) {
        const code =
          verdict.failure === noCredentials ? PeerRefusal.authRequired : PeerRefusal.authFailed;
        return this.refuse(c, code, { claimed: c.claimed, detail: verdict.failure });
      }
      this.logger.warn(
        "peer did not authenticate; admitted (quorum.auth.serverRequireSasl=false)",
        {
          remote: c.remote,
          claimed: c.claimed,
          detail: verdict.failure,
        },
      );
    }
    this.admit(c, c.claimed, verdict.proof);
    return offset + verdict.consumed;
  }

  /** The hello: bytes taken (0 while incomplete), then a challenge or the dialler admitted. */
  private acceptHello(c: InboundConnection, data: Buffer): number {
    const have = data.length;
    const magicBytes = Math.min(have, 4);
    if (data.compare(magic, 0, magicBytes, 0, magicBytes) !== 0) {
      return this.refuse(c, PeerRefusal.badMagic, {});
    }
    if (have >= 5 && data[4] !== peerProtocolVersion) {
      return this.refuse(c, PeerRefusal.badVersion, { version: data[4] });
    }
    if (have < 6) return 0;
    const idBytes = data[5];
    const total = handshakeFixedBytes + idBytes;
    if (have < total) return 0;
    const ours = this.ensembleIdBytes;
    if (
      (idBytes !== ours.length || data.compare(ours, 0, ours.length, 6, 6 + idBytes) !== 0) &&
      !this.adopt(data.toString("utf8", 6, 6 + idBytes), data.readUInt32BE(6 + idBytes))
    ) {
      return this.refuse(c, PeerRefusal.wrongEnsemble, {
        // Whatever the dialler sent, printable, so it cannot forge log lines.
        ensembleId: data.toString("latin1", 6, 6 + idBytes).replace(/[^\x20-\x7e]/g, "?"),
      });
    }
    const from = data.readUInt32BE(6 + idBytes);
    const target = data.readUInt32BE(10 + idBytes);
    if (from === this.self) return this.refuse(c, PeerRefusal.dialledItself, { claimed: from });
    const link = this.links.get(from);
    if (link === undefined) return this.refuse(c, PeerRefusal.unknownMember, { claimed: from });
    if (target !== this.self)
      return this.refuse(c, PeerRefusal.wrongTarget, { claimed: from, target });
    const tls = this.options.tls;
    if (tls !== undefined) {
      const address = normaliseAddress(c.socket.remoteAddress ?? "");
      const why = tls.hostRefusal(c.socket, address, link.address.host);
      if (why !== null) {
        return this.refuse(c, PeerRefusal.untrustedCertificate, { claimed: from, detail: why });
      }
    }
    const auth = this.options.auth;
    if (auth !== undefined) {
      c.claimed = from;
      c.auth = new AcceptorAuth(auth.users, {
        ensembleId: this.options.ensembleId,
        from,
        to: this.self,
      });
      c.socket.write(c.auth.challenge());
      return total;
    }
    this.admit(c, from, emptyProof);
    return total;
  }

  /** Lets a dialler that passed every check send frames; `proof` follows the 0 if any. */
  private admit(c: InboundConnection, from: number, proof: Buffer): void {
    const link = this.links.get(from)!;
    c.peer = from;
    this.linkedOnce = true;
    if (c.timer !== null) clearTimeout(c.timer);
    c.timer = null;
    const previous = link.inbound;
    link.inbound = c;
    if (previous !== null && !previous.closed) {
      this.logger.info("peer reconnected; closing its older connection", {
        peer: from,
        remote: previous.remote,
      });
      previous.closed = true;
      previous.socket.destroy();
    }
    c.socket.write(proof.length === 0 ? acceptedAnswer : Buffer.concat([acceptedAnswer, proof]));
  }

  /**
   * Adopts the ensemble id a listed member dialled with, if the owner allows it, and only
   * while no link with our own id ever came up: a member of a new ensemble meets its peers
   * within moments, so a misconfigured dialler cannot talk it out of its ensemble; a joiner
   * never meets anyone with the id its server lines derive.
   */
  private adopt(ensembleId: string, from: number): boolean {
    if (this.linkedOnce || !this.links.has(from) || this.options.adoptEnsemble === undefined) {
      return false;
    }
    if (!this.options.adoptEnsemble(ensembleId, from)) return false;
    this.logger.info("joining the ensemble of a member that dialled in", {
      ensembleId,
      peer: from,
      was: this.ensembleId,
    });
    this.ensembleId = ensembleId;
    this.ensembleIdBytes = Buffer.from(ensembleId, "utf8");
    for (const link of this.links.values()) {
      link.handshake = encodePeerHandshake(ensembleId, this.self, link.id);
    }
    return true;
  }

  /** Hands one frame body from an accepted connection to the member. */
  deliver(c: InboundConnection, body: Buffer): void {
    if (this.stopped) return;
    const link = this.links.get(c.peer)!;
    link.messagesReceived++;
    this.handler!.message(c.peer, body);
  }

  /** Closes a connection that broke the protocol, with one log line saying why. */
  closeBad(c: InboundConnection, reason: string, fields: Record<string, number | string>): void {
    if (c.closed) return;
    c.closed = true;
    this.logger.warn("closing peer connection", {
      remote: c.remote,
      peer: c.peer === 0 ? undefined : c.peer,
      reason,
      ...fields,
    });
    c.socket.destroy();
  }

  private refuse(
    c: InboundConnection,
    code: PeerRefusal,
    fields: Record<string, number | string>,
  ): number {
    if (c.closed) return 0;
    c.closed = true;
    this.logger.warn("refusing peer connection", {
      remote: c.remote,
      reason: refusalReasons[code],
      ...fields,
    });
    // The answer lets the dialler log why; the socket is destroyed once it is handed to the
    // kernel, so a dialler that never reads cannot hold the connection open.
    c.socket.end(refusalAnswers[code], () => c.socket.destroy());
    return 0;
  }

  private inboundClosed(c: InboundConnection): void {
    this.accepted.delete(c);
    if (c.timer !== null) clearTimeout(c.timer);
    c.timer = null;
    if (c.peer !== 0) {
      const link = this.links.get(c.peer);
      if (link !== undefined && link.inbound === c) link.inbound = null;
    }
    if (c.closed || this.stopped) return;
    c.closed = true;
    if (c.partialBytes > 0) {
      this.logger.warn("closing peer connection", {
        remote: c.remote,
        peer: c.peer === 0 ? undefined : c.peer,
        reason: c.peer === 0 ? "closed during the handshake" : "closed in the middle of a frame",
        partialBytes: c.partialBytes,
      });
    } else if (c.peer !== 0) {
      this.logger.info("peer closed its connection", { peer: c.peer, remote: c.remote });
    } else {
      this.logger.warn("closing peer connection", {
        remote: c.remote,
        reason:
          c.tlsError === "" ? "closed before any handshake" : `TLS handshake failed: ${c.tlsError}`,
      });
    }
  }
}

const refusedPrefix = "refused by peer: ";
const untrustedPrefix = "not trusted: ";
const acceptedAnswer = Buffer.of(PeerRefusal.accepted);
const emptyProof = Buffer.alloc(0);
const refusalAnswers: readonly Buffer[] = refusalReasons.map((_, code) => Buffer.of(code));

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
