// Proves that `/metrics` is valid Prometheus text (every scrape goes through a strict parser
// of the exposition format), carries ZooKeeper's metric names and Corral's own with the right
// types, and that each metric moves when the thing it counts happens on a real server
// process: creating nodes, ephemerals, watches, sessions and connections, reads and writes
// (latency summaries and per-opcode histograms), group commits and their fsyncs, snapshots
// (snapCount is small here), Raft indexes, and client connections refused by
// maxClientCnxns. Also that the metricsProvider.* keys of zoo.cfg are honoured: ZooKeeper's
// Prometheus provider class opens the separate metrics port, and exportJvmInfo=false leaves
// out the runtime's own metrics.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { freePort } from "../support/ports.js";
import { httpGet } from "./admin-scenario.js";
import { type Family, parsePrometheusText, sampleValue } from "./prometheus-text.js";

let server: CorralServer;
let metricsPort: number;

before(async () => {
  metricsPort = await freePort();
  server = await startCorralServer({
    admin: true,
    logLevel: "info",
    extraConfig: [
      "snapCount=40",
      "maxClientCnxns=4",
      "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
      "metricsProvider.httpHost=127.0.0.1",
      `metricsProvider.httpPort=${metricsPort}`,
      "metricsProvider.exportJvmInfo=false",
      "admin.commandURL=/zk/cmds",
    ],
  });
});

after(async () => {
  await server?.stop();
});

