// ZooKeeper's four-letter words, answered on the client port in ZooKeeper 3.8's exact text
// formats (zookeeper-protocol.md §17; checked line by line against the Debian 3.8.0 server
// by test/server/four-letter-words.test.ts), so that monitoring scripts, zkServer.sh-style
// status checks and kazoo's command() parse them. The numbers come from server-figures.ts,
// which the admin API reads too; this module only formats. docs/four-letter-words.md lists
// where Corral's answers differ from ZooKeeper's on purpose.

import { Buffer } from "node:buffer";
import { configPath } from "../tree/path.js";
import type { ClientState } from "./client-state.js";
import {
  ensembleConfLines,
  ensembleMntrLines,
  placeEnsembleLines,
  proposalSizesLine,
} from "./ensemble-four-letter.js";
import { listedObservers } from "./membership-view.js";
import {
  connectionSets,
  environmentFigures,
  type FigureSource,
  type ServerFigures,
  serverFigures,
  versionOf,
} from "./server-figures.js";
import { formatJavaDateUtc } from "./time-format.js";

export interface FourLetterContext extends FigureSource {
  /** stmk's argument: the 8-byte big-endian trace mask that follows the word. */
  argument: Uint8Array | null;
  /**
   * False for an ensemble member with no leader, outside read-only mode: ZooKeeper has no
   * running server then, and most words say so (notServing).
   */
  serving: boolean;
}

// What ZooKeeper 3.8 answers, as seen from a member of a 3-member ensemble started alone:
// every word but ruok, envi, isro, gtmk and stmk prints this line (hash without the newline),
// and isro prints "null" (it asks a server that does not exist).
const notServing = "This ZooKeeper instance is not currently serving requests";
const answeredWithoutServer = new Set(["ruok", "envi", "isro", "gtmk", "stmk"]);

const hex = (n: number): string => `0x${n.toString(16)}`;
/** Java's Long.toHexString: a negative long in two's complement (-1 after crst). */
const hexLong = (n: number): string =>
  n < 0 ? `0x${BigInt.asUintN(64, BigInt(n)).toString(16)}` : hex(n);

/** The version line, and ZooKeeper's read-only notice right after it (StatCommand). */
function header(ctx: FourLetterContext): string {
  const readOnly = ctx.readOnly ? "READ-ONLY mode; serving only read-only clients\n" : "";
  return `Zookeeper version: ${versionOf(ctx)}\n${readOnly}`;
}

/** Java's default rendering of an average (a double, at most 4 decimals in ZooKeeper). */
export function formatAvg(avg: number): string {
  const rounded = Math.round(avg * 10000) / 10000;
  return Number.isInteger(rounded) ? `${rounded}.0` : `${rounded}`;
}

function statsLines(f: ServerFigures): string {
  return (
    `Latency min/avg/max: ${f.minLatencyMs}/${formatAvg(f.avgLatencyMs)}/${f.maxLatencyMs}\n` +
    `Received: ${f.packetsReceived}\n` +
    `Sent: ${f.packetsSent}\n` +
    `Connections: ${f.aliveConnections}\n` +
    `Outstanding: ${f.outstandingRequests}\n` +
    `Zxid: ${hex(f.lastZxid)}\n` +
    `Mode: ${f.serverState}\n` +
    `Node count: ${f.znodeCount}\n`
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
    // ZooKeeper leaves lcxid out while it is unknown (after crst).
    `${c.lastCxid >= 0 ? `lcxid=${hex(c.lastCxid)},` : ""}lzxid=${hexLong(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs},` +
    `minlat=${min},avglat=${avg},maxlat=${c.latencyMaxMs})\n`
  );
}

/**
 * mntr: the figures ZooKeeperServer itself reports, in 3.8's order. The descriptor lines are
 * left out where the process cannot count its descriptors, as ZooKeeper leaves them out off
 * Unix. The hundreds of summary keys ZooKeeper's metrics provider adds (timings of its own
 * processor stages) are not emitted: Corral has no such stages to time.
 */
