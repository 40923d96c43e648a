// A minimal ZooKeeper client over a raw socket, built on Corral's protocol codec, for tests
// that need control no real client gives: sending any bytes, resuming a session with a chosen
// password or lastZxidSeen, and seeing exactly when the server closes the connection.
import { connect, type Socket } from "node:net";
import { encodeConnectRequest, readConnectResponse } from "../../src/protocol/connect-codec.js";
import { OpCode, Xid } from "../../src/protocol/constants.js";
import { Reader } from "../../src/protocol/reader.js";
import type { ConnectResponse, ReplyHeader } from "../../src/protocol/records.js";
import {
  encodeRequest,
  type RequestBodies,
  type RequestOpcode,
} from "../../src/protocol/request-codec.js";
import {
  type ResponseBodies,
  type ResponseOpcode,
  readReplyHeader,
  readResponseBody,
} from "../../src/protocol/response-codec.js";
import { Writer } from "../../src/protocol/writer.js";

export interface Reply<T> {
  header: ReplyHeader;
  body: T | null;
}

export class RawConnection {
  private readonly frames: Buffer[] = [];
  private pending = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private readonly writer = new Writer(64 * 1024);
  private xid = 1;
  isClosed = false;
  /** The highest zxid seen in a reply header (what a real client sends as lastZxidSeen). */
  lastZxid = 0;
  /** Resolves when the server (or we) closed the socket. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.isClosed = true;
        this.wake?.();
        resolve();
      });
    });
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4) {
        const n = this.pending.readInt32BE(0);
        if (this.pending.length < 4 + n) break;
        this.frames.push(this.pending.subarray(4, 4 + n));
        this.pending = this.pending.subarray(4 + n);
      }
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.off("error", reject);
        resolve(new RawConnection(socket));
      });
      socket.once("error", reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(Buffer.from(bytes));
  }

  /** The next frame body, or null once the connection is closed with nothing left. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.isClosed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no frame from the server in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Waits for the server to close; fails if it sends a frame or stays open too long. */
  async expectClosedWithoutReply(timeoutMs = 5000): Promise<void> {
    const frame = await this.nextFrame(timeoutMs);
    if (frame !== null) throw new Error(`expected a close, got a ${frame.length}-byte frame`);
  }

  async handshake(
    options: {
      sessionId?: bigint;
      passwd?: Uint8Array;
      timeOut?: number;
      lastZxidSeen?: number;
      /** The readOnly byte; null leaves it out, as old clients do. Default false. */
      readOnly?: boolean | null;
    } = {},
  ): Promise<ConnectResponse | null> {
    this.write(
      encodeConnectRequest(this.writer, {
        protocolVersion: 0,
        lastZxidSeen: options.lastZxidSeen ?? 0,
        timeOut: options.timeOut ?? 30000,
        sessionId: options.sessionId ?? 0n,
        passwd: options.passwd ?? new Uint8Array(16),
        readOnly: options.readOnly === null ? undefined : (options.readOnly ?? false),
      }),
    );
    const frame = await this.nextFrame();
    if (frame === null) return null;
    const res = readConnectResponse(new Reader().reset(frame));
    return { ...res, passwd: Uint8Array.prototype.slice.call(res.passwd) };
  }

  /** Sends a request and waits for its reply, skipping watch notifications. */
  async call<T extends RequestOpcode & ResponseOpcode>(
    type: T,
    body: RequestBodies[T],
  ): Promise<Reply<ResponseBodies[T]>> {
    // Auth packets travel with the reserved xid -4 and are answered with it.
    const xid = type === OpCode.auth ? Xid.auth : this.xid++;
    this.write(encodeRequest(this.writer, xid, type, body));
    for (;;) {
      const frame = await this.nextFrame();
      if (frame === null) throw new Error(`connection closed awaiting reply to opcode ${type}`);
      const r = new Reader().reset(frame);
      const header = readReplyHeader(r);
      if (header.xid === -1) continue;
      if (header.zxid > this.lastZxid) this.lastZxid = header.zxid;
      if (header.xid !== xid) throw new Error(`reply xid ${header.xid}, expected ${xid}`);
      const parsed = header.err === 0 && r.remaining > 0 ? readResponseBody(r, type) : null;
      return { header, body: parsed };
    }
  }

  /** Sends raw bytes framed as one request (xid, opcode, then `body` as given). */
  sendRawRequest(xid: number, type: number, body: Uint8Array): void {
    const frame = Buffer.alloc(12 + body.length);
    frame.writeInt32BE(8 + body.length, 0);
    frame.writeInt32BE(xid, 4);
    frame.writeInt32BE(type, 8);
    frame.set(body, 12);
    this.write(frame);
  }

  async replyHeader(): Promise<ReplyHeader | null> {
    for (;;) {
      const frame = await this.nextFrame();
      if (frame === null) return null;
      const header = readReplyHeader(new Reader().reset(frame));
      if (header.xid !== -1) return header;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Opens a connection and creates a new session on it. */
export async function openSession(
  port: number,
  timeOut = 30000,
): Promise<{ conn: RawConnection; session: ConnectResponse }> {
  const conn = await RawConnection.open(port);
  const session = await conn.handshake({ timeOut });
  if (session === null || session.timeOut === 0) throw new Error("session refused");
  return { conn, session };
}
