// A member's request pipeline: sessions, per-session FIFO, reads against the local tree,
// writes through the replicated log and watch delivery. The handshake that opens each
// connection is server/handshake.ts; session expiry and container/TTL reaping, which only
// the leader performs, are server/leader-duties.ts. The member sees clients only through
// ClientConnection and time only through Clock, so the same code runs over TCP (src/io) and
// in the simulator.
//
// A write becomes a state entry; when the log commits it, apply() computes ZooKeeper's
// result on every member, this member's WatchRegistry turns the triggers into notifications
// (sent at once, so before any later reply on the watching connection and before the
// writer's own reply), and the client that sent it gets its reply when its FIFO reaches it.
//
// When the log reports that its storage failed, the member becomes a ZooKeeper read-only
// server (server/read-only.ts): every connection is closed so that nothing waits for a write
// that will never commit, and from then on only clients that accept a read-only server are
// served, with sessions local to this member, until it is restarted on a healthy disk. With
// readonlymode.enabled, a member that knows no leader for a grace period serves the same way
// (server/partition-read-only.ts says when) until it knows a leader again.
import { type ByteParts, joinByteParts } from "../base/byte-parts.js";
import type { ClientConnection, ClientConnectionHandler } from "../base/client-connection.js";
import type { Clock } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { ProcessInfo } from "../base/process-info.js";
import type { Random } from "../base/random.js";
import { ErrorCode, KeeperState, OpCode, Xid } from "../protocol/constants.js";
import { DecodeError } from "../protocol/decode-error.js";
import { juteLengthMax, Reader } from "../protocol/reader.js";
import type { Id, ReconfigRequest } from "../protocol/records.js";
import { isRequestOpcode, readRequestBody, readRequestHeader } from "../protocol/request-codec.js";
import { encodeNotification, encodeReply, encodeReplyHeader } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { PeerProgress } from "../raft/node.js";
import { type ApplyOutcome, apply, type SessionCreated } from "../state/apply.js";
import { ByteWriter } from "../state/bytes.js";
import { type Entry, EntryKind, type WriteOp } from "../state/entry.js";
import { decodeEntry, encodeEntry } from "../state/entry-codec.js";
import { decodeSnapshot } from "../state/snapshot.js";
import type { State } from "../state/state.js";
import { type Delivery, WatchRegistry } from "../tree/watch-registry.js";
import { BufferStats } from "./buffer-stats.js";
import { ClientState, ItemKind, opShortName, PendingItem, Phase } from "./client-state.js";
import type { ServerConfig } from "./config.js";
import { type RequestEvent, requestChannel } from "./diagnostics.js";
import { digestId } from "./digest.js";
import { entryBytes, type Origin, ownTag, writeEnvelope } from "./entry-envelope.js";
import { fourLetterWord } from "./four-letter-words.js";
import { Handshake } from "./handshake.js";
import { LeaderDuties } from "./leader-duties.js";
import { PartitionReadOnly, readOnlyGraceMs } from "./partition-read-only.js";
import { LocalSessions, type ReadOnlyCause, readOnlyRefusedOpcodes } from "./read-only.js";
import { answerRead, type ReadContext } from "./read-requests.js";
import type { CommitSink, ReplicatedLog } from "./replicated-log.js";
import { SaslAuth } from "./sasl-auth.js";
import type { FigureSource } from "./server-figures.js";
import { SessionBindings } from "./session-bindings.js";
import {
  entryAuthIds,
  skipAclCheckIds,
  skipAclReconfigLine,
  skipAclStartLine,
} from "./skip-acl.js";

export interface MemberOptions {
  config: ServerConfig;
  clock: Clock;
  random: Random;
  logger: Logger;
  log: ReplicatedLog;
  state: State;
  /** "standalone", "leader", "follower" or "observer", for srvr/mntr. */
  mode: () => string;
  /** Called after `snapCount` entries were applied since the last snapshot. */
  snapshotDue?: (index: number) => void;
  /** Sizes of the data and log directories for `dirs` and `conf`. */
  directorySizes?: () => { dataBytes: number; logBytes: number };
  /** The member's place in its ensemble, for the four-letter words; absent when standalone. */
  ensembleStatus?: () => EnsembleStatus;
  /** Sizes of the entries proposed while leading an ensemble (srvr, mntr; cleared by srst). */
  proposalSizes?: BufferStats;
  /** The state was replaced by a snapshot from the leader (a snapshot in progress is void). */
  restored?: (index: number) => void;
  /** The process's descriptors, memory and host for mntr and envi; absent in simulation. */
  processInfo?: ProcessInfo;
  /** A reconfiguration was applied at `index`: /zookeeper/config holds a new membership. */
  configApplied?: (index: number) => void;
}

/** What an ensemble member reports about the ensemble (srvr, mntr, and the admin API). */
export interface EnsembleStatus {
  self: number;
  /** The leader this member knows of; 0 while there is none. */
  leader: number;
  term: number;
  /** Highest log index known committed, and the highest this member has. */
  commitIndex: number;
  lastIndex: number;
  voters: readonly number[];
  learners: readonly number[];
  /** On the leader: how far each other member's log matches, and whether it is in contact. */
  peers: readonly PeerProgress[];
  /** When (monotonic ms) this member started leading; -1 unless it leads. */
  leadingSinceMs: number;
}

interface PendingWrite {
  client: ClientState;
  item: PendingItem;
  /** The log's epoch when proposed: a later epoch makes the outcome uncertain. */
  epoch: number;
}

