// The connection handshake, from a connection's first frame until its session is ready. The
// first frame is a ConnectRequest, and the member answers it with a ConnectResponse that opens
// a new session or resumes the client's own, or with the "session expired" response
// (timeOut 0), or closes without a reply when the client must look for another member
// (zookeeper-protocol.md §3). A new session is a createSession entry proposed through the
// member's write path, so every member learns of it; its ConnectResponse goes out only when
// that entry commits, and the frames the client pipelined behind its ConnectRequest wait
// until then. A read-only member follows the rules of server/read-only.ts instead. A
// connection that sends no ConnectRequest at all is closed after a timeout.
//
// The handshake owns no table of its own: sessions, bindings and expiry belong to the
// member, which lends them through HandshakeHost, so this module holds only the rules.
import type { Clock } from "../base/clock.js";
import { sessionPasswordBytes } from "../base/limits.js";
import type { Logger } from "../base/logger.js";
import type { Random } from "../base/random.js";
import { encodeConnectResponse, readConnectRequest } from "../protocol/connect-codec.js";
import { OpCode } from "../protocol/constants.js";
import type { Reader } from "../protocol/reader.js";
import type { ConnectRequest } from "../protocol/records.js";
import type { Writer } from "../protocol/writer.js";
import type { SessionCreated } from "../state/apply.js";
import { type Entry, EntryKind } from "../state/entry.js";
import type { State } from "../state/state.js";
import { type ClientState, ItemKind, PendingItem, Phase } from "./client-state.js";
import type { ServerConfig } from "./config.js";
import type { ExpiryQueue } from "./expiry-queue.js";
import { type LocalSessions, localSessionIdMin } from "./read-only.js";
import type { SessionBindings } from "./session-bindings.js";

/** What the handshake needs from the member that holds the connection. */
export interface HandshakeHost {
  readonly config: ServerConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly state: State;
  /** The member's reader and writer, reset for each frame. */
  readonly reader: Reader;
  readonly writer: Writer;
  /** The connection each live session is bound to on this member. */
  readonly bindings: SessionBindings;
  /** Sessions whose close was proposed and not yet applied: they cannot be resumed. */
  readonly closingSessions: ReadonlySet<number>;
  readonly expiry: ExpiryQueue<number>;
  /** Sessions created while read-only. */
  readonly localSessions: LocalSessions;
  /**
   * True while read-only (storage failed, or no leader with readonlymode.enabled): only
   * clients that accept a read-only server are served.
   */
  readOnly(): boolean;
  /** False while this member knows no leader: it then serves nobody (as ZooKeeper). */
  serving(): boolean;
  /** Proposes an entry whose commit completes `item`; false when the log refuses it. */
  propose(client: ClientState, item: PendingItem, entry: Entry): boolean;
  /** Sends a frame to the client, counted like every other frame the member sends. */
  send(client: ClientState, frame: Uint8Array): void;
  /** Runs a request frame of a client whose session is ready. */
  request(client: ClientState, frame: Uint8Array): void;
}

const zeroPassword = new Uint8Array(sessionPasswordBytes);

export class Handshake {
  constructor(private readonly host: HandshakeHost) {}

  /** Arms the timer that closes a new connection if its ConnectRequest does not come. */
  startTimer(client: ClientState): void {
    const { clock, config, logger } = this.host;
    // Like ZooKeeper's NIO server, a connection that never sends a ConnectRequest is closed
    // after a while, so idle or half-open sockets cannot pile up. One timer per connection,
    // cancelled as soon as the handshake frame arrives.
    client.handshakeTimer = clock.setTimer(config.sessionlessConnectionTimeoutMs, () => {
      client.handshakeTimer = null;
      if (client.phase !== Phase.handshake || client.connection.closed) return;
      logger.info("closing connection: no ConnectRequest in time", {
        remote: client.remote,
        timeoutMs: config.sessionlessConnectionTimeoutMs,
      });
      client.connection.close("handshake timed out");
    });
  }

  cancelTimer(client: ClientState): void {
    if (client.handshakeTimer !== null) {
      this.host.clock.cancelTimer(client.handshakeTimer);
      client.handshakeTimer = null;
    }
  }

