// The client port over TCP: accepts connections, splits the byte stream into frames and
// hands whole frame bodies to the member, detects four-letter words, and batches outgoing
// frames. It is also the member's front door, holding every limit that protects the member
// from its clients before a request reaches the pipeline:
//
// - maxCnxns (all connections of this listener) and maxClientCnxns (one address), checked
//   at accept, as ZooKeeper's connection factories check them;
// - a handshake deadline counted from accept and never extended by arriving bytes: a client
//   that trickles its ConnectRequest (or its TLS handshake) is closed when it expires;
// - the first frame (the ConnectRequest, about 50 bytes) may not exceed
//   handshakeFrameBytesMax, so a connection that has not even said hello cannot make the
//   member buffer a megabyte for it;
// - globalOutstandingLimit through a shared RequestThrottle (io/request-throttle.ts): a
//   connection is not read while too many requests are outstanding and it has some of its
//   own; frames it already sent wait, undispatched, in its receive buffer;
// - unsent output above outputBytesHighWater pauses reading from that client, and above
//   outputBytesMax (a client that never reads its replies and watch events) closes it.
//
// A connection the member closes gets its queued output and a FIN, then is destroyed after
// closeLingerMs at the latest, however busily the peer keeps sending.
//
// Wire framing (zookeeper-protocol.md §1): every frame is a 4-byte big-endian signed length
// N followed by N bytes. N < 0 or N > jute.maxbuffer closes the connection (ZooKeeper sends
// nothing back). Four-letter words (§17): on a connection that has not sent a frame yet, a
// first 4-byte "length" spelling a known command word runs that command instead; `stmk` is
// followed by an 8-byte mask. The answer is written and the connection closed.
//
// Frame bodies are passed as views into the receive buffer (no copy per frame). Outgoing
// frames are copied into one buffer per connection and flushed once per event-loop turn, so
// a burst of replies and notifications costs one write call.
import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { ClientConnection, ClientConnectionHandler } from "../base/client-connection.js";
import { handshakeFrameBytesMax } from "../base/limits.js";
import type { Logger } from "../base/logger.js";
import { connectionRefusedChannel } from "../server/diagnostics.js";
import { RequestThrottle } from "./request-throttle.js";
import type { TlsContextSource } from "./tls-context.js";
import { certificateSubject, verifyError } from "./tls-peer.js";

export interface ClientListenerOptions {
  host: string;
  port: number;
  /** Largest frame body accepted (jute.maxbuffer). */
  packetBytesMax: number;
  /** Connections allowed from one address (maxClientCnxns); 0 = no limit. */
  connectionsPerAddressMax: number;
  /** Four-letter words recognised on the first bytes of a connection. */
  fourLetterWords: ReadonlySet<string>;
  /** Pause reading from a client whose unsent output exceeds this (a slow consumer). */
  outputBytesHighWater?: number;
  /** Close a client whose unsent output exceeds this (it does not read at all). */
  outputBytesMax?: number;
  /** Connections allowed on this listener (maxCnxns); 0 = no limit. */
  connectionsMax?: number;
  /**
   * A connection whose first frame has not arrived this long after accept is closed
   * (nio.sessionlessCnxnTimeout); 0 = no deadline here (the member's own timer remains).
   */
  handshakeDeadlineMs?: number;
  /** globalOutstandingLimit, shared by every listener of the member; none = no throttling. */
  throttle?: RequestThrottle;
  /** How long a closed connection may linger for its last bytes before it is destroyed. */
  closeLingerMs?: number;
  /**
   * Makes this the secure client port: every connection is a TLS server socket on this
   * context, and the member hears of it only once the TLS handshake has succeeded (and the
   * client's certificate is trusted when ssl.clientAuth asks for one).
   */
  tls?: TlsContextSource;
}

const outputChunkBytesMin = 16 * 1024;
const emptyChunk = Buffer.alloc(0);

/** Why reading from a socket is paused; reading resumes when no reason is left. */
const enum Pause {
  none = 0,
  /** Too much output waits for the client (slow consumer). */
  output = 1,
  /** globalOutstandingLimit: this connection waits for its own replies. */
  throttle = 2,
}

