// The client port over TCP: accepts connections, splits the byte stream into frames and
// hands whole frame bodies to the member, detects four-letter words, enforces the frame
// size limit and the per-address connection cap, and batches outgoing frames.
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
import type { ClientConnection, ClientConnectionHandler } from "../base/client-connection.js";
import type { Logger } from "../base/logger.js";
import { connectionRefusedChannel } from "../server/diagnostics.js";

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
}

const outputChunkBytesMin = 16 * 1024;

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

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly socket: Socket,
    private readonly listener: ClientListener,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const need = this.outLength + frame.length;
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
    // A peer that never reads must not keep the socket alive forever.
    this.socket.setTimeout(5000, () => this.socket.destroy());
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
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
    const max = this.listener.options.packetBytesMax;
    while (!this.closed && data.length - offset >= 4) {
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
      this.framesSeen = true;
      const body = data.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
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
}

export class ClientListener {
  private readonly server: Server;
  private readonly connections = new Set<TcpClientConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly flushQueue: TcpClientConnection[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private readonly outputBytesHighWater: number;

  constructor(
    readonly options: ClientListenerOptions,
    readonly handler: ClientConnectionHandler,
    readonly logger: Logger,
  ) {
    this.outputBytesHighWater = options.outputBytesHighWater ?? 8 * 1024 * 1024;
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
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const queue = this.flushQueue;
    for (let i = 0; i < queue.length; i++) queue[i].flush();
    queue.length = 0;
  };

  checkBackpressure(connection: TcpClientConnection): void {
    const socket = connection.socket;
    if (socket.writableLength > this.outputBytesHighWater && !socket.isPaused()) {
      this.logger.debug("client reads slowly; pausing its input", { connection: connection.id });
      socket.pause();
      socket.once("drain", () => {
        if (!socket.destroyed) socket.resume();
      });
    }
  }

  private accept(socket: Socket): void {
    const address = normaliseAddress(socket.remoteAddress ?? "unknown");
    const port = socket.remotePort ?? 0;
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
      socket.destroy();
      return;
    }
    this.perAddress.set(address, count + 1);
    const connection = new TcpClientConnection(this.nextId++, address, port, socket, this);
    this.connections.add(connection);
    socket.on("data", (chunk: Buffer) => {
      if (!connection.closed) connection.receive(chunk);
    });
    socket.on("error", (err) => {
      this.logger.debug("client socket error", { connection: connection.id, error: err.message });
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
      this.connections.delete(connection);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      this.handler.disconnected(connection);
    });
    this.handler.connected(connection);
  }
}

/** "::ffff:127.0.0.1" (an IPv4 client on a dual-stack socket) is reported as 127.0.0.1. */
function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