  /** Handles the connection's first frame, which must be a ConnectRequest. */
  receive(client: ClientState, body: Uint8Array): void {
    const host = this.host;
    this.cancelTimer(client);
    let req: ConnectRequest;
    try {
      req = readConnectRequest(host.reader.reset(body));
    } catch (err) {
      host.logger.warn("closing connection: malformed ConnectRequest", {
        remote: client.remote,
        error: err instanceof Error ? err.message : String(err),
      });
      client.connection.close("malformed ConnectRequest");
      return;
    }
    client.readOnlyDialect = req.readOnly !== undefined;
    if (host.readOnly() && req.readOnly !== true) {
      // ZooKeeper checks this first: a read-only server serves only clients that said they
      // accept one; the others must find a writable server (§3 rule 3).
      host.logger.info("refusing client that does not accept a read-only server", {
        remote: client.remote,
        readOnlyFlag: req.readOnly === undefined ? "absent" : "false",
      });
      client.connection.close("client does not accept a read-only server");
      return;
    }
    if (!host.readOnly() && !host.serving()) {
      // ZooKeeper closes connections while its server is not running (during an election,
      // or cut off from the quorum): the client moves on to another member.
      host.logger.info("refusing client: this member knows no leader", {
        remote: client.remote,
      });
      client.connection.close("no leader known");
      return;
    }
    if (req.lastZxidSeen > host.state.lastZxid) {
      // The client saw a newer state elsewhere; it must try another member (§3 rule 3).
      host.logger.info("refusing client that has seen a newer zxid", {
        remote: client.remote,
        clientZxid: req.lastZxidSeen,
        lastZxid: host.state.lastZxid,
      });
      client.connection.close("client is ahead of this member");
      return;
    }
    const cfg = host.config;
    const timeoutMs = Math.min(
      Math.max(req.timeOut, cfg.minSessionTimeoutMs),
      cfg.maxSessionTimeoutMs,
    );
    client.sessionTimeoutMs = timeoutMs;
    if (host.readOnly()) {
      this.readOnlyHandshake(client, req);
      return;
    }
    if (req.sessionId === 0n) {
      const password = host.random.fill(new Uint8Array(sessionPasswordBytes));
      const item = new PendingItem(
        ItemKind.write,
        0,
        OpCode.createSession,
        host.clock.monotonicMs(),
      );
      client.phase = Phase.connecting;
      client.push(item);
      if (
        !host.propose(client, item, {
          kind: EntryKind.createSession,
          timeMs: host.clock.nowMs(),
          timeoutMs,
          password,
        })
      ) {
        client.connection.close("cannot create sessions now");
      }
      return;
    }
    const id = sessionIdNumber(req.sessionId);
    const session = id > 0 ? host.state.sessions.get(id) : undefined;
    if (session === undefined && id > host.state.lastZxid && id < localSessionIdMin) {
      // A session's id is the zxid of its creation: this member has not applied it yet, so
      // it cannot tell whether the session lives. A client that has had no reply yet still
      // says lastZxidSeen 0; "expired" here would end a live session. It tries elsewhere.
      host.logger.info("refusing client whose session this member has not applied yet", {
        remote: client.remote,
        session: `0x${id.toString(16)}`,
        lastZxid: host.state.lastZxid,
      });
      client.connection.close("client is ahead of this member");
      return;
    }
    if (
      session !== undefined &&
      host.closingSessions.has(id) &&
      samePassword(session.password, req.passwd)
    ) {
      // Its close is proposed, not applied, and may never be (a leader cut off from the
      // quorum proposes expiries that are lost with its term): "expired" now could end a
      // session that lives on. The client tries again; once the close applies, it is told.
      host.logger.info("refusing to resume a session whose close is not applied yet", {
        remote: client.remote,
        session: `0x${id.toString(16)}`,
      });
      client.connection.close("session is being closed");
      return;
    }
    if (session === undefined || !samePassword(session.password, req.passwd)) {
      this.refuseResume(client, req.sessionId);
      return;
    }
    this.accept(client, id, timeoutMs, session.password);
  }

