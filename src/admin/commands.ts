// The commands of ZooKeeper's AdminServer (`/commands/<name>`), with its names, aliases and
// JSON field names and types, so that tooling written against ZooKeeper 3.8's AdminServer
// parses Corral's answers. test/admin/fixtures/zookeeper-3.8.0-admin.json holds the real
// server's answers and test/admin/commands.test.ts compares every field against them.
//
// The figures come from the same place the four-letter words read them (the member's
// counters and four-letter-words.ts), so the two surfaces can never disagree. Where ZooKeeper
// reports something Corral does not have (Java system properties, TLS connections), the
// answer keeps ZooKeeper's shape with what is true of Corral: an empty list, or the Node.js
// fact that plays the same part. docs/admin.md lists each such case.

import { tmpdir, userInfo } from "node:os";
import type { ClientState } from "../server/client-state.js";
import { learnerCounts } from "../server/ensemble-four-letter.js";
import { formatAvg, mntrEntries } from "../server/four-letter-words.js";
import type { Member } from "../server/member.js";
import type { MemberStatusSource } from "../server/member-status.js";
import { currentMembership, listedObservers, serverLineValue } from "../server/membership-view.js";
import { environmentFigures, type FigureSource, versionOf } from "../server/server-figures.js";
import { configPath } from "../tree/path.js";

/** What the commands read; the cli assembles it from the running member. */
export interface AdminSources {
  member: Member;
  status: MemberStatusSource;
  /** The text of the zoo.cfg the server started from ("" with embedded defaults). */
  initialConfiguration: string;
  /** The newest snapshot: its zxid and file time in seconds; null when there is none. */
  lastSnapshot: () => { zxid: number; timestampSec: number } | null;
  /** Fsyncs slower than fsync.warningthresholdms so far. */
  fsyncThresholdExceedCount: () => number;
  /** ZooKeeper's tracing mask (306 at start): Corral traces nothing, but gtmk/stmk keep it. */
  traceMask: number;
}

export type CommandAnswer = Record<string, unknown>;

export interface CommandDefinition {
  /** The primary name, as /commands lists it. */
  name: string;
  aliases: readonly string[];
  /** It changes something (a reset, the trace mask): an administrator's, once one is configured. */
  changes?: boolean;
  run(sources: AdminSources, query: URLSearchParams): CommandAnswer;
}

function context(sources: AdminSources): FigureSource {
  return sources.member.figureSource();
}

function latencyFigures(m: Member): { avg: number; max: number; min: number } {
  const avg = m.latencyCount === 0 ? 0 : Number(formatAvg(m.latencySumMs / m.latencyCount));
  return { avg, max: m.latencyMaxMs, min: m.latencyCount === 0 ? 0 : m.latencyMinMs };
}

function isLoopback(address: string): boolean {
  return address === "127.0.0.1" || address === "::1" || address.startsWith("127.");
}

function serverStats(sources: AdminSources): CommandAnswer {
  const ctx = context(sources);
  const m = sources.member;
  const latency = latencyFigures(m);
  let local = 0;
  for (const c of m.clients.values()) if (isLoopback(c.connection.remoteAddress)) local++;
  return {
    version: versionOf(ctx),
    read_only: ctx.readOnly,
    server_stats: {
      packets_sent: m.packetsSent,
      packets_received: m.packetsReceived,
      fsync_threshold_exceed_count: sources.fsyncThresholdExceedCount(),
      client_response_stats: clientResponse(m),
      data_dir_size: ctx.sizes.dataBytes,
      log_dir_size: ctx.sizes.logBytes,
      provider_null: false,
      server_state: ctx.mode,
      last_processed_zxid: m.lastZxid,
      outstanding_requests: m.outstandingRequests(),
      avg_latency: latency.avg,
      max_latency: latency.max,
      min_latency: latency.min,
      num_alive_client_connections: m.clients.size,
      uptime: ctx.nowMs - m.startedMs,
      auth_failed_count: m.authFailedCount,
      // Corral's client port has no TLS, so every connection is a non-mTLS one.
      non_mtlsremote_conn_count: m.clients.size - local,
      non_mtlslocal_conn_count: local,
    },
    client_response: clientResponse(m),
    node_count: m.state.tree.size,
  };
}

