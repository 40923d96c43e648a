// Proves the ensemble lines of the four-letter words say what the member's status says: who
// counts as a synced follower or observer (in contact, match within the lag bound), which
// lines each role prints and in ZooKeeper 3.8's relative order wherever the server-wide lines
// put their anchors, the leader's proposal-size line, and conf's membership lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerProgress } from "../../src/raft/node.js";
import { BufferStats } from "../../src/server/buffer-stats.js";
import { parseZooCfg } from "../../src/server/config.js";
import {
  ensembleConfLines,
  ensembleMntrLines,
  learnerCounts,
  placeEnsembleLines,
  proposalSizesLine,
  syncedLagEntriesMax,
} from "../../src/server/ensemble-four-letter.js";
import type { EnsembleStatus } from "../../src/server/member.js";

function status(peers: PeerProgress[], extra: Partial<EnsembleStatus> = {}): EnsembleStatus {
  return {
    self: 1,
    leader: 1,
    term: 2,
    commitIndex: 5000,
    lastIndex: 5000,
    voters: [1, 2, 3],
    learners: [4],
    peers,
    leadingSinceMs: 1000,
    ...extra,
  };
}

const peer = (id: number, match: number, inContact: boolean, voter = true): PeerProgress => ({
  id,
  match,
  recentActive: inContact,
  inContact,
  voter,
});

test("a follower is synced when in contact and within the lag bound; learners count contact only", () => {
  const counts = learnerCounts(
    status([
      peer(2, 5000, true),
      peer(3, 5000 - syncedLagEntriesMax - 1, true),
      peer(4, 4990, true, false),
      // A learner not listed as an observer: a participant a reconfiguration is adding.
      peer(5, 4995, true, false),
    ]),
    new Set([4]),
  );
  assert.deepEqual(counts, {
    learners: 4,
    syncedFollowers: 1,
    syncedNonVotingFollowers: 1,
    syncedObservers: 1,
  });
  const silent = learnerCounts(status([peer(2, 5000, false), peer(3, 0, true)]), new Set());
  assert.deepEqual(silent, {
    learners: 1,
    syncedFollowers: 0,
    syncedNonVotingFollowers: 0,
    syncedObservers: 0,
  });
});

/** The server-wide mntr keys Corral prints, in ZooKeeper 3.8's order (four-letter-words.ts). */
const serverWide: [string, number][] = [
  "zk_version",
  "zk_server_state",
  "zk_ephemerals_count",
  "zk_num_alive_connections",
  "zk_avg_latency",
  "zk_outstanding_requests",
  "zk_znode_count",
  "zk_global_sessions",
  "zk_last_client_response_size",
  "zk_packets_sent",
  "zk_packets_received",
  "zk_max_client_response_size",
  "zk_watch_count",
  "zk_auth_failed_count",
  "zk_min_latency",
  "zk_max_file_descriptor_count",
  "zk_approximate_data_size",
  "zk_open_file_descriptor_count",
  "zk_local_sessions",
  "zk_uptime",
  "zk_max_latency",
  "zk_min_client_response_size",
].map((k) => [k, 0]);

/** The real 3.8.0 leader's mntr order over the keys above and the ensemble lines (captured). */
const realLeaderOrder = [
  "zk_version",
  "zk_server_state",
  "zk_peer_state",
  "zk_ephemerals_count",
  "zk_num_alive_connections",
  "zk_avg_latency",
  "zk_min_proposal_size",
  "zk_outstanding_requests",
  "zk_znode_count",
  "zk_global_sessions",
  "zk_last_client_response_size",
  "zk_packets_sent",
  "zk_packets_received",
  "zk_max_proposal_size",
  "zk_max_client_response_size",
  "zk_synced_followers",
  "zk_watch_count",
  "zk_synced_non_voting_followers",
  "zk_synced_observers",
  "zk_auth_failed_count",
  "zk_min_latency",
  "zk_max_file_descriptor_count",
  "zk_approximate_data_size",
  "zk_open_file_descriptor_count",
  "zk_last_proposal_size",
  "zk_pending_syncs",
  "zk_leader_uptime",
  "zk_local_sessions",
  "zk_uptime",
  "zk_max_latency",
  "zk_learners",
  "zk_min_client_response_size",
  "zk_quorum_size",
];