export class Member implements ClientConnectionHandler, CommitSink {
  readonly state: State;
  readonly watches = new WatchRegistry();
  readonly clients = new Map<number, ClientState>();
  /** The connection each live session is bound to on this member. */
  private readonly bindings = new SessionBindings();
  /** Writes proposed by this member and not yet committed, by their envelope tag. */
  private readonly pendingWrites = new Map<number, PendingWrite>();
  /** Who this member is in the envelopes of its proposals. */
  private readonly origin: Origin;
  private nextTag = 0;
  /** Sessions whose close was proposed (client close or expiry) and not yet applied. */
  private readonly closingSessions = new Set<number>();
  /** Session deadlines, expiry and reaping (leader-duties.ts), with the timers for them. */
  private readonly duties: LeaderDuties;
  /** Clients whose FIFO head waits for a sync index. */
  private readonly syncWaiters = new Set<ClientState>();
  private readonly reader: Reader;
  private readonly writer = new Writer(64 * 1024);
  /** Encodes every entry this member proposes; encodeEntry hands out a right-sized copy. */
  private readonly entryWriter = new ByteWriter(4096);
  private readonly deliveries: Delivery[] = [];
  /** Reused for every published request event (server/diagnostics.ts). */
  private readonly requestEvent: RequestEvent = { opcode: 0, latencyMs: 0 };
  /** Reused for every read: the client being answered is set before each call. */
  private readClient: ClientState | null = null;
  private readonly readContext: ReadContext;
  /** zookeeper.skipACL: every ACL check passes, for every client (skip-acl.ts). */
  private readonly skipAcl: boolean;
  private appliedSinceSnapshot = 0;
  private stopped = false;
  /** Why this member is read-only (server/read-only.ts); null while it takes writes. */
  private readOnlyCause: ReadOnlyCause | null = null;
  /** Turns the member read-only while it knows no leader; null unless readonlymode.enabled. */
  private readonly partitionReadOnly: PartitionReadOnly | null;
  /** Sessions created while read-only; they exist only in this member's memory. */
  private readonly localSessions: LocalSessions;
  private readonly handshake: Handshake;
  private readonly sasl: SaslAuth;
  readonly startedMs: number;
  /** Start on the monotonic clock, for uptime (a wall-clock step must not change it). */
  readonly startedMonotonicMs: number;
  /** ZooKeeper's trace mask: stmk sets it, gtmk reads it; 306 is ZooKeeper's default. */
  traceMask = 306n;
  // Server-wide counters for srvr/stat/mntr.
  packetsReceived = 0;
  packetsSent = 0;
  latencyMinMs = Number.POSITIVE_INFINITY;
  latencyMaxMs = 0;
  latencySumMs = 0;
  latencyCount = 0;
  authFailedCount = 0;
  /** Sizes of replies and notifications sent (mntr's client response sizes). */
  readonly responseSizes = new BufferStats();

  constructor(private readonly options: MemberOptions) {
    this.state = options.state;
    this.reader = new Reader(juteLengthMax(options.config.packetBytesMax));
    this.startedMs = options.clock.nowMs();
    this.startedMonotonicMs = options.clock.monotonicMs();
    this.duties = new LeaderDuties({
      config: options.config,
      clock: options.clock,
      logger: options.logger,
      log: options.log,
      state: this.state,
      startedMonotonicMs: this.startedMonotonicMs,
      closingSessions: this.closingSessions,
      readOnly: () => this.readOnlyCause !== null,
      enveloped: (entry) => this.enveloped(entry, 0),
      readOnlyExpired: (ids) => this.expireLocalSessions(ids),
    });
    this.localSessions = new LocalSessions(options.random);
    this.partitionReadOnly = options.config.readOnlyModeEnabled
      ? new PartitionReadOnly({
          clock: options.clock,
          graceMs: readOnlyGraceMs(options.config.tickTimeMs),
          enter: () => this.enterReadOnly(),
          leave: () => this.leaveReadOnly(),
        })
      : null;
    this.origin = { member: options.log.self, incarnation: options.random.uint32() };
    this.skipAcl = options.config.skipAcl === true;
    if (this.skipAcl) options.logger.warn(skipAclStartLine);
    this.readContext = {
      tree: this.state.tree,
      watches: this.watches,
      writer: this.writer,
      zxid: 0,
      connection: 0,
      sessionId: 0,
      ids: [],
      aclIds: [],
      notify: (d) => this.notify(this.readClient!, d.type, d.path, d.zxid),
    };
    this.sasl = new SaslAuth(options.config.auth, options.random);
    this.handshake = new Handshake({
      config: options.config,
      clock: options.clock,
      random: options.random,
      logger: options.logger,
      state: this.state,
      reader: this.reader,
      writer: this.writer,
      bindings: this.bindings,
      closingSessions: this.closingSessions,
      expiry: this.duties.expiry,
      localSessions: this.localSessions,
      readOnly: () => this.readOnlyCause !== null,
      serving: () => this.options.log.serving,
      propose: (client, item, entry) => this.propose(client, item, entry),
      // The ConnectResponse is not a response ZooKeeper measures (it goes out by sendBuffer).
      send: (client, frame) => this.sendFrame(client, frame, false),
      request: (client, frame) => this.request(client, frame),
    });
  }

  /** The port clients reach this member on (the bound one when the config asked for 0). */
  clientPort = 0;

  get config(): ServerConfig {
    return this.options.config;
  }

  get lastZxid(): number {
    return this.state.lastZxid;
  }

  /**
   * True once storage failed (until a restart), or while a member with readonlymode.enabled
   * knows no leader: the member serves only read-only clients.
   */
  get readOnly(): boolean {
    return this.readOnlyCause !== null;
  }

  /** True once storage failed: read-only until restarted, whatever the ensemble does. */
  get storageFailed(): boolean {
    return this.readOnlyCause?.kind === "storage-failed";
  }

  get localSessionCount(): number {
    return this.localSessions.size;
  }