function clientResponse(m: Member): CommandAnswer {
  return {
    last_buffer_size: m.responseSizes.last,
    min_buffer_size: m.responseSizes.min,
    max_buffer_size: m.responseSizes.max,
  };
}

/** A connection as ZooKeeper describes it: `brief` in stats, in full in connections. */
function connectionInfo(c: ClientState, brief: boolean): CommandAnswer {
  const head = {
    remote_socket_address: `${c.connection.remoteAddress}:${c.connection.remotePort}`,
    // SelectionKey.OP_READ: the connection is being read from, as every open one is here.
    interest_ops: 1,
    outstanding_requests: c.outstanding,
    packets_received: c.received,
    packets_sent: c.sent,
  };
  if (brief) return head;
  const avg = c.latencyCount === 0 ? 0 : Math.floor(c.latencySumMs / c.latencyCount);
  return {
    ...head,
    session_id: c.sessionId,
    last_operation: c.lastOp,
    established: c.establishedMs,
    session_timeout: c.sessionTimeoutMs,
    last_cxid: c.lastCxid,
    last_zxid: c.lastZxid,
    last_response_time: c.lastResponseMs,
    last_latency: c.lastLatencyMs,
    min_latency: c.latencyCount === 0 ? 0 : c.latencyMinMs,
    avg_latency: avg,
    max_latency: c.latencyMaxMs,
  };
}

function connections(m: Member, brief: boolean): CommandAnswer[] {
  const out: CommandAnswer[] = [];
  for (const c of m.clients.values()) out.push(connectionInfo(c, brief));
  return out;
}

function sessionOf(m: Member, connection: number): number {
  return m.clients.get(connection)?.sessionId ?? 0;
}

