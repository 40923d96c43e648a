// ZooKeeper's four-letter words, answered on the client port in ZooKeeper 3.8's exact text
// formats (zookeeper-protocol.md §17; observed on the Debian 3.8.0 server), so that
// monitoring scripts, zkServer.sh-style status checks and kazoo's command() parse them.
import type { ClientConnection } from "../base/client-connection.js";
import type { ClientState } from "./client-state.js";
import type { ExpiryQueue } from "./expiry-queue.js";
import type { Member } from "./member.js";
import { formatJavaDateUtc } from "./time-format.js";
import { versionLine } from "./version.js";

export interface FourLetterContext {
  member: Member;
  /** The connection asking (ZooKeeper lists it too in stat and cons); null for the admin port. */
  connection: ClientConnection | null;
  nowMs: number;
  monotonicMs: number;
  mode: string;
  /** The member's storage failed and it serves only read-only clients. */
  readOnly: boolean;
  sizes: { dataBytes: number; logBytes: number };
  expiry: ExpiryQueue<number>;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The version line, and ZooKeeper's read-only notice right after it (StatCommand). */
function header(ctx: FourLetterContext): string {
  const readOnly = ctx.readOnly ? "READ-ONLY mode; serving only read-only clients\n" : "";
  return `Zookeeper version: ${versionLine}\n${readOnly}`;
}

function latencyLine(m: Member): string {
  const min = m.latencyCount === 0 ? 0 : m.latencyMinMs;
  const avg = m.latencyCount === 0 ? 0 : m.latencySumMs / m.latencyCount;
  return `Latency min/avg/max: ${min}/${formatAvg(avg)}/${m.latencyMaxMs}\n`;
}

export function formatAvg(avg: number): string {
  const rounded = Math.round(avg * 10000) / 10000;
  return Number.isInteger(rounded) ? `${rounded}.0` : `${rounded}`;
}

function statsLines(ctx: FourLetterContext): string {
  const m = ctx.member;
  return (
    latencyLine(m) +
    `Received: ${m.packetsReceived}\n` +
    `Sent: ${m.packetsSent}\n` +
    `Connections: ${m.clients.size}\n` +
    `Outstanding: ${m.outstandingRequests()}\n` +
    `Zxid: ${hex(m.lastZxid)}\n` +
    `Mode: ${ctx.mode}\n` +
    `Node count: ${m.state.tree.size}\n`
  );
}

function connectionBrief(c: ClientState): string {
  const conn = c.connection;
  return ` /${conn.remoteAddress}:${conn.remotePort}[${c.sessionId === 0 ? 0 : 1}](queued=${c.outstanding},recved=${c.received},sent=${c.sent}`;
}

function connectionFull(c: ClientState): string {
  if (c.sessionId === 0) return `${connectionBrief(c)})\n`;
  const avg = c.latencyCount === 0 ? 0 : Math.floor(c.latencySumMs / c.latencyCount);
  const min = c.latencyCount === 0 ? 0 : c.latencyMinMs;
  return (
    `${connectionBrief(c)},sid=${hex(c.sessionId)},lop=${c.lastOp},est=${c.establishedMs},to=${c.sessionTimeoutMs},` +
    `lcxid=${hex(c.lastCxid)},lzxid=${hex(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs},` +
    `minlat=${min},avglat=${avg},maxlat=${c.latencyMaxMs})\n`
  );
}

function sortedClients(ctx: FourLetterContext): ClientState[] {
  return [...ctx.member.clients.values()];
}

/** mntr's figures in its order, keys as mntr prints them; the admin `monitor` command reads them too. */
export function mntrEntries(ctx: FourLetterContext): [string, string | number][] {
  const m = ctx.member;
  const summary = m.watches.summary("data");
  const avg = m.latencyCount === 0 ? 0 : m.latencySumMs / m.latencyCount;
  let ephemerals = 0;
  for (const set of m.state.tree.ephemerals.values()) ephemerals += set.size;
  const mem = process.memoryUsage();
  const lines: [string, string | number][] = [
    ["zk_version", versionLine],
    ["zk_server_state", ctx.mode],
    ["zk_ephemerals_count", ephemerals],
    ["zk_num_alive_connections", m.clients.size],
    ["zk_avg_latency", formatAvg(avg)],
    ["zk_outstanding_requests", m.outstandingRequests()],
    ["zk_znode_count", m.state.tree.size],
    ["zk_global_sessions", m.state.sessions.size],
    ["zk_local_sessions", m.localSessionCount],
    ["zk_packets_sent", m.packetsSent],
    ["zk_packets_received", m.packetsReceived],
    ["zk_watch_count", summary.watches],
    ["zk_auth_failed_count", m.authFailedCount],
    ["zk_min_latency", m.latencyCount === 0 ? 0 : m.latencyMinMs],
    ["zk_max_latency", m.latencyMaxMs],
    ["zk_approximate_data_size", mem.heapUsed],
    ["zk_open_file_descriptor_count", m.clients.size],
    ["zk_max_file_descriptor_count", 0],
    ["zk_uptime", ctx.nowMs - m.startedMs],
    ["zk_last_zxid", hex(m.lastZxid)],
  ];
  return lines;
}

function mntr(ctx: FourLetterContext): string {
  return mntrEntries(ctx)
    .map(([k, v]) => `${k}\t${v}\n`)
    .join("");
}

function dump(ctx: FourLetterContext): string {
  const m = ctx.member;
  const buckets = ctx.expiry.snapshot();
  let total = 0;
  for (const b of buckets) total += b.keys.length;
  let out = `SessionTracker dump:\nSession Sets (${buckets.length})/(${total}):\n`;
  // Deadlines are monotonic; show them as wall-clock times like ZooKeeper does.
  const offset = ctx.nowMs - ctx.monotonicMs;
  for (const b of buckets) {
    out += `${b.keys.length} expire at ${formatJavaDateUtc(b.deadline + offset)}:\n`;
    for (const k of b.keys) out += `\t${hex(k)}\n`;
  }
  const eph = m.state.tree.ephemerals;
  out += `ephemeral nodes dump:\nSessions with Ephemerals (${eph.size}):\n`;
  for (const [sid, paths] of eph) {
    out += `${hex(sid)}:\n`;
    for (const p of [...paths].sort()) out += `\t${p}\n`;
  }
  out += `Connections dump:\nConnections Sets (1)/(${m.clients.size}):\n${m.clients.size} connections:\n`;
  for (const c of m.clients.values()) {
    out += `\tip: /${c.connection.remoteAddress}:${c.connection.remotePort} sessionId: ${hex(c.sessionId)}\n`;
  }
  return out;
}

function conf(ctx: FourLetterContext): string {
  const c = ctx.member.config;
  return (
    `clientPort=${ctx.member.clientPort || c.clientPort}\nsecureClientPort=-1\ndataDir=${c.dataDir}\ndataDirSize=${ctx.sizes.dataBytes}\n` +
    `dataLogDir=${c.dataLogDir}\ndataLogSize=${ctx.sizes.logBytes}\ntickTime=${c.tickTimeMs}\n` +
    `maxClientCnxns=${c.maxClientCnxns}\nminSessionTimeout=${c.minSessionTimeoutMs}\n` +
    `maxSessionTimeout=${c.maxSessionTimeoutMs}\nclientPortListenBacklog=-1\nserverId=0\n`
  );
}

function envi(): string {
  const mem = process.memoryUsage();
  const mb = (n: number): string => `${Math.round(n / 1048576)}MB`;
  return (
    `Environment:\nzookeeper.version=${versionLine}\nhost.name=${process.env.HOSTNAME ?? "localhost"}\n` +
    `java.version=none\njava.vendor=none\nnode.version=${process.version}\n` +
    `os.name=${process.platform}\nos.arch=${process.arch}\nuser.dir=${process.cwd()}\n` +
    `os.memory.free=${mb(mem.heapTotal - mem.heapUsed)}\nos.memory.max=${mb(mem.rss)}\nos.memory.total=${mb(mem.heapTotal)}\n`
  );
}

function sessionOf(ctx: FourLetterContext, connection: number): number {
  return ctx.member.clients.get(connection)?.sessionId ?? 0;
}

export function fourLetterWord(word: string, ctx: FourLetterContext): string {
  const m = ctx.member;
  switch (word) {
    case "ruok":
      return "imok";
    case "srvr":
      return `${header(ctx)}${statsLines(ctx)}`;
    case "stat": {
      let out = `${header(ctx)}Clients:\n`;
      for (const c of sortedClients(ctx)) out += `${connectionBrief(c)})\n`;
      return `${out}\n${statsLines(ctx)}`;
    }
    case "cons":
      return `${sortedClients(ctx).map(connectionFull).join("")}\n`;
    case "crst":
      for (const c of m.clients.values()) c.resetCounters();
      return "Connection stats reset.\n";
    case "srst":
      m.resetStats();
      return "Server stats reset.\n";
    case "conf":
      return conf(ctx);
    case "envi":
      return envi();
    case "mntr":
      return mntr(ctx);
    case "dump":
      return dump(ctx);
    case "wchs": {
      const s = m.watches.summary("data");
      return `${s.connections} connections watching ${s.paths} paths\nTotal watches:${s.watches}\n`;
    }
    case "wchc": {
      let out = "";
      for (const [conn, paths] of m.watches.byConnection("data")) {
        out += `${hex(sessionOf(ctx, conn))}\n`;
        for (const p of paths) out += `\t${p}\n`;
      }
      return `${out}\n`;
    }
    case "wchp": {
      let out = "";
      for (const [path, conns] of m.watches.byPath("data")) {
        out += `${path}\n`;
        for (const c of conns) out += `\t${hex(sessionOf(ctx, c))}\n`;
      }
      return `${out}\n`;
    }
    case "isro":
      return ctx.readOnly ? "ro" : "rw";
    case "dirs":
      return `datadir_size: ${ctx.sizes.dataBytes}\nlogdir_size: ${ctx.sizes.logBytes}\n`;
    case "gtmk":
    case "stmk":
      return "306";
    case "hash":
      return "";
    default:
      return "";
  }
}