  /**
   * Starts the timers that expire sessions and reap container/TTL nodes (leader-duties.ts),
   * and the read-only grace period if no leader is known.
   */
  start(): void {
    this.duties.start();
    this.partitionReadOnly?.leaderKnown(this.options.log.serving);
  }

  stop(): void {
    this.stopped = true;
    this.partitionReadOnly?.stop();
    this.duties.stop();
    for (const c of this.clients.values()) {
      this.handshake.cancelTimer(c);
      c.connection.close("server shutting down");
    }
  }

  // ---- ClientConnectionHandler -------------------------------------------------------

  connected(connection: ClientConnection): void {
    const client = new ClientState(connection, this.options.clock.nowMs());
    this.sasl.addCertificateIds(connection.certificateSubject ?? null, client.authIds);
    this.clients.set(connection.id, client);
    this.watches.addConnection(connection.id, this.aclIds(client));
    this.handshake.startTimer(client);
  }

  disconnected(connection: ClientConnection): void {
    const client = this.clients.get(connection.id);
    if (client === undefined) return;
    this.clients.delete(connection.id);
    this.handshake.cancelTimer(client);
    this.syncWaiters.delete(client);
    this.watches.removeConnection(connection.id);
    this.bindings.unbind(client);
  }

  fourLetterWord(
    connection: ClientConnection,
    word: string,
    argument: Uint8Array | null = null,
  ): string {
    // ZooKeeper counts a four-letter word as a packet received (server and connection) and
    // its answer as a packet sent, after the answer is composed.
    this.packetsReceived++;
    const client = this.clients.get(connection.id);
    if (client !== undefined) client.received++;
    const allowed = this.options.config.fourLetterWords;
    // ZooKeeper allows isro whatever the whitelist says when read-only mode is enabled:
    // clients connected read-only ask it to find a read-write server.
    const always = word === "srvr" || (word === "isro" && this.options.config.readOnlyModeEnabled);
    if (!always && allowed !== "*" && !allowed.has(word)) {
      return `${word} is not executed because it is not in the whitelist.\n`;
    }
    // A member with no leader (outside read-only mode) is a ZooKeeper with no running server.
    const serving = this.options.log.serving || this.readOnlyCause !== null;
    const answer = fourLetterWord(word, { ...this.figureSource(), argument, serving });
    this.packetsSent++;
    return answer;
  }

  frame(connection: ClientConnection, body: Uint8Array): void {
    const client = this.clients.get(connection.id);
    if (client === undefined || connection.closed) return;
    client.received++;
    this.packetsReceived++;
    switch (client.phase) {
      case Phase.handshake:
        this.handshake.receive(client, body);
        return;
      case Phase.connecting:
        this.handshake.hold(client, body);
        return;
      default:
        this.request(client, body);
    }
  }

  // ---- requests ----------------------------------------------------------------------

