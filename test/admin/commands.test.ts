// Proves that Corral's admin port answers ZooKeeper's AdminServer commands as ZooKeeper 3.8.0
// does: the same command names and aliases, ZooKeeper's listing, and for every command the
// same JSON field names with the same JSON types (nested objects and list elements too),
// compared with the answers the real server gave in the same state (a session with an
// ephemeral node and watches; test/admin/fixtures, captured by
// scripts/capture/capture-admin.mjs). Where the real ZooKeeper is installed, the comparison
// is also made live against a running one, so the fixture cannot drift from the server it
// claims to record. Beyond shapes, it checks that the figures are the member's own: the
// client's session id, its ephemeral node and watches, the bound client port, resets and the
// trace mask.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { freePort } from "../support/ports.js";
import { realZooKeeperAdminAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { fetchCommands, httpGet, setUpScenario, zookeeperCommands } from "./admin-scenario.js";
import { shapeDifferences, shapeOf } from "./json-shape.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixturePath = join(
  here,
  "..",
  "..",
  "..",
  "test",
  "admin",
  "fixtures",
  "zookeeper-3.8.0-admin.json",
);

interface Fixture {
  listing: string[];
  aliases: Record<string, string>;
  unknown: { status: number; body: unknown };
  answers: Record<string, unknown>;
}

const fixture = JSON.parse(readFileSync(fixturePath, "utf8")) as Fixture;

/** Fields ZooKeeper's answers have that make sense only in a JVM, and Corral's own extras. */
const javaOnlyEnvironment = new Set([
  "java.version",
  "java.vendor",
  "java.home",
  "java.class.path",
  "java.library.path",
  "java.compiler",
]);

function differences(name: string, ours: unknown, theirs: unknown): string[] {
  const o = shapeOf(ours);
  const t = shapeOf(theirs);
  if (name === "environment") {
    return shapeDifferences(o, t, {
      missingAllowed: javaOnlyEnvironment,
      extraAllowed: new Set(["node.version"]),
    });
  }
  if (name === "system_properties" || name === "monitor") {
    // Corral reports a subset: the system properties that mean something outside a JVM, and
    // the mntr figures it measures (ZooKeeper's monitor has ~500 internal counters). Every
    // field it does report must be one of ZooKeeper's, with ZooKeeper's type; last_zxid is
    // Corral's own mntr line.
    const missing = new Set(Object.keys(theirs as object));
    return shapeDifferences(o, t, {
      missingAllowed: missing,
      extraAllowed: new Set(name === "monitor" ? ["last_zxid"] : []),
    });
  }
  return shapeDifferences(o, t);
}

/** The mntr figures every monitoring script reads; Corral's monitor must have them all. */
const requiredMonitorFields = [
  "version",
  "server_state",
  "ephemerals_count",
  "num_alive_connections",
  "avg_latency",
  "outstanding_requests",
  "znode_count",
  "global_sessions",
  "local_sessions",
  "packets_sent",
  "packets_received",
  "watch_count",
  "auth_failed_count",
  "min_latency",
  "max_latency",
  "approximate_data_size",
  "open_file_descriptor_count",
  "max_file_descriptor_count",
  "uptime",
];

let server: CorralServer;
let client: ZooKeeperClient;
let ours: { answers: Record<string, unknown>; aliases: Record<string, string> };