class TcpClientConnection implements ClientConnection {
  closed = false;
  /** Bytes received but not yet a whole frame. */
  private pending: Buffer | null = null;
  private pendingLength = 0;
  private framesSeen = false;
  private fourLetterWord: string | null = null;
  private out: Buffer | null = null;
  private outLength = 0;
  private queuedForFlush = false;
  /** Requests read whose replies have not been sent (xid > 0 only). */
  outstanding = 0;
  paused = Pause.none;
  /** Hard deadline for the first frame, then for the socket to go after close(). */
  timer: NodeJS.Timeout | null = null;
  /** True once the member was told of this connection (after TLS, when secure). */
  announced = false;
  certificateSubject: string | null = null;

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly socket: Socket,
    private readonly listener: ClientListener,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.outstanding > 0 && frame.length >= 8 && readXid(frame, 4) > 0) {
      this.outstanding--;
      this.listener.replied(this);
    }
    const need = this.outLength + frame.length;
    if (need + this.socket.writableLength > this.listener.outputBytesMax) {
      this.listener.logger.warn("closing client connection: it does not read its replies", {
        connection: this.id,
        remote: this.label(),
        unsentBytes: need + this.socket.writableLength,
        max: this.listener.outputBytesMax,
      });
      this.abort();
      return;
    }
    if (this.out === null || need > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(outputChunkBytesMin, need * 2));
      if (this.out !== null) this.out.copy(grown, 0, 0, this.outLength);
      this.out = grown;
    }
    this.out.set(frame, this.outLength);
    this.outLength = need;
    if (!this.queuedForFlush) {
      this.queuedForFlush = true;
      this.listener.queueFlush(this);
    }
  }

  flush(): void {
    this.queuedForFlush = false;
    if (this.outLength === 0 || this.socket.destroyed) return;
    // The socket keeps a reference to the buffer until it is written, so the next send
    // starts a fresh buffer rather than overwriting this one.
    this.socket.write(this.out!.subarray(0, this.outLength));
    this.out = null;
    this.outLength = 0;
    this.listener.checkBackpressure(this);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.listener.logger.debug("closing client connection", {
      connection: this.id,
      remote: this.label(),
      reason,
    });
    this.flush();
    this.markClosed();
    this.socket.end();
    // A peer that never reads, or keeps sending after our FIN, must not keep the socket
    // alive: an idle timeout would be reset by every byte it sends, so this is a deadline.
    this.timer = setTimeout(destroySocket, this.listener.closeLingerMs, this.socket);
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.listener.forget(this);
  }

  clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Bytes of a frame received but not yet complete. */
  get partialFrameBytes(): number {
    return this.pending === null ? 0 : this.pendingLength;
  }

  label(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  /** Splits received bytes into frames and hands each whole frame to the member. */
  receive(chunk: Buffer): void {
    let data = chunk;
    if (this.pending !== null) {
      const need = this.pendingLength + chunk.length;
      if (need > this.pending.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2));
        this.pending.copy(grown, 0, 0, this.pendingLength);
        this.pending = grown;
      }
      chunk.copy(this.pending, this.pendingLength);
      this.pendingLength = need;
      data = this.pending.subarray(0, need);
    }
    let offset = 0;
    while (
      this.announced &&
      !this.closed &&
      (this.paused & Pause.throttle) === 0 &&
      data.length - offset >= 4
    ) {
      if (this.fourLetterWord !== null) {
        // stmk: the 8-byte trace mask follows the word.
        if (data.length - offset < 8) break;
        const mask = Uint8Array.prototype.slice.call(data, offset, offset + 8);
        offset += 8;
        this.answerFourLetterWord(this.fourLetterWord, mask);
        return;
      }
      if (!this.framesSeen) {
        const word = data.toString("latin1", offset, offset + 4);
        if (this.listener.options.fourLetterWords.has(word)) {
          offset += 4;
          if (word === "stmk") {
            this.fourLetterWord = word;
            continue;
          }
          this.answerFourLetterWord(word);
          return;
        }
      }
      const length = data.readInt32BE(offset);
      const max = this.framesSeen
        ? this.listener.options.packetBytesMax
        : Math.min(handshakeFrameBytesMax, this.listener.options.packetBytesMax);
      if (length < 0 || length > max) {
        this.listener.logger.warn("closing client connection: frame length out of range", {
          connection: this.id,
          remote: this.label(),
          length,
          max,
        });
        this.abort();
        return;
      }
      if (data.length - offset - 4 < length) break;
      const body = data.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      if (!this.framesSeen) {
        // The ConnectRequest: its first field is a protocol version, not an xid.
        this.framesSeen = true;
        this.clearTimer();
      } else if (length >= 4 && readXid(body, 0) > 0) {
        this.outstanding++;
        this.listener.requested(this);
      }
      this.listener.handler.frame(this, body);
    }
    if (this.closed) return;
    const rest = data.length - offset;
    if (rest === 0) {
      this.pending = null;
      this.pendingLength = 0;
    } else if (this.pending !== null) {
      // `data` is a view of `pending`: move the partial frame to the front.
      this.pending.copyWithin(0, offset, this.pendingLength);
      this.pendingLength = rest;
    } else {
      this.pending = Buffer.allocUnsafe(Math.max(rest * 2, 1024));
      data.copy(this.pending, 0, offset);
      this.pendingLength = rest;
    }
  }

  private answerFourLetterWord(word: string, argument: Uint8Array | null = null): void {
    let text: string;
    try {
      text = this.listener.handler.fourLetterWord(this, word, argument);
    } catch (err) {
      this.listener.logger.error("four-letter word failed", { word, error: String(err) });
      text = "";
    }
    this.listener.logger.debug("four-letter word", {
      connection: this.id,
      remote: this.label(),
      word,
    });
    this.markClosed();
    this.socket.end(text);
  }

  /** Closes at once without flushing: used for protocol violations. */
  abort(): void {
    this.markClosed();
    this.socket.destroy();
  }

  /** The handshake deadline passed without a first frame. */
  handshakeExpired(): void {
    this.timer = null;
    if (this.closed || this.framesSeen) return;
    this.listener.logger.info("closing client connection: no ConnectRequest in time", {
      connection: this.id,
      remote: this.label(),
      timeoutMs: this.listener.options.handshakeDeadlineMs,
      partialFrameBytes: this.partialFrameBytes,
    });
    this.abort();
  }

  pause(reason: Pause): void {
    if (this.paused === Pause.none) this.socket.pause();
    this.paused |= reason;
  }

  /** Removes one reason to pause; reading (and dispatching buffered frames) goes on. */
  unpause(reason: Pause): void {
    if (reason !== Pause.none && (this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused !== Pause.none || this.closed) return;
    this.socket.resume();
    // Frames that arrived before the pause wait in `pending`.
    if (this.pending !== null) this.receive(emptyChunk);
  }
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

function handshakeExpired(connection: TcpClientConnection): void {
  connection.handshakeExpired();
}

/** The xid (or protocol version) at `offset`: a signed 32-bit big-endian integer. */
function readXid(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]
  );
}