test("the leader prints ZooKeeper 3.8's leader lines in its relative order", () => {
  const sizes = new BufferStats();
  sizes.record(48);
  sizes.record(1100);
  const lines = serverWide.map((l): [string, string | number] => [...l]);
  const extra = ensembleMntrLines({
    mode: "leader",
    status: status([peer(2, 5000, true), peer(3, 4999, true)]),
    sizes,
    pendingSyncs: 1,
    monotonicMs: 3500,
    observers: new Set(),
  });
  placeEnsembleLines(lines, extra);
  const keys = lines.map((l) => l[0]);
  assert.deepEqual(
    keys.filter((k) => !serverWide.some((s) => s[0] === k)),
    [
      "zk_peer_state",
      "zk_min_proposal_size",
      "zk_max_proposal_size",
      "zk_synced_followers",
      "zk_synced_non_voting_followers",
      "zk_synced_observers",
      "zk_last_proposal_size",
      "zk_pending_syncs",
      "zk_leader_uptime",
      "zk_learners",
      "zk_quorum_size",
    ],
  );
  assert.deepEqual(keys, realLeaderOrder);
  // Without the descriptor lines (a process that cannot count them) the order still holds.
  const bare = serverWide
    .filter(([k]) => !k.includes("file_descriptor"))
    .map((l): [string, string | number] => [...l]);
  placeEnsembleLines(bare, extra);
  assert.deepEqual(
    bare.map((l) => l[0]),
    realLeaderOrder.filter((k) => !k.includes("file_descriptor")),
  );
  const value = new Map(lines);
  assert.equal(value.get("zk_peer_state"), "leading - broadcast");
  assert.equal(value.get("zk_min_proposal_size"), 48);
  assert.equal(value.get("zk_last_proposal_size"), 1100);
  assert.equal(value.get("zk_synced_followers"), 2);
  assert.equal(value.get("zk_pending_syncs"), 1);
  assert.equal(value.get("zk_leader_uptime"), 2500);
  assert.equal(value.get("zk_quorum_size"), 3);
  assert.equal(proposalSizesLine("leader", sizes), "Proposal sizes last/min/max: 1100/48/1100\n");
  sizes.reset();
  assert.equal(proposalSizesLine("leader", sizes), "Proposal sizes last/min/max: -1/-1/-1\n");
});

test("a follower prints only its peer state and the quorum size; a member without a leader is looking", () => {
  const follower = status([], { self: 2, leader: 1, leadingSinceMs: -1 });
  const lines = serverWide.map((l): [string, string | number] => [...l]);
  placeEnsembleLines(
    lines,
    ensembleMntrLines({
      mode: "follower",
      status: follower,
      sizes: new BufferStats(),
      pendingSyncs: 0,
      monotonicMs: 0,
      observers: new Set(),
    }),
  );
  const keys = lines.map((l) => l[0]);
  assert.deepEqual(keys.slice(1, 3), ["zk_server_state", "zk_peer_state"]);
  assert.equal(keys.at(-1), "zk_quorum_size");
  assert.equal(keys.length, serverWide.length + 2);
  assert.equal(new Map(lines).get("zk_peer_state"), "following - broadcast");
  assert.equal(proposalSizesLine("follower", new BufferStats()), "");
  const lost = ensembleMntrLines({
    mode: "follower",
    status: { ...follower, leader: 0 },
    sizes: null,
    pendingSyncs: 0,
    monotonicMs: 0,
    observers: new Set(),
  });
  assert.deepEqual(lost[0], ["zk_peer_state", "looking - election"]);
});

test("conf prints the member's identity and the membership as ZooKeeper does", () => {
  const { config } = parseZooCfg(
    [
      "dataDir=/tmp/x",
      "initLimit=7",
      "syncLimit=3",
      "server.1=10.0.0.1:2888:3888",
      "server.2=10.0.0.2:2889:3889;127.0.0.1:2182",
      "server.3=10.0.0.3:2890:3890:observer",
    ].join("\n"),
  );
  const text = ensembleConfLines(
    config,
    status([], { self: 3, voters: [1, 2], learners: [3], leader: 1 }),
    null,
  );
  assert.equal(
    text,
    [
      "serverId=3",
      "initLimit=7",
      "syncLimit=3",
      "electionAlg=3",
      "electionPort=3890",
      "quorumPort=2890",
      "peerType=1",
      "membership: ",
      "server.1=10.0.0.1:2888:3888:participant",
      "server.2=10.0.0.2:2889:3889:participant;127.0.0.1:2182",
      "server.3=10.0.0.3:2890:3890:observer",
      "version=0",
      "",
    ].join("\n"),
  );
});

test("conf after a reconfiguration prints /zookeeper/config's members and version", () => {
  const { config } = parseZooCfg(
    [
      "dataDir=/tmp/x",
      "server.1=10.0.0.1:2888:3888",
      "server.2=10.0.0.2:2889:3889",
      "server.3=10.0.0.3:2890:3890",
    ].join("\n"),
  );
  // Member 4 joined and 2 left: zoo.cfg still names 1-3, the replicated text names 1, 3, 4.
  const configText = [
    "server.1=10.0.0.1:2888:3888:participant",
    "server.3=10.0.0.3:2890:3890:participant",
    "server.4=10.0.0.4:2891:3891:participant;10.0.0.4:2184",
    "version=100000007",
    "",
  ].join("\n");
  const text = ensembleConfLines(
    config,
    status([], { self: 1, voters: [1, 3, 4], learners: [], leader: 1 }),
    configText,
  );
  assert.ok(text.endsWith(`membership: \n${configText}`), text);
});
