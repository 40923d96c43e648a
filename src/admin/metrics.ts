// The `/metrics` scrape in Prometheus text format, built with prom-client.
//
// Two families. ZooKeeper's names, as its PrometheusMetricsProvider publishes them, for the
// figures Corral has too: the mntr gauges (znode_count, watch_count, ephemerals_count,
// outstanding_requests, num_alive_connections, ...) read from the same function the
// four-letter word uses, and the latency summaries readlatency, updatelatency, fsynctime and
// snapshottime in milliseconds. Corral's own, prefixed corral_ and in base units: request
// latency histograms per opcode, the Raft term and indexes, apply lag, WAL batch sizes and
// fsync latency, snapshot duration and size, sessions, refused connections, and per peer the
// replication lag and last contact (from the MemberStatusSource, so an ensemble member's
// peers appear without a change here).
//
// Per-event figures arrive on server/diagnostics.ts's channels; everything else is read from
// the member when Prometheus scrapes, so a scrape costs the member one walk of its counters
// and nothing between scrapes.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { OpCode } from "../protocol/constants.js";
import {
  type ConnectionRefusedEvent,
  connectionRefusedChannel,
  type RequestEvent,
  requestChannel,
  type SnapshotEvent,
  snapshotChannel,
  type WalBatchEvent,
  walBatchChannel,
} from "../server/diagnostics.js";
import { mntrEntries } from "../server/four-letter-words.js";
import type { Member } from "../server/member.js";
import type { MemberStatusSource } from "../server/member-status.js";
import { HdrSummary } from "./hdr-summary.js";
import { LabelledHistogram } from "./opcode-histogram.js";

export interface MetricsOptions {
  member: Member;
  status: MemberStatusSource;
  /** Fsyncs slower than this are counted (fsync.warningthresholdms, ZooKeeper's 1000). */
  fsyncWarningThresholdMs: number;
  /** Also export Node's process and runtime metrics (metricsProvider.exportJvmInfo). */
  exportRuntimeInfo: boolean;
  /** Connections the admin port refused so far. */
  adminConnectionsRefused: () => number;
  /** Failed administrator logins so far. */
  adminAuthFailures: () => number;
}

/** mntr keys (without zk_) published as gauges under ZooKeeper's Prometheus names. */
const mntrGauges: readonly string[] = [
  "znode_count",
  "watch_count",
  "ephemerals_count",
  "outstanding_requests",
  "num_alive_connections",
  "global_sessions",
  "local_sessions",
  "packets_sent",
  "packets_received",
  "approximate_data_size",
  "open_file_descriptor_count",
  "max_file_descriptor_count",
  "auth_failed_count",
  "uptime",
  "avg_latency",
  "min_latency",
  "max_latency",
];

const opcodeNames: ReadonlyMap<number, string> = new Map(
  Object.entries(OpCode).map(([name, code]) => [code as number, name]),
);

/** Opcodes ZooKeeper times as updatelatency (they go through the log); other requests are reads. */
const writeOpcodes: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.setACL,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.check,
  OpCode.createSession,
  OpCode.closeSession,
]);

/** Requests that are neither (session upkeep): counted per opcode, in neither summary. */
const upkeepOpcodes: ReadonlySet<number> = new Set([
  OpCode.ping,
  OpCode.auth,
  OpCode.setWatches,
  OpCode.setWatches2,
  OpCode.sasl,
]);

const latencyBucketsSeconds = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** One window's figures: how many, and latency percentiles in milliseconds. */
export interface WindowFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The figures of the last whole window (about a second) of a stream of latencies, for the
 * dashboard's live charts. It rotates when read after the window has passed, so it needs no
 * timer; every viewer reads the same completed window.
 */