  /** Keeps a frame that arrived while the client's session is being created. */
  hold(client: ClientState, body: Uint8Array): void {
    // Clients pipeline auth and setWatches right behind the ConnectRequest; they run
    // once the session exists (zookeeper-protocol.md §3 rule 6).
    client.early.push(Uint8Array.prototype.slice.call(body));
  }

  /**
   * The createSession entry `receive` proposed for this client has committed: the client
   * gets its ConnectResponse, then the frames it sent meanwhile run in order.
   */
  sessionCreated(client: ClientState, created: SessionCreated): void {
    client.shift();
    if (client.connection.closed) return;
    this.accept(client, created.sessionId, created.timeoutMs, created.password);
    const early = client.early;
    client.early = [];
    for (const frame of early) {
      if (client.connection.closed) break;
      this.host.request(client, frame);
    }
  }

  /** The handshake of a read-only member (server/read-only.ts has the rules). */
  private readOnlyHandshake(client: ClientState, req: ConnectRequest): void {
    const host = this.host;
    if (req.sessionId === 0n) {
      // Nothing can be proposed: the session lives in this member's memory only.
      const session = host.localSessions.create();
      this.accept(client, session.id, client.sessionTimeoutMs, session.password);
      host.logger.debug("read-only session created", {
        remote: client.remote,
        session: `0x${session.id.toString(16)}`,
      });
      return;
    }
    const id = sessionIdNumber(req.sessionId);
    if (id > 0 && host.state.sessions.has(id)) {
      // ZooKeeper 3.7+ (ZOOKEEPER-3864): a read-only server refuses to renew a replicated
      // session and closes without a reply; the client keeps trying other servers.
      host.logger.info("refusing to resume a replicated session: this member is read-only", {
        remote: client.remote,
        session: `0x${id.toString(16)}`,
      });
      client.connection.close("replicated session cannot be resumed on a read-only member");
      return;
    }
    const local = id > 0 ? host.localSessions.get(id) : undefined;
    if (local === undefined || !samePassword(local.password, req.passwd)) {
      this.refuseResume(client, req.sessionId);
      return;
    }
    this.accept(client, id, client.sessionTimeoutMs, local.password);
  }

  /** The "session expired" answer (timeOut 0) to a resume that cannot be honoured, then close. */
  private refuseResume(client: ClientState, sessionId: bigint): void {
    this.host.logger.info("session resume refused: expired, unknown or wrong password", {
      remote: client.remote,
      session: `0x${sessionId.toString(16)}`,
    });
    this.sendConnectResponse(client, 0, 0n, zeroPassword);
    client.connection.close("session expired");
  }

  /**
   * A ConnectResponse in the client's dialect: the readOnly byte only if the client sent
   * one, true iff this member is read-only (ZooKeeper sends it even on the expired reply).
   */
  private sendConnectResponse(
    client: ClientState,
    timeOut: number,
    sessionId: bigint,
    passwd: Uint8Array,
  ): void {
    this.host.send(
      client,
      encodeConnectResponse(this.host.writer, {
        protocolVersion: 0,
        timeOut,
        sessionId,
        passwd,
        readOnly: client.readOnlyDialect ? this.host.readOnly() : undefined,
      }),
    );
  }

  /**
   * Binds the session to the client's connection and sends the ConnectResponse that opens it
   * there. On a resume `sessionId` is the client's own id, already checked to be a safe
   * integer, so the response carries exactly the id the client sent.
   */
  private accept(
    client: ClientState,
    sessionId: number,
    timeOut: number,
    passwd: Uint8Array,
  ): void {
    const host = this.host;
    const previous = host.bindings.bind(sessionId, client);
    if (previous !== undefined) {
      // The session moved to a new connection: the old one must not execute anything more.
      previous.phase = Phase.closing;
      previous.connection.close("session moved to another connection");
    }
    client.sessionId = sessionId;
    client.phase = Phase.ready;
    host.expiry.touch(sessionId, host.clock.monotonicMs(), client.sessionTimeoutMs);
    this.sendConnectResponse(client, timeOut, BigInt(sessionId), passwd);
  }
}

/** A client's session id as Corral's number, or -1 when it cannot be one of ours. */
function sessionIdNumber(id: bigint): number {
  return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1;
}

function samePassword(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
