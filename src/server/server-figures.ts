// The numbers a member reports about itself, each measured where it lives, as plain data.
// The four-letter words (four-letter-words.ts) format them in ZooKeeper's text, and the
// admin HTTP API reads the same functions, so the two can never disagree. Each figure means
// what ZooKeeper 3.8's figure of the same name means; where Corral cannot measure one (no
// ProcessInfo in the simulator) it is -1 or absent, never a stand-in.
import type { ProcessInfo } from "../base/process-info.js";
import type { ClientState } from "./client-state.js";
import type { ExpiryQueue } from "./expiry-queue.js";
import type { Member } from "./member.js";
import { formatVersionLine } from "./version.js";

/** What every figure is read from: the member and the moment of asking. */
export interface FigureSource {
  member: Member;
  nowMs: number;
  monotonicMs: number;
  /** "standalone", "leader", "follower", "observer" or "read-only". */
  mode: string;
  readOnly: boolean;
  sizes: { dataBytes: number; logBytes: number };
  expiry: ExpiryQueue<number>;
  processInfo: ProcessInfo | null;
}

/** ZooKeeper's ServerStats and ZooKeeperServer figures, as mntr lists them. */
export interface ServerFigures {
  version: string;
  serverState: string;
  ephemeralsCount: number;
  aliveConnections: number;
  avgLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  outstandingRequests: number;
  /** ZooKeeper's node count: it keeps the root under "" and "/", so the root counts twice. */
  znodeCount: number;
  globalSessions: number;
  localSessions: number;
  packetsSent: number;
  packetsReceived: number;
  /** Data and child watches together (ZooKeeper's getWatchCount). */
  watchCount: number;
  authFailedCount: number;
  /** Path and data bytes of every node (DataTree.approximateDataSize). */
  approximateDataSize: number;
  /** -1 where the process cannot tell. */
  openFileDescriptorCount: number;
  maxFileDescriptorCount: number;
  uptimeMs: number;
  /** The zxid of the last applied state entry (0 on a fresh server, as in ZooKeeper). */
  lastZxid: number;
  /** Sizes of the replies and notifications sent, -1 before the first (BufferStats). */
  lastClientResponseSize: number;
  minClientResponseSize: number;
  maxClientResponseSize: number;
}

export function versionOf(source: FigureSource): string {
  return formatVersionLine(source.processInfo?.environment().builtAtMs ?? null);
}

export function ephemeralsCount(member: Member): number {
  let n = 0;
  for (const set of member.state.tree.ephemerals.values()) n += set.size;
  return n;
}

export function serverFigures(source: FigureSource): ServerFigures {
  const m = source.member;
  const tree = m.state.tree;
  const info = source.processInfo;
  return {
    version: versionOf(source),
    serverState: source.mode,
    ephemeralsCount: ephemeralsCount(m),
    aliveConnections: m.clients.size,
    avgLatencyMs: m.latencyCount === 0 ? 0 : m.latencySumMs / m.latencyCount,
    minLatencyMs: m.latencyCount === 0 ? 0 : m.latencyMinMs,
    maxLatencyMs: m.latencyMaxMs,
    outstandingRequests: m.outstandingRequests(),
    znodeCount: tree.size + 1,
    globalSessions: m.state.sessions.size,
    localSessions: m.localSessionCount,
    packetsSent: m.packetsSent,
    packetsReceived: m.packetsReceived,
    watchCount: m.watches.watchCount,
    authFailedCount: m.authFailedCount,
    approximateDataSize: tree.approximateDataSize,
    openFileDescriptorCount: info === null ? -1 : info.openFileDescriptors(),
    maxFileDescriptorCount: info === null ? -1 : info.maxFileDescriptors(),
    uptimeMs: Math.round(source.monotonicMs - m.startedMonotonicMs),
    lastZxid: m.state.lastTxnZxid,
    lastClientResponseSize: m.responseSizes.last,
    minClientResponseSize: m.responseSizes.min,
    maxClientResponseSize: m.responseSizes.max,
  };
}

/** One group of ZooKeeper's connection expiry sets (`dump`): connections due at one time. */
export interface ConnectionSet {
  /** Wall-clock ms. */
  expiresAtMs: number;
  connections: ClientState[];
}

/**
 * The connections grouped by when they expire, soonest first, as ZooKeeper's connection
 * expiry queue groups them: a connection with a session expires with its session (the
 * session's tick-rounded deadline); one without a session when the sessionless timeout
 * (nio.sessionlessCnxnTimeout) since it opened runs out, rounded up to a multiple of that
 * timeout as ZooKeeper rounds it.
 */
export function connectionSets(source: FigureSource): ConnectionSet[] {
  const m = source.member;
  const toWall = source.nowMs - source.monotonicMs;
  const sessionless = m.config.sessionlessConnectionTimeoutMs;
  const byTime = new Map<number, ClientState[]>();
  for (const c of m.clients.values()) {
    const sessionDeadline = c.sessionId === 0 ? undefined : source.expiry.deadlineFor(c.sessionId);
    const at =
      sessionDeadline !== undefined
        ? Math.round(sessionDeadline + toWall)
        : (Math.floor((c.establishedMs + sessionless) / sessionless) + 1) * sessionless;
    const group = byTime.get(at);
    if (group === undefined) byTime.set(at, [c]);
    else group.push(c);
  }
  return [...byTime.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([expiresAtMs, connections]) => ({ expiresAtMs, connections }));
}

/** envi's lines after the version, in ZooKeeper's order, with what Corral runs on. */
export function environmentFigures(source: FigureSource): [string, string][] {
  const info = source.processInfo;
  if (info === null) return [];
  const env = info.environment();
  const mem = info.memory();
  const mb = (n: number): string => `${Math.floor(n / 1048576)}MB`;
  return [
    ["host.name", env.hostName],
    ["node.version", env.runtimeVersion],
    ["java.io.tmpdir", env.tmpDirectory],
    ["os.name", env.osName],
    ["os.arch", env.osArch],
    ["os.version", env.osVersion],
    ["user.name", env.userName],
    ["user.home", env.userHome],
    ["user.dir", env.workingDirectory],
    ["os.memory.free", mb(mem.heapTotalBytes - mem.heapUsedBytes)],
    ["os.memory.max", mb(mem.heapLimitBytes)],
    ["os.memory.total", mb(mem.heapTotalBytes)],
  ];
}
