// One accepted peer connection: the handshake first (io/peer-handshake.ts), then frames from
// the member it proved to be, each a u32 length N (big-endian, at most frameBytesMax, else
// the connection is closed) and N bytes of body. Bodies are handed on as views into the
// receive buffer, valid during the call only (the PeerHandler contract). Every close that is
// not the transport's own doing leaves one log line naming the remote address and the reason.
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import type { LogFields, Logger } from "../base/logger.js";
import type { AcceptorHandshake } from "./peer-handshake.js";

/** A receive buffer above this size is let go once it is empty. */
const pendingBytesKeptMax = 64 * 1024;

/** What an accepted connection tells the transport. */
export interface InboundOwner {
  readonly frameBytesMax: number;
  readonly logger: Logger;
  /** The handshake admitted member `peer` (before its answer is sent). */
  admitted(c: InboundConnection, peer: number): void;
  /** One frame body from the admitted member. */
  deliver(c: InboundConnection, body: Buffer): void;
}

export class InboundConnection {
  /** The dialler's member id once the handshake succeeded; 0 before. */
  peer = 0;
  /** Why TLS failed before the hello, for the log line when the socket closes. */
  tlsError = "";
  closed = false;
  /** Bytes received but not yet consumed: [0, pendingLength) of `pending`. */
  private pending: Buffer | null = null;
  private pendingLength = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly owner: InboundOwner,
    readonly socket: Socket,
    readonly remote: string,
    private readonly handshake: AcceptorHandshake,
    handshakeTimeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.peer === 0) {
        this.closeBad("handshake not finished in time", {
          handshakeTimeoutMs,
          partialBytes: this.pendingLength,
        });
      }
    }, handshakeTimeoutMs);
  }

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
      const step = this.handshake.receive(data);
      if (step.kind === "close") {
        this.closeAfter(step.reply);
        return;
      }
      offset = step.consumed;
      if (step.kind === "wait") {
        if (step.reply !== null) this.socket.write(step.reply);
        this.keep(data, offset, merged, 0);
        return;
      }
      this.admit(step.peer);
      this.socket.write(step.reply);
    }
    const max = this.owner.frameBytesMax;
    let wanted = 0;
    while (!this.closed && data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length > max) {
        this.closeBad("frame longer than frameBytesMax", { length, max });
        return;
      }
      if (data.length - offset - 4 < length) {
        // Room for the whole frame at once, rather than growing with every chunk of it.
        wanted = 4 + length;
        break;
      }
      const body = data.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      this.owner.deliver(this, body);
    }
    if (!this.closed) this.keep(data, offset, merged, wanted);
  }

  private admit(peer: number): void {
    this.peer = peer;
    this.stopTimer();
    this.owner.admitted(this, peer);
  }

  /** TLS is up but the dialler's certificate is not trusted: refused before its hello. */
  refuseCertificate(detail: string): void {
    this.closeAfter(this.handshake.refuseCertificate(detail).reply);
  }

  /** Closes a connection that broke the protocol, with one log line saying why. */
  closeBad(reason: string, fields: LogFields): void {
    if (this.closed) return;
    this.owner.logger.warn("closing peer connection", {
      remote: this.remote,
      peer: this.peer === 0 ? undefined : this.peer,
      reason,
      ...fields,
    });
    this.destroy();
  }

  /** Closes without a word: the transport stops, or a newer connection replaced this one. */
  destroy(): void {
    this.closed = true;
    this.stopTimer();
    this.socket.destroy();
  }

  /**
   * Closes after the handshake refused the dialler (and logged why). The answer lets the
   * dialler log why too; the socket is destroyed once it is handed to the kernel, so a
   * dialler that never reads cannot hold the connection open.
   */
  private closeAfter(reply: Buffer | null): void {
    this.closed = true;
    this.stopTimer();
    const socket = this.socket;
    if (reply === null) socket.destroy();
    else socket.end(reply, () => socket.destroy());
  }

  /** The socket closed; says why in one line unless this side closed it. */
  socketClosed(): void {
    this.stopTimer();
    if (this.closed) return;
    this.closed = true;
    const logger = this.owner.logger;
    if (this.pendingLength > 0) {
      logger.warn("closing peer connection", {
        remote: this.remote,
        peer: this.peer === 0 ? undefined : this.peer,
        reason: this.peer === 0 ? "closed during the handshake" : "closed in the middle of a frame",
        partialBytes: this.pendingLength,
      });
    } else if (this.peer !== 0) {
      logger.info("peer closed its connection", { peer: this.peer, remote: this.remote });
    } else {
      logger.warn("closing peer connection", {
        remote: this.remote,
        reason:
          this.tlsError === ""
            ? "closed before any handshake"
            : `TLS handshake failed: ${this.tlsError}`,
      });
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
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