  private request(client: ClientState, body: Uint8Array): void {
    const r = this.reader.reset(body);
    let xid: number;
    let type: number;
    try {
      const header = readRequestHeader(r);
      xid = header.xid;
      type = header.type;
    } catch {
      this.options.logger.warn("closing connection: truncated request header", {
        remote: client.remote,
      });
      client.connection.close("truncated request header");
      return;
    }
    const now = this.options.clock.monotonicMs();
    if (client.sessionId !== 0)
      this.duties.heardFrom(client.sessionId, now, client.sessionTimeoutMs);
    client.lastOp = opShortName.get(type) ?? "NA";
    if (xid >= 0) client.lastCxid = xid;
    if (client.phase === Phase.closing) {
      if (type !== OpCode.ping)
        this.reply(
          client,
          new PendingItem(ItemKind.done, xid, type, now),
          ErrorCode.sessionExpired,
        );
      return;
    }
    if (this.readOnlyCause !== null && readOnlyRefusedOpcodes.has(type)) {
      // ZooKeeper's ReadOnlyRequestProcessor: a plain error reply, the connection stays.
      this.reply(client, new PendingItem(ItemKind.done, xid, type, now), ErrorCode.notReadOnly);
      return;
    }
    if (!isRequestOpcode(type) || type === OpCode.check || type === OpCode.deleteContainer) {
      // ZooKeeper answers an unknown opcode with Unimplemented and zxid -1, then closes (§5;
      // observed on 3.8: the header carries -1, not the last zxid).
      this.options.logger.warn("closing connection: unsupported opcode", {
        remote: client.remote,
        opcode: type,
      });
      const item = new PendingItem(ItemKind.done, xid, type, now);
      item.closeAfter = true;
      this.reply(client, item, ErrorCode.unimplemented, -1);
      return;
    }
    if (type !== OpCode.auth && type !== OpCode.sasl && !this.sasl.admits(client.authIds)) {
      // enforce.auth.enabled: ZooKeeper answers any other request of a connection without
      // an id of an enforced scheme with SESSIONCLOSEDREQUIRESASLAUTH and closes it.
      this.options.logger.warn("closing connection: authentication required", {
        remote: client.remote,
        schemes: this.options.config.auth.enforceAuthSchemes.join(","),
      });
      const item = new PendingItem(ItemKind.done, xid, type, now);
      item.closeAfter = true;
      this.reply(client, item, ErrorCode.sessionClosedRequireSaslAuth, 0);
      return;
    }
    switch (type) {
      case OpCode.ping: {
        const item = new PendingItem(ItemKind.done, Xid.ping, type, now);
        this.reply(client, item, 0);
        return;
      }
      case OpCode.auth:
        this.auth(client, r, xid, now);
        return;
      case OpCode.sasl:
        this.saslPacket(client, r, xid, now);
        return;
      case OpCode.closeSession: {
        if (this.readOnlyCause !== null) {
          this.closeLocalSession(client, xid, now);
          return;
        }
        const item = new PendingItem(ItemKind.write, xid, type, now);
        item.closeAfter = true;
        client.push(item);
        this.closingSessions.add(client.sessionId);
        client.phase = Phase.closing;
        if (
          !this.propose(client, item, {
            kind: EntryKind.closeSession,
            timeMs: this.options.clock.nowMs(),
            sessionId: client.sessionId,
          })
        ) {
          this.closingSessions.delete(client.sessionId);
          client.connection.close("cannot close the session now");
        }
        return;
      }
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
      case OpCode.delete:
      case OpCode.setData:
      case OpCode.setACL:
      case OpCode.multi:
        if (this.unknownSyncAhead(client)) {
          // Proposed now, this write could commit below the sync's read index, and the reads
          // queued between them would then see a write sent after them (and reply zxids go
          // back). Proposed once the sync's index is known, it lands above that index, so
          // the sync and the reads behind it are served before it applies.
          const item = new PendingItem(ItemKind.write, xid, type, now);
          item.held = true;
          item.body = Uint8Array.prototype.slice.call(body);
          client.push(item);
          return;
        }
        this.write(client, r, xid, type, now, null);
        return;
      case OpCode.reconfig: {
        if (this.options.log.canReconfigure === true && this.options.config.reconfigEnabled) {
          this.reconfig(client, r, xid, now);
          return;
        }
        const item = new PendingItem(ItemKind.done, xid, type, now);
        this.reply(
          client,
          item,
          this.options.config.reconfigEnabled
            ? ErrorCode.unimplemented
            : ErrorCode.reconfigDisabled,
        );
        return;
      }
      case OpCode.sync: {
        const item = new PendingItem(ItemKind.sync, xid, type, now);
        item.body = Uint8Array.prototype.slice.call(body);
        // Unknown until a quorum confirms the read index; then served once applied that far.
        item.syncIndex = Number.POSITIVE_INFINITY;
        item.proposedBefore = this.nextTag;
        client.push(item);
        this.options.log.readBarrier((index) => this.syncIndexKnown(client, item, index));
        return;
      }
      default: {
        const item = new PendingItem(ItemKind.read, xid, type, now);
        // A read waits for what this member already knows is committed: another client may
        // have been answered for it (by the leader, at about the time the commit reached
        // here), and a read that came after that answer must not miss it.
        const known = this.options.log.commitIndex;
        if (known > this.state.lastZxid) item.syncIndex = known;
        if (this.options.config.linearizableReads) {
          // Opt-in: every read is a sync first (a quorum-confirmed read index), and like a
          // sync it also waits for its session's writes proposed here before it.
          item.syncIndex = Number.POSITIVE_INFINITY;
          item.proposedBefore = this.nextTag;
          this.options.log.readBarrier((index) => this.syncIndexKnown(client, item, index));
        }
        if (client.outstanding === 0 && item.syncIndex === 0) {
          // Nothing ahead: run it now, straight from the receive buffer.
          item.body = body;
          client.push(item);
          this.drain(client);
        } else {
          item.body = Uint8Array.prototype.slice.call(body);
          client.push(item);
          // At the head but waiting for an index: drain() puts it among the waiters, so the
          // apply that reaches its index runs it, before any later write of its session.
          if (client.peek() === item) this.drain(client);
        }
      }
    }
  }

  /**
   * closeSession on a read-only member: nothing is proposed. A local session is dropped; the
   * reply goes out in FIFO order, then the connection closes.
   */
  private closeLocalSession(client: ClientState, xid: number, now: number): void {
    const id = client.sessionId;
    if (this.localSessions.has(id)) {
      this.localSessions.delete(id);
      this.duties.sessionEnded(id);
    }
    this.bindings.unbind(client);
    client.phase = Phase.closing;
    const item = new PendingItem(ItemKind.done, xid, OpCode.closeSession, now);
    item.closeAfter = true;
    this.reply(client, item, 0);
  }

  /** One step of the connection's SASL exchange (server/sasl-auth.ts has the rules). */
  private saslPacket(client: ClientState, r: Reader, xid: number, now: number): void {
    const item = new PendingItem(ItemKind.done, xid, OpCode.sasl, now);
    let token: Uint8Array;
    try {
      token = readRequestBody(r, OpCode.sasl).token ?? new Uint8Array(0);
    } catch {
      token = new Uint8Array(0);
    }
    const outcome = this.sasl.evaluate(client, token);
    if (outcome.err !== 0) {
      this.authFailedCount++;
      this.options.logger.warn("SASL authentication failed; closing", {
        remote: client.remote,
        reason: outcome.reason,
      });
      item.closeAfter = true;
      // ZooKeeper sends an (empty) SetSASLResponse body even with the error, and the Java
      // client reads it whatever the error code: without it the client fails to decode the
      // reply and reconnects forever instead of raising AuthFailed. The error goes into the
      // header's err field (bytes 16..19 of the frame: length, xid, zxid, err).
      const frame = encodeReply(this.writer, xid, 0, 0, OpCode.sasl, { token: null });
      frame.writeInt32BE(outcome.err, 16);
      client.push(item);
      this.settle(client, item, frame);
      this.drain(client);
      return;
    }
    if (outcome.ids.length > 0) {
      for (const id of outcome.ids) addId(client.authIds, id);
      this.watches.setAuthIds(client.connection.id, this.aclIds(client));
      this.options.logger.info("SASL authentication succeeded", {
        remote: client.remote,
        id: outcome.ids[0].id,
      });
    }
    client.push(item);
    this.settle(
      client,
      item,
      encodeReply(this.writer, xid, 0, 0, OpCode.sasl, { token: outcome.token }),
    );
    this.drain(client);
  }