/** mntr's keys and values in ZooKeeper 3.8's order (the admin API's `monitor` reads them too). */
export function mntrEntries(ctx: FigureSource): [string, string | number][] {
  const f = serverFigures(ctx);
  const lines: [string, string | number][] = [
    ["zk_version", f.version],
    ["zk_server_state", f.serverState],
    ["zk_ephemerals_count", f.ephemeralsCount],
    ["zk_num_alive_connections", f.aliveConnections],
    ["zk_avg_latency", formatAvg(f.avgLatencyMs)],
    ["zk_outstanding_requests", f.outstandingRequests],
    ["zk_znode_count", f.znodeCount],
    ["zk_global_sessions", f.globalSessions],
    ["zk_last_client_response_size", f.lastClientResponseSize],
    ["zk_packets_sent", f.packetsSent],
    ["zk_packets_received", f.packetsReceived],
    ["zk_max_client_response_size", f.maxClientResponseSize],
    ["zk_watch_count", f.watchCount],
    ["zk_auth_failed_count", f.authFailedCount],
    ["zk_min_latency", f.minLatencyMs],
  ];
  if (f.maxFileDescriptorCount >= 0) {
    lines.push(["zk_max_file_descriptor_count", f.maxFileDescriptorCount]);
  }
  lines.push(["zk_approximate_data_size", f.approximateDataSize]);
  if (f.openFileDescriptorCount >= 0) {
    lines.push(["zk_open_file_descriptor_count", f.openFileDescriptorCount]);
  }
  lines.push(
    ["zk_local_sessions", f.localSessions],
    ["zk_uptime", f.uptimeMs],
    ["zk_max_latency", f.maxLatencyMs],
    ["zk_min_client_response_size", f.minClientResponseSize],
  );
  const m = ctx.member;
  const status = m.ensembleStatus();
  if (status !== null) {
    placeEnsembleLines(
      lines,
      ensembleMntrLines({
        mode: ctx.mode,
        status,
        sizes: m.proposalSizes,
        pendingSyncs: m.pendingSyncs(),
        monotonicMs: ctx.monotonicMs,
        observers: listedObservers(m.config, m.state.tree.get(configPath)?.data ?? null),
      }),
    );
  }
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
  const sets = connectionSets(ctx);
  out += `Connections dump:\nConnections Sets (${sets.length})/(${m.clients.size}):\n`;
  for (const set of sets) {
    out += `${set.connections.length} expire at ${formatJavaDateUtc(set.expiresAtMs)}:\n`;
    for (const c of set.connections) {
      out += `\tip: /${c.connection.remoteAddress}:${c.connection.remotePort} sessionId: ${hex(c.sessionId)}\n`;
    }
  }
  return out;
}

function conf(ctx: FourLetterContext): string {
  const c = ctx.member.config;
  return (
    `clientPort=${ctx.member.clientPort || c.clientPort}\nsecureClientPort=-1\ndataDir=${c.dataDir}\ndataDirSize=${ctx.sizes.dataBytes}\n` +
    `dataLogDir=${c.dataLogDir}\ndataLogSize=${ctx.sizes.logBytes}\ntickTime=${c.tickTimeMs}\n` +
    `maxClientCnxns=${c.maxClientCnxns}\nminSessionTimeout=${c.minSessionTimeoutMs}\n` +
    `maxSessionTimeout=${c.maxSessionTimeoutMs}\nclientPortListenBacklog=-1\n` +
    ensembleOrStandaloneId(ctx)
  );
}

/** A standalone server's id is 0; an ensemble member prints its id and the membership. */
function ensembleOrStandaloneId(ctx: FourLetterContext): string {
  const status = ctx.member.ensembleStatus();
  return status === null
    ? "serverId=0\n"
    : ensembleConfLines(
        ctx.member.config,
        status,
        ctx.member.state.tree.get(configPath)?.data ?? null,
      );
}

function envi(ctx: FourLetterContext): string {
  let out = `Environment:\nzookeeper.version=${versionOf(ctx)}\n`;
  for (const [k, v] of environmentFigures(ctx)) out += `${k}=${v}\n`;
  return out;
}

/** `hash`: the digest history, one "zxid-in-hex: digest" line each, oldest first. */
function hash(ctx: FourLetterContext): string {
  let out = "";
  for (const d of ctx.member.state.digestLog.list()) out += `${d.zxid.toString(16)}: ${d.digest}\n`;
  return out;
}

function sessionOf(ctx: FourLetterContext, connection: number): number {
  return ctx.member.clients.get(connection)?.sessionId ?? 0;
}

export function fourLetterWord(word: string, ctx: FourLetterContext): string {
  if (!ctx.serving) {
    if (word === "isro") return "null";
    if (word === "hash") return notServing;
    if (!answeredWithoutServer.has(word)) return `${notServing}\n`;
  }
  const m = ctx.member;
  switch (word) {
    case "ruok":
      return "imok";
    case "srvr":
      return `${header(ctx)}${statsLines(serverFigures(ctx))}${proposalSizesLine(ctx.mode, m.proposalSizes)}`;
    case "stat": {
      let out = `${header(ctx)}Clients:\n`;
      for (const c of m.clients.values()) out += `${connectionBrief(c)})\n`;
      return `${out}\n${statsLines(serverFigures(ctx))}${proposalSizesLine(ctx.mode, m.proposalSizes)}`;
    }
    case "cons":
      return `${[...m.clients.values()].map(connectionFull).join("")}\n`;
    case "crst":
      for (const c of m.clients.values()) c.resetCounters();
      return "Connection stats reset.\n";
    case "srst":
      m.resetStats();
      return "Server stats reset.\n";
    case "conf":
      return conf(ctx);
    case "envi":
      return envi(ctx);
    case "mntr":
      return mntr(ctx);
    case "dump":
      return dump(ctx);
    case "wchs": {
      // ZooKeeper's wchs, wchc and wchp list data watches only; mntr counts both kinds.
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
      return m.traceMask.toString();
    case "stmk":
      // ZooKeeper reads the mask as a signed 64-bit long and prints it back.
      if (ctx.argument !== null && ctx.argument.length >= 8) {
        m.traceMask = Buffer.from(ctx.argument.buffer, ctx.argument.byteOffset, 8).readBigInt64BE(
          0,
        );
      }
      return m.traceMask.toString();
    case "hash":
      return hash(ctx);
    default:
      return "";
  }
}
