// A ZooKeeper session the admin port opens on its own member, in process, for the edits an
// administrator makes from the dashboard or the HTTP API. It is a ClientConnection like a TCP
// one: the member receives a ConnectRequest, an auth packet and ordinary requests, and answers
// with ordinary frames, so every edit goes through the same pipeline, log and apply() as a
// client's, and the znode ACLs are checked against this session's identity exactly as for a
// client (the admin is a super user only if its credentials match the superDigest).
//
// The session lives for one HTTP request: open, authenticate, one operation, close. Its
// connection carries the HTTP client's address, so `ip:` ACLs see the real requester.
import type { ClientConnection } from "../base/client-connection.js";
import { encodeConnectRequest, readConnectResponse } from "../protocol/connect-codec.js";
import { OpCode, Xid } from "../protocol/constants.js";
import { Reader } from "../protocol/reader.js";
import {
  encodeRequest,
  type RequestBodies,
  type RequestOpcode,
} from "../protocol/request-codec.js";
import {
  type ResponseBodies,
  type ResponseOpcode,
  readReplyHeader,
  readResponseBody,
} from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { Member } from "../server/member.js";

/** Connection ids far above the client listener's, which count up from 1. */
let nextConnectionId = 2 ** 48;

/** A request's outcome: ZooKeeper's error code (0 = ok) and the decoded body if ok. */
export interface SessionReply<T> {
  err: number;
  body: T | null;
}

interface Waiting {
  opcode: number;
  resolve(reply: SessionReply<unknown>): void;
}

export class SessionClosedError extends Error {
  override readonly name = "SessionClosedError";
}

export class MemberSession implements ClientConnection {
  readonly id = nextConnectionId++;
  closed = false;
  private readonly writer = new Writer(4096);
  private readonly reader = new Reader(64 * 1024 * 1024);
  private readonly waiting = new Map<number, Waiting>();
  private handshake: ((ok: boolean) => void) | null = null;
  private xid = 1;

  constructor(
    private readonly member: Member,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly sessionTimeoutMs: number,
  ) {}

  /** Opens the session; resolves false when the member refuses it (read-only, stopping). */
  open(): Promise<boolean> {
    return new Promise((resolve) => {
      this.handshake = resolve;
      this.member.connected(this);
      const frame = encodeConnectRequest(this.writer, {
        protocolVersion: 0,
        lastZxidSeen: 0,
        timeOut: this.sessionTimeoutMs,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false,
      });
      this.member.frame(this, frame.subarray(4));
    });
  }

  /** Adds `digest user:password` to the session's identity. */
  async authenticate(userColonPassword: string): Promise<number> {
    const reply = await this.call(Xid.auth, OpCode.auth, {
      type: 0,
      scheme: "digest",
      auth: Buffer.from(userColonPassword, "utf8"),
    });
    return reply.err;
  }

  request<T extends RequestOpcode & ResponseOpcode>(
    opcode: T,
    body: RequestBodies[T],
  ): Promise<SessionReply<ResponseBodies[T]>> {
    return this.call(this.xid++, opcode, body) as Promise<SessionReply<ResponseBodies[T]>>;
  }

  /** Closes the session (a closeSession entry) and the connection. */
  async end(): Promise<void> {
    if (this.closed) return;
    await this.call(this.xid++, OpCode.closeSession, null).catch(() => {});
    this.close("admin request done");
  }

  private call(xid: number, opcode: number, body: unknown): Promise<SessionReply<unknown>> {
    if (this.closed) return Promise.reject(new SessionClosedError("the session is closed"));
    return new Promise((resolve) => {
      this.waiting.set(xid, { opcode, resolve });
      const frame = encodeRequest(this.writer, xid, opcode, body as never);
      this.member.frame(this, frame.subarray(4));
    });
  }

  // ---- ClientConnection: what the member calls ------------------------------------------

  /** A frame from the member (length prefix included), decoded before the call returns. */
  send(frame: Uint8Array): void {
    this.receive(frame);
  }

  close(_reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handshake?.(false);
    this.handshake = null;
    for (const w of this.waiting.values()) w.resolve({ err: sessionLost, body: null });
    this.waiting.clear();
    // The carrier tells the member once, after the member's own call has returned.
    setImmediate(() => this.member.disconnected(this));
  }

  private receive(frame: Uint8Array): void {
    const r = this.reader.reset(frame.subarray(4));
    if (this.handshake !== null) {
      const response = readConnectResponse(r);
      const done = this.handshake;
      this.handshake = null;
      done(response.sessionId !== 0n);
      return;
    }
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification || header.xid === Xid.ping) return;
    const w = this.waiting.get(header.xid);
    if (w === undefined) return;
    this.waiting.delete(header.xid);
    if (header.err !== 0 || w.opcode === OpCode.closeSession || w.opcode === OpCode.auth) {
      w.resolve({ err: header.err, body: null });
      return;
    }
    w.resolve({ err: 0, body: readResponseBody(r, w.opcode) });
  }
}

/** The error a request gets when the member closed the session's connection under it. */
export const sessionLost = -4;