export class ClientListener {
  private readonly server: Server;
  private readonly connections = new Set<TcpClientConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly flushQueue: TcpClientConnection[] = [];
  private flushScheduled = false;
  /** Throttled connections whose own reply went out; resumed after the flush. */
  private readonly resumeQueue: TcpClientConnection[] = [];
  private nextId = 1;
  private readonly outputBytesHighWater: number;
  readonly outputBytesMax: number;
  readonly closeLingerMs: number;
  readonly throttle: RequestThrottle;

  constructor(
    readonly options: ClientListenerOptions,
    readonly handler: ClientConnectionHandler,
    readonly logger: Logger,
  ) {
    this.outputBytesHighWater = options.outputBytesHighWater ?? 8 * 1024 * 1024;
    this.outputBytesMax = Math.max(
      options.outputBytesMax ?? 64 * 1024 * 1024,
      this.outputBytesHighWater + 2 * options.packetBytesMax,
    );
    this.closeLingerMs = options.closeLingerMs ?? 2000;
    this.throttle = options.throttle ?? new RequestThrottle(0);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on("error", (err) => logger.error("client listener error", { error: String(err) }));
  }

  /** Starts listening; resolves with the bound port (useful when port 0 was asked). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", onError);
        const address = this.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : this.options.port);
      });
    });
  }

  /** Stops accepting and closes every connection. */
  close(): Promise<void> {
    for (const c of this.connections) c.close("server shutting down");
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.connections) c.socket.destroy();
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  queueFlush(connection: TcpClientConnection): void {
    this.flushQueue.push(connection);
    this.schedule();
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const queue = this.flushQueue;
    for (let i = 0; i < queue.length; i++) queue[i].flush();
    queue.length = 0;
    // Resumed after the flush, so a resumed connection's next frames cannot overtake
    // replies still waiting in this turn's buffers.
    const resume = this.resumeQueue;
    for (let i = 0; i < resume.length; i++) resume[i].unpause(Pause.throttle);
    resume.length = 0;
  };