async function scrape(port = server.adminPort): Promise<Map<string, Family>> {
  const got = await httpGet(port, "/metrics");
  assert.equal(got.status, 200);
  assert.match(got.contentType, /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(got.body);
}

function value(f: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const v = sampleValue(f, name, labels);
  assert.ok(v !== undefined, `no sample ${name}${JSON.stringify(labels)}`);
  return v;
}

/** Scrapes until `check` holds (bounded), for figures that settle after an event. */
async function scrapeUntil(
  check: (f: Map<string, Family>) => boolean,
  what: string,
): Promise<Map<string, Family>> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const f = await scrape();
    if (check(f)) return f;
    if (Date.now() > deadline) throw new Error(`metrics never showed ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("the families and their types", async () => {
  const f = await scrape();
  const expected: Record<string, string> = {
    znode_count: "gauge",
    watch_count: "gauge",
    ephemerals_count: "gauge",
    outstanding_requests: "gauge",
    num_alive_connections: "gauge",
    global_sessions: "gauge",
    approximate_data_size: "gauge",
    open_file_descriptor_count: "gauge",
    readlatency: "summary",
    updatelatency: "summary",
    fsynctime: "summary",
    snapshottime: "summary",
    corral_request_duration_seconds: "histogram",
    corral_raft_term: "gauge",
    corral_raft_commit_index: "gauge",
    corral_raft_applied_index: "gauge",
    corral_raft_apply_lag_entries: "gauge",
    corral_wal_batch_entries: "histogram",
    corral_wal_batch_bytes: "histogram",
    corral_wal_fsync_duration_seconds: "histogram",
    corral_snapshot_duration_seconds: "histogram",
    corral_snapshot_bytes: "gauge",
    corral_sessions: "gauge",
    corral_client_connections_rejected_total: "counter",
    corral_peer_replication_lag_entries: "gauge",
    corral_peer_last_contact_seconds: "gauge",
    corral_peer_round_trip_seconds: "gauge",
    corral_admin_connections_refused_total: "counter",
  };
  for (const [name, type] of Object.entries(expected)) {
    assert.equal(f.get(name)?.type, type, `${name} should be a ${type}`);
  }
  // exportJvmInfo=false: no runtime metrics.
  assert.equal(f.get("process_cpu_user_seconds_total"), undefined);
  assert.ok(value(f, "corral_raft_term") >= 1);
});

test("each metric moves when what it counts happens", async () => {
  const before = await scrape();
  const client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  const second = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  try {
    await client.create("/m", "x");
    for (let i = 0; i < 50; i++) await client.create(`/m/n${i}`, "payload");
    await client.create("/m/eph", "e", { mode: "ephemeral" });
    await client.getData("/m", { watch: () => {} });
    for (let i = 0; i < 20; i++) await client.getData(`/m/n${i}`);
    const f = await scrapeUntil(
      (s) => (sampleValue(s, "corral_snapshot_duration_seconds_count") ?? 0) >= 1,
      "a snapshot (snapCount=40)",
    );
    const grew = (name: string, by = 1, labels: Record<string, string> = {}): void => {
      const was = sampleValue(before, name, labels) ?? 0;
      const now = value(f, name, labels);
      assert.ok(now - was >= by, `${name}${JSON.stringify(labels)}: ${was} -> ${now}`);
    };
    grew("znode_count", 52);
    grew("ephemerals_count", 1);
    grew("watch_count", 1);
    grew("num_alive_connections", 2);
    grew("global_sessions", 2);
    grew("corral_sessions", 2, { kind: "global" });
    grew("readlatency_count", 20);
    grew("updatelatency_count", 52);
    grew("corral_request_duration_seconds_count", 51, { opcode: "create2" });
    grew("corral_request_duration_seconds_count", 20, { opcode: "getData" });
    grew("fsynctime_count", 1);
    grew("corral_wal_batch_entries_count", 1);
    grew("corral_wal_batch_entries_sum", 54);
    grew("corral_wal_batch_bytes_sum", 54 * 7);
    grew("corral_wal_fsync_duration_seconds_count", 1);
    grew("corral_raft_commit_index", 54);
    grew("corral_raft_applied_index", 54);
    grew("snapshottime_count", 1);
    assert.ok(value(f, "corral_snapshot_bytes") > 0);
    assert.equal(value(f, "corral_raft_apply_lag_entries"), 0);
    assert.ok(value(f, "readlatency", { quantile: "0.99" }) >= 0);
    // A histogram's buckets are cumulative and end with +Inf = count.
    const buckets = (f.get("corral_request_duration_seconds")?.samples ?? []).filter(
      (x) => x.name.endsWith("_bucket") && x.labels.opcode === "getData",
    );
    assert.ok(buckets.length > 2);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value);
    assert.equal(buckets[buckets.length - 1].labels.le, "+Inf");
    assert.equal(
      buckets[buckets.length - 1].value,
      value(f, "corral_request_duration_seconds_count", { opcode: "getData" }),
    );
  } finally {
    await client.close();
    await second.close();
  }
  const closed = await scrapeUntil(
    (s) => sampleValue(s, "num_alive_connections") === 0,
    "the connections closed",
  );
  assert.equal(value(closed, "ephemerals_count"), 0);
});

test("connections refused by maxClientCnxns are counted", async () => {
  const sockets: Socket[] = [];
  try {
    // maxClientCnxns=4 from 127.0.0.1: the fifth is refused.
    for (let i = 0; i < 5; i++) {
      const s = connect({ host: "127.0.0.1", port: server.port });
      s.on("error", () => {});
      await new Promise<void>((resolve) => s.once("connect", () => resolve()));
      sockets.push(s);
    }
    await scrapeUntil(
      (s) =>
        (sampleValue(s, "corral_client_connections_rejected_total", {
          reason: "maxClientCnxns",
        }) ?? 0) >= 1,
      "a refused connection",
    );
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test("metricsProvider.httpPort serves the same scrape on its own port", async () => {
  const f = await scrape(metricsPort);
  assert.equal(f.get("znode_count")?.type, "gauge");
  const other = await httpGet(metricsPort, "/commands/ruok");
  assert.equal(other.status, 404);
});

test("admin.commandURL moves the commands", async () => {
  const moved = await httpGet(server.adminPort, "/zk/cmds/ruok");
  assert.deepEqual(JSON.parse(moved.body), { command: "ruok", error: null });
  assert.match((await httpGet(server.adminPort, "/zk/cmds")).body, /href="\/zk\/cmds\/monitor"/);
  assert.equal((await httpGet(server.adminPort, "/commands/ruok")).status, 404);
});

// /metrics reads mntr's own figures: approximate_data_size is the tree's path and data
// bytes as ZooKeeper counts them, not the heap.
test("approximate_data_size grows with the tree's data", async () => {
  const client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  try {
    const before = value(await scrape(), "approximate_data_size");
    await client.create("/sized", "x".repeat(100000));
    const after = value(await scrape(), "approximate_data_size");
    assert.ok(after - before >= 100000, `${before} -> ${after}`);
    assert.ok(after < 10 * 1024 * 1024, "it counts the tree's bytes, not the heap");
  } finally {
    await client.close();
  }
});