before(async () => {
  server = await startCorralServer({ admin: true, logLevel: "info" });
  assert.ok(server.adminPort > 0, "the admin port was announced");
  client = await setUpScenario(server.connectString);
  ours = await fetchCommands(server.adminPort);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test("the listing names every ZooKeeper command (and Corral's raft_state)", async () => {
  const listing = await httpGet(server.adminPort, "/commands");
  assert.equal(listing.status, 200);
  const names = [...listing.body.matchAll(/<a href="\/commands\/([a-z_]+)">/g)].map((m) => m[1]);
  assert.deepEqual(
    names.filter((n) => n !== "raft_state"),
    fixture.listing,
  );
  assert.ok(names.includes("raft_state"));
});

test("every alias answers as ZooKeeper's alias does", () => {
  assert.deepEqual(ours.aliases, fixture.aliases);
});

for (const name of Object.keys(zookeeperCommands)) {
  test(`${name}: ZooKeeper's field names and types`, () => {
    const diff = differences(name, ours.answers[name], fixture.answers[name]);
    assert.deepEqual(diff, [], `${name}:\n${JSON.stringify(ours.answers[name], null, 2)}`);
  });
}

test("monitor has every figure monitoring scripts read", () => {
  const monitor = ours.answers.monitor as Record<string, unknown>;
  for (const f of requiredMonitorFields) assert.ok(f in monitor, `monitor lacks ${f}`);
});

test("an unknown command gets ZooKeeper's JSON body, with 404", async () => {
  const got = await httpGet(server.adminPort, "/commands/no_such_command");
  assert.equal(got.status, 404);
  assert.deepEqual(JSON.parse(got.body), fixture.unknown.body);
});

test("the figures are the member's own", async () => {
  const sid = Number(client.sessionId);
  const a = ours.answers as Record<string, Record<string, unknown>>;
  const conns = a.connections.connections as { session_id: number }[];
  assert.ok(
    conns.some((c) => c.session_id === sid),
    "connections lists the client's session",
  );
  assert.deepEqual(
    (a.dump.session_id_to_ephemeral_paths as Record<string, string[]>)[String(sid)],
    ["/admin-scenario/eph"],
  );
  assert.ok(
    Object.values(a.dump.expiry_time_to_session_ids as Record<string, number[]>).some((ids) =>
      ids.includes(sid),
    ),
  );
  assert.deepEqual(
    [...(a.watches.session_id_to_watched_paths as Record<string, string[]>)[String(sid)]].sort(),
    ["/admin-scenario", "/admin-scenario/missing"],
  );
  assert.deepEqual(
    (a.watches_by_path.path_to_session_ids as Record<string, number[]>)["/admin-scenario"],
    [sid],
  );
  assert.deepEqual(
    {
      c: a.watch_summary.num_connections,
      p: a.watch_summary.num_paths,
      w: a.watch_summary.num_total_watches,
    },
    { c: 1, p: 2, w: 2 },
  );
  assert.equal(a.configuration.client_port, server.port);
  assert.match(String(a.initial_configuration.initial_configuration), /admin\.serverPort=0/);
  assert.equal(a.is_read_only.read_only, false);
  assert.equal(a.monitor.ephemerals_count, 1);
  assert.equal(a.monitor.server_state, "standalone");
  const stats = a.server_stats.server_stats as Record<string, unknown>;
  assert.equal(stats.num_alive_client_connections, 1);
  assert.ok(Number(stats.last_processed_zxid) >= 3);
  assert.ok((a.server_stats.client_response as { max_buffer_size: number }).max_buffer_size > 0);
  assert.match(String(a.last_snapshot.zxid), /^[0-9a-f]+$/);
});

test("stat_reset, set_trace_mask and get_trace_mask act", async () => {
  const port = server.adminPort;
  await client.getData("/admin-scenario");
  const before = JSON.parse((await httpGet(port, "/commands/srvr")).body);
  assert.ok(before.server_stats.packets_received > 0);
  assert.equal(JSON.parse((await httpGet(port, "/commands/srst")).body).error, null);
  const afterReset = JSON.parse((await httpGet(port, "/commands/srvr")).body);
  assert.equal(afterReset.server_stats.packets_received, 0);
  const set = JSON.parse((await httpGet(port, "/commands/stmk?traceMask=12")).body);
  assert.deepEqual(set, { tracemask: 12, command: "set_trace_mask", error: null });
  assert.equal(JSON.parse((await httpGet(port, "/commands/gtmk")).body).tracemask, 12);
  const refused = JSON.parse((await httpGet(port, "/commands/stmk?traceMask=x")).body);
  assert.equal(refused.error, "setTraceMask requires long traceMask argument");
});

test("raft_state reports the standalone member's Raft group", async () => {
  const raft = JSON.parse((await httpGet(server.adminPort, "/commands/raft")).body);
  assert.equal(raft.command, "raft_state");
  assert.equal(raft.role, "standalone");
  assert.ok(raft.term >= 1);
  assert.ok(raft.commit_index >= 3 && raft.applied_index === raft.commit_index);
  assert.equal(raft.members.length, 1);
});

test("live: Corral's answers have the shapes a running ZooKeeper 3.8 gives now", {
  skip: realZooKeeperAdminAvailable()
    ? false
    : "real ZooKeeper or the servlet API (libservlet-api-java) not installed",
}, async () => {
  const adminPort = await freePort();
  const zk = await startRealZooKeeper({ adminServerPort: adminPort });
  try {
    const zkClient = await setUpScenario(zk.connectString);
    try {
      const theirs = await fetchCommands(adminPort);
      assert.deepEqual(ours.aliases, theirs.aliases);
      for (const name of Object.keys(zookeeperCommands)) {
        assert.deepEqual(differences(name, ours.answers[name], theirs.answers[name]), [], name);
      }
    } finally {
      await zkClient.close();
    }
  } finally {
    await zk.stop();
  }
});