/** mntr's figures as JSON: keys without `zk_`, numbers as numbers. */
function monitor(sources: AdminSources): CommandAnswer {
  const out: CommandAnswer = {};
  for (const [key, value] of mntrEntries(context(sources))) {
    const name = key.startsWith("zk_") ? key.slice(3) : key;
    out[name] = typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

function environment(sources: AdminSources): CommandAnswer {
  // The same figures as envi's, so the two cannot drift (this copy once reported the resident
  // set size as os.memory.max, where envi reports V8's heap limit, Java's maxMemory analogue).
  const ctx = context(sources);
  return { "zookeeper.version": versionOf(ctx), ...Object.fromEntries(environmentFigures(ctx)) };
}

function systemProperties(): CommandAnswer {
  const user = userInfo();
  return {
    "file.encoding": "UTF-8",
    "file.separator": "/",
    "java.io.tmpdir": tmpdir(),
    "line.separator": "\n",
    "os.arch": process.arch,
    "os.name": process.platform,
    "path.separator": ":",
    "user.dir": process.cwd(),
    "user.home": user.homedir,
    "user.name": user.username,
  };
}

const definitions: CommandDefinition[] = [
  {
    name: "configuration",
    aliases: ["conf", "config"],
    run: (s) => {
      const c = s.member.config;
      return {
        client_port: s.member.clientPort || c.clientPort,
        data_dir: c.dataDir,
        data_log_dir: c.dataLogDir,
        tick_time: c.tickTimeMs,
        max_client_cnxns: c.maxClientCnxns,
        min_session_timeout: c.minSessionTimeoutMs,
        max_session_timeout: c.maxSessionTimeoutMs,
        // ZooKeeper's standalone server has id 0; a member of an ensemble its myid.
        server_id: c.servers.length === 0 ? 0 : s.status.memberStatus().id,
        client_port_listen_backlog: -1,
      };
    },
  },
  {
    name: "connection_stat_reset",
    aliases: ["crst"],
    changes: true,
    run: (s) => {
      for (const c of s.member.clients.values()) c.resetCounters();
      return {};
    },
  },
  {
    name: "connections",
    aliases: ["cons"],
    run: (s) => ({ connections: connections(s.member, false), secure_connections: [] }),
  },
  {
    name: "dirs",
    aliases: [],
    run: (s) => {
      const sizes = context(s).sizes;
      return { datadir_size: sizes.dataBytes, logdir_size: sizes.logBytes };
    },
  },
  {
    name: "dump",
    aliases: [],
    run: (s) => {
      const ctx = context(s);
      // Deadlines are monotonic; ZooKeeper keys them by wall-clock milliseconds.
      const offset = ctx.nowMs - ctx.monotonicMs;
      const expiry: Record<string, number[]> = {};
      for (const b of ctx.expiry.snapshot())
        expiry[String(Math.round(b.deadline + offset))] = b.keys;
      const ephemerals: Record<string, string[]> = {};
      for (const [sid, paths] of s.member.state.tree.ephemerals) {
        ephemerals[String(sid)] = [...paths].sort();
      }
      return { expiry_time_to_session_ids: expiry, session_id_to_ephemeral_paths: ephemerals };
    },
  },
  { name: "environment", aliases: ["env", "envi"], run: (sources) => environment(sources) },
  { name: "get_trace_mask", aliases: ["gtmk"], run: (s) => ({ tracemask: s.traceMask }) },
  // ZooKeeper lists the digests of its last transactions when digest.enabled; Corral's
  // members never diverge by construction (one apply function), and keep none.
  { name: "hash", aliases: [], run: () => ({ digests: [] }) },
  {
    name: "initial_configuration",
    aliases: ["icfg"],
    run: (s) => ({ initial_configuration: s.initialConfiguration }),
  },
  {
    name: "is_read_only",
    aliases: ["isro"],
    run: (s) => ({ read_only: s.member.readOnly }),
  },
  {
    name: "last_snapshot",
    aliases: ["lsnp"],
    run: (s) => {
      const last = s.lastSnapshot();
      return {
        zxid: (last?.zxid ?? 0).toString(16),
        timestamp: last?.timestampSec ?? 0,
      };
    },
  },
  {
    name: "leader",
    aliases: ["lead"],
    run: (s) => {
      const st = s.status.memberStatus();
      // ZooKeeper answers this only on a member of an ensemble.
      if (st.role === "standalone" || st.role === "read-only") {
        return { error: "server is not initialized" };
      }
      const spec = s.member.config.servers.find((x) => x.id === st.leaderId);
      return {
        is_leader: st.role === "leader",
        leader_id: st.leaderId,
        leader_ip: spec?.host ?? "",
      };
    },
  },
  { name: "monitor", aliases: ["mntr"], run: (s) => monitor(s) },
  { name: "observer_connection_stat_reset", aliases: ["orst"], changes: true, run: () => ({}) },
  {
    name: "observers",
    aliases: ["obsr"],
    run: (s) => {
      // The leader knows its observers (as ZooKeeper's leader lists its observer handlers):
      // those in contact, with how far their logs match; the synced count is mntr's.
      const st = s.member.ensembleStatus();
      if (st === null || st.leader !== st.self) return { synced_observers: 0, observers: [] };
      const observers = st.peers
        .filter((p) => !p.voter && p.inContact)
        .map((p) => {
          const spec = s.member.config.servers.find((x) => x.id === p.id);
          // ZooKeeper's learner-handler keys for what Corral tracks; the connection counters
          // it adds (packets, queues, established) have no per-peer counterpart here.
          return {
            remote_socket_address: spec === undefined ? "" : `${spec.host}:${spec.peerPort}`,
            sid: p.id,
            last_zxid: p.match,
          };
        });
      const listed = listedObservers(
        s.member.config,
        s.member.state.tree.get(configPath)?.data ?? null,
      );
      return { synced_observers: learnerCounts(st, listed).syncedObservers, observers };
    },
  },
  { name: "ruok", aliases: [], run: () => ({}) },
  { name: "server_stats", aliases: ["srvr"], run: (s) => serverStats(s) },
  {
    name: "set_trace_mask",
    aliases: ["stmk"],
    changes: true,
    run: (s, query) => {
      const text = query.get("traceMask");
      if (text === null || !/^-?\d+$/.test(text)) {
        return { error: "setTraceMask requires long traceMask argument" };
      }
      s.traceMask = Number(text);
      return { tracemask: s.traceMask };
    },
  },
  {
    name: "stat_reset",
    aliases: ["srst"],
    changes: true,
    run: (s) => {
      s.member.resetStats();
      return {};
    },
  },
  {
    name: "stats",
    aliases: ["stat"],
    run: (s) => ({
      ...serverStats(s),
      connections: connections(s.member, true),
      secure_connections: [],
    }),
  },
  { name: "system_properties", aliases: ["sysp"], run: () => systemProperties() },
  {
    name: "voting_view",
    aliases: [],
    run: (s) => {
      // The voters of the member's current membership, each as conf prints its server line.
      const voters = s.status
        .memberStatus()
        .members.filter((p) => p.kind === "participant")
        .map((p) => p.id);
      const view: Record<string, string> = {};
      const text = s.member.state.tree.get(configPath)?.data ?? null;
      for (const spec of currentMembership(s.member.config, { voters, learners: [] }, text)
        .members) {
        view[String(spec.id)] = serverLineValue(spec);
      }
      return { current_config: view };
    },
  },
  {
    name: "watch_summary",
    aliases: ["wchs"],
    run: (s) => {
      const w = s.member.watches.summary("data");
      return { num_connections: w.connections, num_paths: w.paths, num_total_watches: w.watches };
    },
  },
  {
    name: "watches",
    aliases: ["wchc"],
    run: (s) => {
      const out: Record<string, string[]> = {};
      for (const [conn, paths] of s.member.watches.byConnection("data")) {
        out[String(sessionOf(s.member, conn))] = [...paths];
      }
      return { session_id_to_watched_paths: out };
    },
  },
  {
    name: "watches_by_path",
    aliases: ["wchp"],
    run: (s) => {
      const out: Record<string, number[]> = {};
      for (const [path, conns] of s.member.watches.byPath("data")) {
        out[path] = [...conns].map((c) => sessionOf(s.member, c));
      }
      return { path_to_session_ids: out };
    },
  },
  {
    // ZooKeeper names its replication protocol's phase here; Corral's equivalent is whether
    // this member takes part in the Raft group and how it stands in it (raft_state has all).
    name: "zabstate",
    aliases: [],
    run: (s) => {
      const st = s.status.memberStatus();
      const ensemble = st.role !== "standalone" && st.role !== "read-only";
      const phase =
        st.role === "leader" || st.role === "follower"
          ? "broadcast"
          : st.role === "candidate" || st.role === "pre-candidate"
            ? "election"
            : "";
      return { voting: ensemble && st.role !== "observer", zabstate: ensemble ? phase : "" };
    },
  },
  {
    // Corral's own: the Raft state the dashboard shows, for scripts.
    name: "raft_state",
    aliases: ["raft"],
    run: (s) => {
      const st = s.status.memberStatus();
      return {
        server_id: st.id,
        role: st.role,
        term: st.term,
        leader_id: st.leaderId,
        commit_index: st.commitIndex,
        applied_index: st.appliedIndex,
        last_index: st.lastIndex,
        members: st.members.map((p) => ({
          id: p.id,
          address: p.address,
          kind: p.kind,
          match_index: p.matchIndex,
          lag_entries: p.lagEntries,
          last_contact_ago_ms: p.lastContactAgoMs,
          round_trip_ms: p.roundTripMs,
        })),
      };
    },
  },
];

/** Every command by its name and by each alias. */
export const commandsByName: ReadonlyMap<string, CommandDefinition> = (() => {
  const map = new Map<string, CommandDefinition>();
  for (const d of definitions) {
    map.set(d.name, d);
    for (const a of d.aliases) map.set(a, d);
  }
  return map;
})();

/** Primary command names in the order /commands lists them (alphabetical, as ZooKeeper). */
export const commandNames: readonly string[] = definitions.map((d) => d.name).sort();

/**
 * Runs one command and returns ZooKeeper's envelope: the answer's fields, then `command`
 * (the primary name) and `error` (null, or the message when the command failed).
 */
export function runCommand(
  name: string,
  sources: AdminSources,
  query: URLSearchParams,
): { known: boolean; answer: CommandAnswer } {
  const definition = commandsByName.get(name);
  if (definition === undefined) {
    return { known: false, answer: { command: name, error: `Unknown command: ${name}` } };
  }
  const answer = definition.run(sources, query);
  if (typeof answer.error === "string") {
    return { known: true, answer: { error: answer.error, command: definition.name } };
  }
  return { known: true, answer: { ...answer, command: definition.name, error: null } };
}