  private auth(client: ClientState, r: Reader, xid: number, now: number): void {
    const item = new PendingItem(ItemKind.done, Xid.auth, OpCode.auth, now);
    let scheme: string;
    let auth: Uint8Array | null;
    try {
      const packet = readRequestBody(r, OpCode.auth);
      scheme = packet.scheme;
      auth = packet.auth;
    } catch {
      scheme = "";
      auth = null;
    }
    if (scheme === "digest" && auth !== null) {
      const id = digestId(Buffer.from(auth).toString("utf8"));
      addId(client.authIds, { scheme: "digest", id });
      if (this.options.config.superDigest !== null && id === this.options.config.superDigest) {
        addId(client.authIds, { scheme: "super", id: "" });
      }
      this.watches.setAuthIds(client.connection.id, this.aclIds(client));
      this.reply(client, item, 0);
      return;
    }
    if (scheme === "ip") {
      this.reply(client, item, 0);
      return;
    }
    this.authFailedCount++;
    this.options.logger.warn("authentication failed: unknown scheme", {
      remote: client.remote,
      scheme,
      xid,
    });
    item.closeAfter = true;
    this.reply(client, item, ErrorCode.authFailed);
  }

  /**
   * Whether a write of `sessionId` that this member proposed (tag <= `tagMax`) is still
   * pending, on any connection. A client that lost its connection and resumed here sends a
   * sync to learn what became of its writes; the read index covers only what is committed,
   * so a write the old connection proposed and that is appended but not yet committed would
   * apply after the sync's answer. As ZooKeeper's leader holds a sync behind the proposals
   * before it, the sync waits for those (an epoch change drops the ones that may be lost).
   */
  private sessionWritesPending(sessionId: number, tagMax: number): boolean {
    if (sessionId === 0) return false;
    for (const [tag, pending] of this.pendingWrites) {
      if (tag <= tagMax && pending.client.sessionId === sessionId) return true;
    }
    return false;
  }

  /** Whether a sync (or a linearizable read) in the client's FIFO still waits for its index. */
  private unknownSyncAhead(client: ClientState): boolean {
    for (let i = client.head; i < client.queue.length; i++) {
      if (awaitsReadIndex(client.queue[i])) return true;
    }
    return false;
  }

  /** Proposes the held writes that no sync with an unknown index precedes any more. */
  private releaseHeldWrites(client: ClientState): void {
    const queue = client.queue;
    for (let i = client.head; i < queue.length && !client.connection.closed; i++) {
      const item = queue[i];
      if (awaitsReadIndex(item)) return;
      if (!item.held) continue;
      item.held = false;
      const body = item.body!;
      item.body = null;
      this.write(client, this.reader.reset(body, 8), item.xid, item.opcode, item.receivedMs, item);
    }
  }

