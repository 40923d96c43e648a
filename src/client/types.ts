// The client's public types: options, results, watch events and connection states. Records
// that cross the wire unchanged (Stat, ACL, Id, ClientInfo) are the protocol layer's own.

import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import type { ACL, ClientInfo, Id, Stat } from "../protocol/records.js";

export type { ACL, ClientInfo, Id, Stat };

/**
 * Where the connection stands, as Curator names it (and kazoo nearly so):
 * - connecting: no session yet (only before the first connect and after a renewal starts).
 * - connected: a new session was established (first connect, or after an expiry).
 * - suspended: the connection dropped; the session may still be alive on the server. Locks and
 *   leadership must be treated as uncertain until reconnected.
 * - reconnected: the same session was resumed, possibly on another server; watches were
 *   re-registered.
 * - lost: the client has been disconnected for a whole session timeout, so the server has
 *   (or soon will have) expired the session. Ephemeral nodes must be assumed gone.
 * - expired: a server confirmed the session expired. Everything bound to it is gone.
 * - readOnly: connected to a server in read-only mode (only with `canBeReadOnly`).
 * - authFailed: the server refused an addAuth credential and closed the connection.
 * - closed: close() finished; the client will not connect again.
 */
export type ConnectionState =
  | "connecting"
  | "connected"
  | "suspended"
  | "reconnected"
  | "lost"
  | "expired"
  | "readOnly"
  | "authFailed"
  | "closed";

/** A watch notification, with the chroot already removed from the path. */
export interface WatchedEvent {
  /** EventType (nodeCreated, nodeDeleted, nodeDataChanged, nodeChildrenChanged, ... ). */
  type: number;
  /** KeeperState: syncConnected for server events, expired/closed for terminal ones. */
  state: number;
  /** The node, or "" for events that are about the session rather than a node. */
  path: string;
}

export type Watcher = (event: WatchedEvent) => void;

export interface ClientOptions {
  /** Requested session timeout; the server clamps it (ZooKeeper: 2..20 ticks). Default 30 000. */
  sessionTimeoutMs?: number;
  /** Time allowed for one TCP connect plus handshake. Default sessionTimeout / host count. */
  connectTimeoutMs?: number;
  /** Default per-request timeout; 0 disables it. Default 0 (wait for the session to decide). */
  requestTimeoutMs?: number;
  /** Accept a read-only server (ConnectRequest.readOnly). Default false. */
  canBeReadOnly?: boolean;
  /** Shuffle the hosts of the connect string (Java does). Default true. */
  shuffleHosts?: boolean;
  /** After an expiry, start a new session automatically (kazoo does). Default true. */
  renewSessionOnExpiry?: boolean;
  /** Connect over TLS; the object is passed to tls.connect. */
  tls?: boolean | TlsConnectionOptions;
  /** Resume an existing session (for example one handed over from another process). */
  session?: { id: bigint; password: Uint8Array };
  /**
   * SASL DIGEST-MD5 login run after every handshake, before anything else is sent (the
   * server's JAAS Server section must list the user). A refusal is final: the state becomes
   * authFailed and the client closes.
   */
  sasl?: { username: string; password: string };
  /** Credentials sent right after every handshake, e.g. [{scheme:"digest", auth:"u:p"}]. */
  auth?: { scheme: string; auth: string | Uint8Array }[];
  /** Random source in [0, 1) for host shuffling and reconnect jitter. Default Math.random. */
  random?: () => number;
  /** Largest frame accepted from a server (jute.maxbuffer). Default 0xfffff plus slack. */
  packetBytesMax?: number;
}

/** How `create` makes the node (CreateMode). */
export type CreateModeName =
  | "persistent"
  | "ephemeral"
  | "persistentSequential"
  | "ephemeralSequential"
  | "container"
  | "persistentWithTTL"
  | "persistentSequentialWithTTL";

export interface CallOptions {
  /** Abort the call: the promise rejects with signal.reason (the request may still run). */
  signal?: AbortSignal;
  /** Per-call timeout in ms; overrides the client's requestTimeoutMs. */
  timeoutMs?: number;
}

export interface CreateOptions extends CallOptions {
  mode?: CreateModeName;
  /** Default: world:anyone with all permissions (OPEN_ACL_UNSAFE). */
  acl?: ACL[];
  /** For the TTL modes: milliseconds after the last change (and no children) to delete. */
  ttlMs?: number;
}

export interface CreateResult {
  /** The created path (with the sequence suffix for sequential modes), chroot removed. */
  path: string;
  stat: Stat;
}

export interface WatchOptions extends CallOptions {
  /** One-shot watch, fired at most once (or with an expired/closed event at session end). */
  watch?: Watcher;
}

export interface GetDataResult {
  data: Buffer;
  stat: Stat;
}

export interface GetChildrenResult {
  children: string[];
  stat: Stat;
}

export interface GetACLResult {
  acl: ACL[];
  stat: Stat;
}

/** One-shot watch kinds, as removeWatches/checkWatches name them (WatcherType). */
export type WatcherTypeName = "children" | "data" | "any" | "persistent" | "persistentRecursive";

/** Modes of addWatch (AddWatchMode). */
export type AddWatchModeName = "persistent" | "persistentRecursive";

/** The well-known ACLs of ZooDefs.Ids. */
export const Acls = {
  /** world:anyone, all permissions. */
  openUnsafe: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] as ACL[],
  /** The authenticated creator, all permissions (needs an addAuth first). */
  creatorAll: [{ perms: 31, id: { scheme: "auth", id: "" } }] as ACL[],
  /** world:anyone, read only. */
  readUnsafe: [{ perms: 1, id: { scheme: "world", id: "anyone" } }] as ACL[],
} as const;