export class RecentWindow {
  private current: RecordableHistogram = createHistogram();
  private startedMs: number;
  private last: WindowFigures = { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
  private lastMs = 0;

  constructor(
    private readonly nowMs: () => number,
    private readonly windowMs = 1000,
  ) {
    this.startedMs = nowMs();
  }

  record(ms: number): void {
    this.current.record(Math.max(1, Math.round(ms * 1000)));
  }

  read(): { windowMs: number } & WindowFigures {
    const now = this.nowMs();
    if (now - this.startedMs >= this.windowMs) {
      const h = this.current;
      const n = h.count;
      this.last = {
        count: n,
        p50Ms: n === 0 ? 0 : h.percentile(50) / 1000,
        p99Ms: n === 0 ? 0 : h.percentile(99) / 1000,
        maxMs: n === 0 ? 0 : h.max / 1000,
      };
      this.lastMs = now - this.startedMs;
      h.reset();
      this.startedMs = now;
    }
    return { windowMs: this.lastMs, ...this.last };
  }
}

export class Metrics {
  readonly registry = new Registry();
  /** The last second's requests and fsyncs, for the dashboard. */
  readonly recentRequests = new RecentWindow(() => performance.now());
  readonly recentFsyncs = new RecentWindow(() => performance.now());
  fsyncThresholdExceeded = 0;
  private readonly gauges = new Map<string, Gauge>();
  private readonly requestSeconds: LabelledHistogram;
  private readonly readLatency: HdrSummary;
  private readonly updateLatency: HdrSummary;
  private readonly fsyncTime: HdrSummary;
  private readonly snapshotTime: HdrSummary;
  private readonly walBatchEntries: Histogram;
  private readonly walBatchBytes: Histogram;
  private readonly walFsyncSeconds: Histogram;
  private readonly snapshotSeconds: Histogram;
  private readonly snapshotBytes: Gauge;
  private readonly connectionsRejected: Counter<"reason">;
  private readonly raft: Record<
    "term" | "commit" | "applied" | "last" | "lag" | "leader" | "isLeader",
    Gauge
  >;
  private readonly peerLag: Gauge<"peer">;
  private readonly peerContact: Gauge<"peer">;
  private readonly peerRoundTrip: Gauge<"peer">;
  private readonly sessions: Gauge<"kind">;
  private readonly adminRefused: Counter;
  private adminRefusedSeen = 0;
  private readonly authFailures: Counter;
  private authFailuresSeen = 0;

  private readonly onRequest = (message: unknown): void => {
    const e = message as RequestEvent;
    // Opcodes run from -11 (closeSession) to 107; the index keeps them apart and small.
    const index = e.opcode + 16;
    if (index >= 0 && index < 256) {
      this.requestSeconds.observe(
        index,
        opcodeNames.get(e.opcode) ?? String(e.opcode),
        e.latencyMs / 1000,
      );
    }
    if (upkeepOpcodes.has(e.opcode)) return;
    this.recentRequests.record(e.latencyMs);
    if (writeOpcodes.has(e.opcode)) this.updateLatency.observe(e.latencyMs);
    else this.readLatency.observe(e.latencyMs);
  };

  private readonly onWalBatch = (message: unknown): void => {
    const e = message as WalBatchEvent;
    this.walBatchEntries.observe(e.entries);
    this.walBatchBytes.observe(e.bytes);
    this.walFsyncSeconds.observe(e.durationMs / 1000);
    this.fsyncTime.observe(e.durationMs);
    this.recentFsyncs.record(e.durationMs);
    if (e.durationMs > this.options.fsyncWarningThresholdMs) this.fsyncThresholdExceeded++;
  };

  private readonly onSnapshot = (message: unknown): void => {
    const e = message as SnapshotEvent;
    this.snapshotSeconds.observe(e.durationMs / 1000);
    this.snapshotTime.observe(e.durationMs);
    this.snapshotBytes.set(e.bytes);
  };

  private readonly onRefused = (message: unknown): void => {
    this.connectionsRejected.labels((message as ConnectionRefusedEvent).reason).inc();
  };

