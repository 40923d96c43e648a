// Proves that ensemble state plugs into the admin port through MemberStatusSource alone: a
// real member (standalone, on a simulated disk) is served by the admin port with a status
// source that reports it as a follower in a three-member ensemble, and every surface shows
// the ensemble without any change in src/admin: raft_state and the dashboard's status list
// the members with lag, last contact and round trip; leader, zabstate and voting_view answer
// as a follower's; /metrics has a lag, contact and round-trip series per peer; /readyz is
// ready while a leader is known and the member is caught up, and says why not otherwise.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AdminPort } from "../../src/admin/admin-port.js";
import { parseServerSpec } from "../../src/server/config.js";
import type { MemberStatus, MemberStatusSource } from "../../src/server/member-status.js";
import { httpGet } from "./admin-scenario.js";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";
import { type SimAdminMember, startSimAdminMember } from "./sim-admin-member.js";

/** What an ensemble member would report: this member (2) follows 1; 3 lags behind. */
class FakeEnsembleStatus implements MemberStatusSource {
  leaderId = 1;
  commitIndex = 120;
  appliedIndex = 120;
  memberStatus(): MemberStatus {
    return {
      id: 2,
      role: "follower",
      term: 7,
      leaderId: this.leaderId,
      commitIndex: this.commitIndex,
      appliedIndex: this.appliedIndex,
      lastIndex: 121,
      members: [
        {
          id: 1,
          address: "10.0.0.1:2888",
          kind: "participant",
          matchIndex: 121,
          lagEntries: 0,
          lastContactAgoMs: 40,
          roundTripMs: 0.8,
        },
        {
          id: 2,
          address: "10.0.0.2:2888",
          kind: "participant",
          matchIndex: 121,
          lagEntries: 0,
          lastContactAgoMs: 0,
          roundTripMs: null,
        },
        {
          id: 3,
          address: "10.0.0.3:2888",
          kind: "participant",
          matchIndex: 90,
          lagEntries: 31,
          lastContactAgoMs: 2500,
          roundTripMs: 3.5,
        },
      ],
    };
  }
}

const status = new FakeEnsembleStatus();
let member: SimAdminMember;
let admin: AdminPort;

before(async () => {
  member = await startSimAdminMember({
    seed: 1,
    status,
    configure: (config) => {
      config.servers = [1, 2, 3].map((id) => parseServerSpec(id, `10.0.0.${id}:2888:3888;2181`));
    },
  });
  admin = member.admin;
});

after(async () => {
  await member?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, which the assertions check field by field
type Json = Record<string, any>;

const get = async (path: string): Promise<{ status: number; json: Json }> => {
  const r = await httpGet(admin.port, path);
  return { status: r.status, json: r.body.startsWith("{") ? JSON.parse(r.body) : {} };
};

test("raft_state, leader, zabstate and voting_view answer as a follower's", async () => {
  const raft = (await get("/commands/raft_state")).json;
  assert.equal(raft.role, "follower");
  assert.equal(raft.term, 7);
  assert.deepEqual(
    raft.members.map((m: Record<string, unknown>) => [m.id, m.lag_entries, m.round_trip_ms]),
    [
      [1, 0, 0.8],
      [2, 0, null],
      [3, 31, 3.5],
    ],
  );
  const leader = (await get("/commands/leader")).json;
  assert.deepEqual(
    { is_leader: leader.is_leader, leader_id: leader.leader_id, leader_ip: leader.leader_ip },
    { is_leader: false, leader_id: 1, leader_ip: "10.0.0.1" },
  );
  const zab = (await get("/commands/zabstate")).json;
  assert.deepEqual([zab.voting, zab.zabstate], [true, "broadcast"]);
  const view = (await get("/commands/voting_view")).json;
  assert.deepEqual(Object.keys(view.current_config), ["1", "2", "3"]);
  assert.equal(view.current_config["3"], "10.0.0.3:2888:3888:participant;0.0.0.0:2181");
  const conf = (await get("/commands/conf")).json;
  assert.equal(conf.server_id, 2);
});

test("/metrics has a series per peer", async () => {
  const f = parsePrometheusText((await httpGet(admin.port, "/metrics")).body);
  assert.equal(sampleValue(f, "corral_peer_replication_lag_entries", { peer: "3" }), 31);
  assert.equal(sampleValue(f, "corral_peer_last_contact_seconds", { peer: "3" }), 2.5);
  assert.equal(sampleValue(f, "corral_peer_round_trip_seconds", { peer: "1" }), 0.0008);
  assert.equal(sampleValue(f, "corral_peer_replication_lag_entries", { peer: "2" }), undefined);
  assert.equal(sampleValue(f, "corral_raft_term"), 7);
  assert.equal(sampleValue(f, "corral_raft_is_leader"), 0);
  assert.equal(sampleValue(f, "corral_raft_leader_id"), 1);
});

test("the dashboard's status lists the ensemble", async () => {
  const s = (await get("/api/status")).json;
  assert.equal(s.mode, "follower");
  assert.equal(s.member.members.length, 3);
});

test("/readyz follows what the member knows", async () => {
  assert.equal((await get("/readyz")).status, 200);
  status.leaderId = 0;
  const noLeader = await get("/readyz");
  assert.equal(noLeader.status, 503);
  assert.match(noLeader.json.reasons.join(), /^leader: no leader known \(role follower, term 7\)/);
  status.leaderId = 1;
  status.commitIndex = 5000;
  const behind = await get("/readyz");
  assert.equal(behind.status, 503);
  assert.deepEqual(behind.json.reasons, [
    "caught_up: 4880 committed entries not applied yet (bound 1000)",
  ]);
  status.commitIndex = 120;
  assert.equal((await get("/readyz")).status, 200);
});