  private write(
    client: ClientState,
    r: Reader,
    xid: number,
    type: number,
    now: number,
    heldItem: PendingItem | null,
  ): void {
    const item = heldItem ?? new PendingItem(ItemKind.write, xid, type, now);
    let op: WriteOp;
    try {
      if (type === OpCode.multi) {
        op = { type: 14, ops: readRequestBody(r, OpCode.multi) };
      } else {
        const request = readRequestBody(r, type as 1);
        // Views into the receive buffer are fine: the entry is encoded before this returns.
        op = { type, request } as WriteOp;
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      // ZooKeeper answers an undecodable request with MarshallingError and keeps the
      // connection (zookeeper-protocol.md §1).
      this.logUndecodable(client, type, err);
      if (heldItem === null) this.reply(client, item, ErrorCode.marshallingError);
      else
        this.settle(
          client,
          item,
          encodeReplyHeader(this.writer, xid, this.state.lastZxid, ErrorCode.marshallingError),
        );
      return;
    }
    if (heldItem === null) client.push(item);
    const entry: Entry = {
      kind: EntryKind.write,
      timeMs: this.options.clock.nowMs(),
      sessionId: client.sessionId,
      authIds: entryAuthIds(client.authIds, this.skipAcl),
      op,
    };
    if (!this.propose(client, item, entry)) {
      this.options.logger.error(
        "write refused: the log does not accept writes; closing the connection",
        {
          remote: client.remote,
        },
      );
      client.connection.close("writes unavailable");
    }
  }

  /** reconfig (16) in an ensemble: the leader decides (server/reconfig-leader.ts). */
  private reconfig(client: ClientState, r: Reader, xid: number, now: number): void {
    const item = new PendingItem(ItemKind.write, xid, OpCode.reconfig, now);
    let request: ReconfigRequest;
    try {
      request = readRequestBody(r, OpCode.reconfig);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.logUndecodable(client, OpCode.reconfig, err);
      this.reply(client, item, ErrorCode.marshallingError);
      return;
    }
    client.push(item);
    if (this.skipAcl) this.options.logger.warn(skipAclReconfigLine);
    const tag = ++this.nextTag;
    const sent = this.options.log.reconfig!({
      member: this.origin.member,
      incarnation: this.origin.incarnation,
      tag,
      sessionId: client.sessionId,
      timeMs: this.options.clock.nowMs(),
      authIds: entryAuthIds(client.authIds, this.skipAcl),
      request,
    });
    if (!sent) {
      client.connection.close("no leader to take the reconfig");
      return;
    }
    this.pendingWrites.set(tag, { client, item, epoch: this.options.log.epoch });
  }

  /** The ids ACL checks see for `client`: its own, or the super identity alone with skipACL. */
  private aclIds(client: ClientState): readonly Id[] {
    return this.skipAcl ? skipAclCheckIds : client.authIds;
  }

  private propose(client: ClientState, item: PendingItem, entry: Entry): boolean {
    const tag = ++this.nextTag;
    if (!this.options.log.propose(this.enveloped(entry, tag))) return false;
    this.pendingWrites.set(tag, { client, item, epoch: this.options.log.epoch });
    return true;
  }

  /** The bytes to propose for `entry`: its envelope (tag 0: nobody waits for it), then it. */
  private enveloped(entry: Entry, tag: number): Uint8Array {
    return encodeEntry(entry, writeEnvelope(this.entryWriter.reset(), this.origin, tag));
  }

  private syncIndexKnown(client: ClientState, item: PendingItem, index: number): void {
    if (client.connection.closed) return;
    if (index < 0) {
      this.options.logger.warn("sync could not be confirmed by a quorum; closing", {
        remote: client.remote,
      });
      client.connection.close("sync not confirmed by a quorum");
      return;
    }
    item.syncIndex = index;
    this.releaseHeldWrites(client);
    this.drain(client);
  }

  /** Completes an item with a header-only reply (or the given error) and drains. */
  private reply(client: ClientState, item: PendingItem, err: number, zxid?: number): void {
    zxid ??= item.opcode === OpCode.auth ? 0 : this.state.lastZxid;
    client.push(item);
    this.settle(client, item, encodeReplyHeader(this.writer, item.xid, zxid, err));
    this.drain(client);
  }

  /**
   * Records an item's reply. The frame is a view of the member's writer: an item next in line
   * keeps the view, because drain() sends (copies) it before the writer is used again; one
   * that must wait behind earlier items gets its own copy.
   */
  private settle(client: ClientState, item: PendingItem, frame: Uint8Array): void {
    item.reply = client.peek() === item ? frame : copy(frame);
    item.kind = ItemKind.done;
  }

  /** Sends every finished reply at the head of the FIFO, running reads as they come up. */
  private drain(client: ClientState): void {
    for (;;) {
      const item = client.peek();
      if (item === undefined || client.connection.closed) break;
      // A read or sync here is next in line, so its reply (a view of the writer) is sent
      // before the writer is reused and needs no copy.
      if (item.kind === ItemKind.read) {
        if (
          this.state.lastZxid < item.syncIndex ||
          (item.proposedBefore > 0 &&
            this.sessionWritesPending(client.sessionId, item.proposedBefore))
        ) {
          this.syncWaiters.add(client);
          break;
        }
        item.reply = this.runRead(client, item);
        item.body = null;
        item.kind = ItemKind.done;
      } else if (item.kind === ItemKind.sync) {
        if (
          this.state.lastZxid < item.syncIndex ||
          this.sessionWritesPending(client.sessionId, item.proposedBefore)
        ) {
          this.syncWaiters.add(client);
          break;
        }
        this.syncWaiters.delete(client);
        const path = readRequestBody(this.reader.reset(item.body!, 8), OpCode.sync).path;
        item.reply = encodeReply(this.writer, item.xid, this.state.lastZxid, 0, OpCode.sync, {
          path,
        });
        item.body = null;
        item.kind = ItemKind.done;
      }
      if (item.reply === null) break;
      client.shift();
      this.sendFrame(client, item.reply);
      const latency = this.options.clock.monotonicMs() - item.receivedMs;
      if (item.opcode !== OpCode.ping) this.recordLatency(client, latency);
      if (requestChannel.hasSubscribers) {
        this.requestEvent.opcode = item.opcode;
        this.requestEvent.latencyMs = latency;
        requestChannel.publish(this.requestEvent);
      }
      if (item.closeAfter) {
        client.phase = Phase.closing;
        client.connection.close(
          item.opcode === OpCode.closeSession
            ? "session closed by client"
            : "request ends the connection",
        );
        break;
      }
    }
  }

  private sendFrame(client: ClientState, frame: Uint8Array, measured = true): void {
    // The frame's 4-byte length prefix is not part of the size ZooKeeper records.
    if (measured) this.responseSizes.record(frame.length - 4);
    client.sent++;
    this.packetsSent++;
    client.lastResponseMs = this.options.clock.nowMs();
    client.connection.send(frame);
  }

  private recordLatency(client: ClientState, ms: number): void {
    const rounded = Math.round(ms);
    client.recordLatency(rounded);
    if (rounded < this.latencyMinMs) this.latencyMinMs = rounded;
    if (rounded > this.latencyMaxMs) this.latencyMaxMs = rounded;
    this.latencySumMs += rounded;
    this.latencyCount++;
  }

  /** Runs a read-type request against the tree as it is now; returns the reply frame. */
  private runRead(client: ClientState, item: PendingItem): Uint8Array {
    const zxid = this.state.lastZxid;
    client.lastZxid = zxid;
    const rc = this.readContext;
    rc.zxid = zxid;
    rc.connection = client.connection.id;
    rc.sessionId = client.sessionId;
    rc.ids = client.authIds;
    rc.aclIds = this.aclIds(client);
    this.readClient = client;
    try {
      return answerRead(rc, this.reader.reset(item.body!, 8), item.opcode, item.xid);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.logUndecodable(client, item.opcode, err);
      return encodeReplyHeader(this.writer, item.xid, zxid, ErrorCode.marshallingError);
    }
  }

  private logUndecodable(client: ClientState, opcode: number, err: DecodeError): void {
    this.options.logger.warn("undecodable request answered with MarshallingError", {
      remote: client.remote,
      opcode,
      error: err.message,
    });
  }

  private notify(client: ClientState, type: number, path: string, zxid: number): void {
    this.sendFrame(
      client,
      encodeNotification(this.writer, zxid, { type, state: KeeperState.syncConnected, path }),
    );
  }

  // ---- commit path -------------------------------------------------------------------

  committed(index: number, data: Uint8Array): void {
    const tag = ownTag(data, this.origin);
    const entry = decodeEntry(entryBytes(data));
    const outcome = apply(this.state, index, entry);
    this.deliver(outcome);
    for (const v of outcome.quotaWarnings) {
      this.options.logger.warn("quota exceeded", {
        ...(v as unknown as Record<string, string | number>),
      });
    }
    const pending = tag > 0 ? this.pendingWrites.get(tag) : undefined;
    if (pending !== undefined) this.pendingWrites.delete(tag);
    if (entry.kind === EntryKind.createSession) {
      const created = outcome.result.body as SessionCreated;
      this.duties.sessionOpened(created.sessionId, created.timeoutMs);
      if (pending !== undefined) this.handshake.sessionCreated(pending.client, created);
    } else if (entry.kind === EntryKind.closeSession) {
      this.sessionClosed(entry.sessionId);
      if (pending !== undefined) this.completeWrite(pending, index, outcome);
    } else if (pending !== undefined) {
      this.completeWrite(pending, index, outcome);
    }
    if (entry.kind === EntryKind.write && entry.op.type === OpCode.reconfig && entry.op.err === 0) {
      this.options.configApplied?.(index);
    }
    this.afterApply(index);
  }

  restore(index: number, image: ByteParts): void {
    const startedMs = this.options.clock.monotonicMs();
    const restored = decodeSnapshot(joinByteParts(image), this.state.options);
    this.state.replaceWith(restored);
    this.readContext.tree = this.state.tree;
    this.appliedSinceSnapshot = 0;
    this.options.logger.info("state replaced by a snapshot from the leader", {
      zxid: `0x${index.toString(16)}`,
      sessions: this.state.sessions.size,
      znodes: this.state.tree.size,
      decodeMs: Math.round(this.options.clock.monotonicMs() - startedMs),
    });
    // Watches and pending requests refer to the state that is gone: clients reconnect, and
    // their setWatches brings every watch up to date (a ZooKeeper follower that syncs by
    // snapshot restarts its server the same way).
    this.pendingWrites.clear();
    this.syncWaiters.clear();
    this.closingSessions.clear();
    this.closeAll("state replaced by a snapshot from the leader");
    this.options.restored?.(index);
  }

  epochChanged(): void {
    const log = this.options.log;
    this.duties.epochChanged();
    // May end read-only mode (closing its connections) or start its grace period.
    this.partitionReadOnly?.leaderKnown(log.serving);
    if (this.readOnlyCause !== null) return;
    // A close proposed in an older epoch (the client's closeSession, or an expiry this member
    // proposed as leader) may never commit: refusing to resume its session as "expired" until
    // then could tell a client its session ended while the session lives on. If the close does
    // commit later, the session's connection is closed then, as for any expiry.
    this.closingSessions.clear();
    if (!log.serving) {
      // Without a leader this member cannot vouch for what it serves (a session may expire
      // elsewhere meanwhile): like a ZooKeeper follower that lost its leader, it drops every
      // client, which then looks for a member that is part of a quorum.
      if (this.clients.size > 0) this.closeAll("lost contact with the ensemble's leader");
      this.pendingWrites.clear();
      return;
    }
    for (const [tag, pending] of this.pendingWrites) {
      if (pending.epoch >= log.epoch) continue;
      this.pendingWrites.delete(tag);
      // It may still commit, or may have been lost: the client learns it as ConnectionLoss.
      pending.client.connection.close("the leader changed; the write's outcome is uncertain");
    }
  }

  sessionsTouched(ids: readonly number[]): void {
    this.duties.sessionsTouched(ids);
  }

  private closeAll(reason: string): void {
    for (const client of [...this.clients.values()]) {
      client.phase = Phase.closing;
      client.connection.close(reason);
    }
  }

  skipped(index: number): void {
    // A no-op or configuration entry consumes its index; zxids stay log indexes.
    if (index > this.state.lastZxid) this.state.lastZxid = index;
    this.afterApply(index);
  }

  failed(error: Error): void {
    if (this.readOnlyCause?.kind === "storage-failed") return;
    this.readOnlyCause = { kind: "storage-failed", error };
    this.options.logger.error(
      "storage failed: this member is now read-only until it is restarted on a healthy disk; " +
        "writes are refused and every client connection is closed",
      {
        error: error.message,
        code: errorCode(error),
        connections: this.clients.size,
        pendingWrites: this.pendingWrites.size,
      },
    );
    this.dropWritesAndClients("storage failed; this member is now read-only");
  }

  /**
   * Nothing proposed will commit: the writes in flight, and everything queued behind them in
   * their clients' FIFOs, would wait forever. Closing every connection ends them all with
   * ConnectionLoss on the client, which is what a ZooKeeper server switching to read-only
   * mode does too (it closes all connections).
   */
  private dropWritesAndClients(reason: string): void {
    this.pendingWrites.clear();
    this.syncWaiters.clear();
    this.closingSessions.clear();
    this.closeAll(reason);
  }

  /**
   * readonlymode.enabled and no leader for the grace period: serve read-only clients. The
   * clients of the time with a leader were closed when it was lost; nobody was served since.
   */
  private enterReadOnly(): boolean {
    if (this.stopped || this.readOnlyCause !== null || this.options.log.serving) return false;
    this.readOnlyCause = { kind: "no-leader" };
    this.options.logger.warn(
      "no leader known: this member serves read-only clients until it knows one again",
      { graceMs: readOnlyGraceMs(this.options.config.tickTimeMs), lastZxid: this.lastZxid },
    );
    this.dropWritesAndClients("no leader known; this member is now read-only");
    return true;
  }

  /**
   * A leader is known again: like ZooKeeper shutting its read-only server down, close every
   * connection; the clients reconnect and, accepting read-only servers, find a read-write
   * one. Local sessions end here (a replicated member cannot vouch for them).
   */
  private leaveReadOnly(): void {
    if (this.readOnlyCause?.kind !== "no-leader") return;
    this.readOnlyCause = null;
    const ended = this.localSessions.clear();
    for (const id of ended) this.duties.sessionEnded(id);
    // Only local sessions were heard from while read-only; the leader knows none of them.
    this.duties.forgetTouches();
    this.options.logger.info("a leader is known again: leaving read-only mode", {
      connections: this.clients.size,
      localSessions: ended.length,
    });
    this.closeAll("a leader is known again; this member leaves read-only mode");
  }

  private afterApply(index: number): void {
    if (this.syncWaiters.size > 0) {
      for (const c of [...this.syncWaiters]) this.drain(c);
    }
    if (
      ++this.appliedSinceSnapshot >= this.options.config.snapCount &&
      this.options.snapshotDue !== undefined
    ) {
      this.appliedSinceSnapshot = 0;
      this.options.snapshotDue(index);
    }
  }

  private deliver(outcome: ApplyOutcome): void {
    if (outcome.triggers.length === 0) return;
    const out = this.deliveries;
    out.length = 0;
    this.watches.trigger(outcome.triggers, out);
    for (let i = 0; i < out.length; i++) {
      const d = out[i];
      const client = this.clients.get(d.connection);
      if (client !== undefined && !client.connection.closed)
        this.notify(client, d.type, d.path, d.zxid);
    }
    out.length = 0;
  }

  private completeWrite(pending: PendingWrite, index: number, outcome: ApplyOutcome): void {
    const { client, item } = pending;
    const result = outcome.result;
    client.lastZxid = index;
    this.settle(
      client,
      item,
      item.opcode === OpCode.closeSession
        ? encodeReplyHeader(this.writer, item.xid, index, 0)
        : encodeReply(this.writer, item.xid, index, result.err, item.opcode, result.body as never),
    );
    this.drain(client);
  }

  private sessionClosed(sessionId: number): void {
    this.closingSessions.delete(sessionId);
    this.duties.sessionEnded(sessionId);
    const client = this.bindings.take(sessionId);
    if (client === undefined) return;
    const head = client.peek();
    // A client's own closeSession is answered by its FIFO; an expired session's connection
    // is closed now (the client learns of the expiry on its next handshake).
    if (head === undefined || head.opcode !== OpCode.closeSession) {
      client.phase = Phase.closing;
      client.connection.close("session expired");
    }
  }

  /**
   * A read-only member expires only its local sessions, by dropping them (there is no log to
   * write a closeSession to). Replicated sessions wait for the restart, which gives every
   * session a fresh timeout. The member does it, not leader-duties.ts, because it owns the
   * local sessions, their bindings and their connections; the deadlines come from there.
   */
  private expireLocalSessions(expired: readonly number[]): void {
    for (const id of expired) {
      if (!this.localSessions.has(id)) continue;
      this.localSessions.delete(id);
      this.options.logger.info("read-only session expired", { session: `0x${id.toString(16)}` });
      const client = this.bindings.take(id);
      if (client === undefined) continue;
      client.phase = Phase.closing;
      client.connection.close("session expired");
    }
  }

  // ---- status ------------------------------------------------------------------------

  /** Everything the status figures (server-figures.ts) read: four-letter words, admin API. */
  figureSource(): FigureSource {
    const directorySizes = this.options.directorySizes;
    let sizes: { dataBytes: number; logBytes: number } | null = null;
    return {
      member: this,
      processInfo: this.options.processInfo ?? null,
      nowMs: this.options.clock.nowMs(),
      monotonicMs: this.options.clock.monotonicMs(),
      // ZooKeeperServer.getState() of a ReadOnlyZooKeeperServer.
      mode: this.readOnlyCause !== null ? "read-only" : this.options.mode(),
      readOnly: this.readOnlyCause !== null,
      // Measured only when a figure reads it (conf, srvr, dirs), once per source: it walks
      // the data directories on disk, synchronously, and a /metrics scrape every second
      // reads none of it.
      get sizes() {
        sizes ??= directorySizes?.() ?? { dataBytes: 0, logBytes: 0 };
        return sizes;
      },
      expiry: this.duties.expiry,
    };
  }

  resetStats(): void {
    this.responseSizes.reset();
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latencyMinMs = Number.POSITIVE_INFINITY;
    this.latencyMaxMs = 0;
    this.latencySumMs = 0;
    this.latencyCount = 0;
    this.options.proposalSizes?.reset();
  }

  /** Sync requests waiting for their read index to be confirmed or applied. */
  pendingSyncs(): number {
    let n = 0;
    for (const c of this.clients.values()) {
      for (let i = c.head; i < c.queue.length; i++) if (c.queue[i].kind === ItemKind.sync) n++;
    }
    return n;
  }

  ensembleStatus(): EnsembleStatus | null {
    return this.options.ensembleStatus?.() ?? null;
  }

  /** Sizes of the entries proposed while leading; null for a standalone member. */
  get proposalSizes(): BufferStats | null {
    return this.options.proposalSizes ?? null;
  }

  outstandingRequests(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.outstanding;
    return n;
  }
}

/** The errno name a DiskError or StorageFailedError carries (ENOSPC, EIO...), if any. */
function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function addId(ids: Id[], id: Id): void {
  if (!ids.some((x) => x.scheme === id.scheme && x.id === id.id)) ids.push(id);
}

function copy(view: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(view);
}

/** A sync, or a read under linearizableReads, whose quorum-confirmed index is not known yet. */
function awaitsReadIndex(item: PendingItem): boolean {
  return (
    (item.kind === ItemKind.sync || item.kind === ItemKind.read) &&
    item.syncIndex === Number.POSITIVE_INFINITY
  );
}