  constructor(private readonly options: MetricsOptions) {
    const registry = this.registry;
    for (const key of mntrGauges) {
      this.gauges.set(
        key,
        new Gauge({ name: key, help: `ZooKeeper's ${key} (as mntr)`, registers: [registry] }),
      );
    }
    this.readLatency = new HdrSummary(
      "readlatency",
      "Read request latency in milliseconds",
    ).register(registry);
    this.updateLatency = new HdrSummary(
      "updatelatency",
      "Update request latency in milliseconds, from receipt to reply",
    ).register(registry);
    this.fsyncTime = new HdrSummary(
      "fsynctime",
      "Write-ahead log write and fsync time in milliseconds",
    ).register(registry);
    this.snapshotTime = new HdrSummary("snapshottime", "Snapshot time in milliseconds").register(
      registry,
    );
    this.requestSeconds = new LabelledHistogram(
      "corral_request_duration_seconds",
      "Client request latency from receipt to reply, per opcode",
      "opcode",
      latencyBucketsSeconds,
    ).register(registry);
    this.walBatchEntries = new Histogram({
      name: "corral_wal_batch_entries",
      help: "Entries written and fsynced together (one group commit)",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    });
    this.walBatchBytes = new Histogram({
      name: "corral_wal_batch_bytes",
      help: "Entry bytes written by one group commit",
      buckets: [128, 512, 2048, 8192, 32768, 131072, 524288, 2097152, 8388608],
      registers: [registry],
    });
    this.walFsyncSeconds = new Histogram({
      name: "corral_wal_fsync_duration_seconds",
      help: "Time from a group commit's write to its fsync's completion",
      buckets: latencyBucketsSeconds,
      registers: [registry],
    });
    this.snapshotSeconds = new Histogram({
      name: "corral_snapshot_duration_seconds",
      help: "Time from a snapshot's start to its durable file",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.snapshotBytes = new Gauge({
      name: "corral_snapshot_bytes",
      help: "Size of the last snapshot written",
      registers: [registry],
    });
    this.connectionsRejected = new Counter({
      name: "corral_client_connections_rejected_total",
      help: "Client connections refused before reaching the member, by reason",
      labelNames: ["reason"],
      registers: [registry],
    });
    this.connectionsRejected.labels("maxClientCnxns").inc(0);
    const gauge = (name: string, help: string): Gauge =>
      new Gauge({ name, help, registers: [registry] });
    this.raft = {
      term: gauge("corral_raft_term", "Current Raft term"),
      commit: gauge("corral_raft_commit_index", "Highest log index known committed"),
      applied: gauge("corral_raft_applied_index", "Highest log index applied to the state"),
      last: gauge("corral_raft_last_index", "Last index in this member's log"),
      lag: gauge("corral_raft_apply_lag_entries", "Committed entries not yet applied"),
      leader: gauge("corral_raft_leader_id", "Id of the member this one follows (0: none)"),
      isLeader: gauge("corral_raft_is_leader", "1 while this member leads (or is standalone)"),
    };
    this.peerLag = new Gauge({
      name: "corral_peer_replication_lag_entries",
      help: "Entries a member of the ensemble is behind this member's log",
      labelNames: ["peer"],
      registers: [registry],
    });
    this.peerContact = new Gauge({
      name: "corral_peer_last_contact_seconds",
      help: "Seconds since this member last heard from a member of the ensemble",
      labelNames: ["peer"],
      registers: [registry],
    });
    this.peerRoundTrip = new Gauge({
      name: "corral_peer_round_trip_seconds",
      help: "Last measured round trip to a member of the ensemble",
      labelNames: ["peer"],
      registers: [registry],
    });
    this.sessions = new Gauge({
      name: "corral_sessions",
      help: "Live sessions: global (replicated) and local (read-only mode)",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.adminRefused = new Counter({
      name: "corral_admin_connections_refused_total",
      help: "Admin HTTP connections closed because too many were open",
      registers: [registry],
    });
    this.authFailures = new Counter({
      name: "corral_admin_auth_failures_total",
      help: "Admin requests refused for wrong credentials",
      registers: [registry],
    });
    if (options.exportRuntimeInfo) collectDefaultMetrics({ register: registry });
    subscribe(requestChannel.name as string, this.onRequest);
    subscribe(walBatchChannel.name as string, this.onWalBatch);
    subscribe(snapshotChannel.name as string, this.onSnapshot);
    subscribe(connectionRefusedChannel.name as string, this.onRefused);
  }

  /** The scrape: reads the member's figures now, then renders the registry. */
  async render(): Promise<string> {
    const m = this.options.member;
    for (const [key, value] of mntrEntries(m.figureSource())) {
      const gauge = this.gauges.get(key.startsWith("zk_") ? key.slice(3) : key);
      // Only figures: mntr also carries text (server state, peer state, version).
      const n = typeof value === "number" ? value : Number(value);
      if (gauge !== undefined && Number.isFinite(n)) gauge.set(n);
    }
    const st = this.options.status.memberStatus();
    this.raft.term.set(st.term);
    this.raft.commit.set(st.commitIndex);
    this.raft.applied.set(st.appliedIndex);
    this.raft.last.set(st.lastIndex);
    this.raft.lag.set(st.commitIndex - st.appliedIndex);
    this.raft.leader.set(st.leaderId);
    this.raft.isLeader.set(st.role === "leader" || st.role === "standalone" ? 1 : 0);
    this.peerLag.reset();
    this.peerContact.reset();
    this.peerRoundTrip.reset();
    for (const p of st.members) {
      if (p.id === st.id) continue;
      this.peerLag.labels(String(p.id)).set(p.lagEntries);
      if (p.lastContactAgoMs !== null)
        this.peerContact.labels(String(p.id)).set(p.lastContactAgoMs / 1000);
      if (p.roundTripMs !== null) this.peerRoundTrip.labels(String(p.id)).set(p.roundTripMs / 1000);
    }
    this.sessions.labels("global").set(m.state.sessions.size);
    this.sessions.labels("local").set(m.localSessionCount);
    const refused = this.options.adminConnectionsRefused();
    this.adminRefused.inc(refused - this.adminRefusedSeen);
    this.adminRefusedSeen = refused;
    const failures = this.options.adminAuthFailures();
    this.authFailures.inc(failures - this.authFailuresSeen);
    this.authFailuresSeen = failures;
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    unsubscribe(requestChannel.name as string, this.onRequest);
    unsubscribe(walBatchChannel.name as string, this.onWalBatch);
    unsubscribe(snapshotChannel.name as string, this.onSnapshot);
    unsubscribe(connectionRefusedChannel.name as string, this.onRefused);
  }
}