  private schedule(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  checkBackpressure(connection: TcpClientConnection): void {
    const socket = connection.socket;
    if (
      socket.writableLength > this.outputBytesHighWater &&
      (connection.paused & Pause.output) === 0
    ) {
      this.logger.debug("client reads slowly; pausing its input", { connection: connection.id });
      connection.pause(Pause.output);
      socket.once("drain", () => connection.unpause(Pause.output));
    }
  }

  /** A request frame with a positive xid was read from `connection`. */
  requested(connection: TcpClientConnection): void {
    const throttle = this.throttle;
    throttle.outstanding++;
    if (throttle.shouldThrottle(connection.outstanding)) {
      if ((connection.paused & Pause.throttle) === 0) {
        this.logger.debug("too many outstanding requests; not reading from the client", {
          connection: connection.id,
          outstanding: throttle.outstanding,
          limit: throttle.outstandingMax,
        });
      }
      connection.pause(Pause.throttle);
    }
  }

  /** A reply to one of `connection`'s outstanding requests is going out. */
  replied(connection: TcpClientConnection): void {
    const throttle = this.throttle;
    throttle.outstanding--;
    if (
      (connection.paused & Pause.throttle) !== 0 &&
      !throttle.shouldThrottle(connection.outstanding)
    ) {
      this.resumeQueue.push(connection);
      this.schedule();
    }
  }

  /** The connection closed: its unanswered requests no longer count. */
  forget(connection: TcpClientConnection): void {
    this.throttle.outstanding -= connection.outstanding;
    connection.outstanding = 0;
  }

  private accept(raw: Socket): void {
    const address = normaliseAddress(raw.remoteAddress ?? "unknown");
    const port = raw.remotePort ?? 0;
    const total = this.options.connectionsMax ?? 0;
    if (total > 0 && this.connections.size >= total) {
      this.logger.warn("too many connections; closing the new one (maxCnxns)", {
        remote: `${address}:${port}`,
        limit: total,
      });
      if (connectionRefusedChannel.hasSubscribers) {
        connectionRefusedChannel.publish({ reason: "maxCnxns" });
      }
      raw.destroy();
      return;
    }
    const limit = this.options.connectionsPerAddressMax;
    const count = this.perAddress.get(address) ?? 0;
    if (limit > 0 && count >= limit) {
      this.logger.warn("too many connections from one address; closing the new one", {
        remote: `${address}:${port}`,
        limit,
      });
      if (connectionRefusedChannel.hasSubscribers) {
        connectionRefusedChannel.publish({ reason: "maxClientCnxns" });
      }
      raw.destroy();
      return;
    }
    const tls = this.options.tls;
    const socket =
      tls === undefined
        ? raw
        : new TLSSocket(raw, {
            isServer: true,
            secureContext: tls.context,
            requestCert: tls.requestCert,
            // Checked below, so that a refused client is logged with the reason.
            rejectUnauthorized: false,
          });
    this.perAddress.set(address, count + 1);
    const connection = new TcpClientConnection(this.nextId++, address, port, socket, this);
    this.connections.add(connection);
    const deadlineMs = this.options.handshakeDeadlineMs ?? 0;
    if (deadlineMs > 0) connection.timer = setTimeout(handshakeExpired, deadlineMs, connection);
    socket.on("data", (chunk: Buffer) => {
      if (!connection.closed) connection.receive(chunk);
    });
    socket.on("error", (err) => {
      if (tls !== undefined && !connection.announced) {
        this.logger.warn("TLS handshake failed; closing", {
          connection: connection.id,
          remote: connection.label(),
          error: err.message,
        });
      } else {
        this.logger.debug("client socket error", {
          connection: connection.id,
          error: err.message,
        });
      }
    });
    socket.on("close", () => {
      if (!connection.closed) {
        // The peer went away (or reset) without us closing: say so, with any half-received
        // frame, so an operator can tell an abrupt client from a server-side close.
        this.logger.debug("client connection closed by peer", {
          connection: connection.id,
          remote: connection.label(),
          partialFrameBytes: connection.partialFrameBytes,
        });
      }
      connection.markClosed();
      connection.clearTimer();
      this.connections.delete(connection);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      if (connection.announced) this.handler.disconnected(connection);
    });
    if (tls === undefined || !(socket instanceof TLSSocket)) {
      connection.announced = true;
      this.handler.connected(connection);
      return;
    }
    socket.once("secure", () => {
      if (connection.closed) return;
      const presented = socket.getPeerCertificate().raw !== undefined;
      const refusal = presented
        ? verifyError(socket)
        : tls.certificateRequired
          ? "no certificate"
          : null;
      if (refusal !== null) {
        this.logger.warn("client certificate refused; closing", {
          connection: connection.id,
          remote: connection.label(),
          reason: refusal,
        });
        connection.abort();
        return;
      }
      if (presented) connection.certificateSubject = certificateSubject(socket);
      connection.announced = true;
      this.handler.connected(connection);
      // Bytes that came with the end of the handshake waited for the member to know us.
      connection.unpause(Pause.none);
    });
  }
}

/** "::ffff:127.0.0.1" (an IPv4 client on a dual-stack socket) is reported as 127.0.0.1. */
function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
