// Proves that the figures of a request in flight move on the admin port: with the member's
// disk held (its completions queued, as if an fsync were slow), a write from a session and
// a read pipelined behind it are outstanding, and /metrics (outstanding_requests), the
// monitor and server_stats commands, and the Raft gauges (the entry is in the log, not yet
// committed) say so; once the disk goes on, the write commits, both are answered and every
// figure returns to rest. The member is a real standalone member on a simulated disk, the
// session an in-process one (the admin port's own MemberSession), the admin port real HTTP.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AdminPort } from "../../src/admin/admin-port.js";
import { MemberSession } from "../../src/admin/member-session.js";
import { OpCode } from "../../src/protocol/constants.js";
import type { RunningMember } from "../../src/server/start-member.js";
import { httpGet } from "./admin-scenario.js";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";
import { type SimAdminMember, startSimAdminMember } from "./sim-admin-member.js";

let holding = false;
const held: (() => void)[] = [];
let member: SimAdminMember;
let standalone: RunningMember;
let admin: AdminPort;

before(async () => {
  member = await startSimAdminMember({
    seed: 7,
    schedule: (run) => (holding ? held.push(run) : setImmediate(run)),
  });
  ({ standalone, admin } = member);
});

after(async () => {
  holding = false;
  for (const run of held.splice(0)) run();
  await member?.close();
});

async function figures(): Promise<{ outstanding: number; commit: number; last: number }> {
  const f = parsePrometheusText((await httpGet(admin.port, "/metrics")).body);
  return {
    outstanding: sampleValue(f, "outstanding_requests") ?? -1,
    commit: sampleValue(f, "corral_raft_commit_index") ?? -1,
    last: sampleValue(f, "corral_raft_last_index") ?? -1,
  };
}

test("a write waiting for its fsync, and a read behind it, are outstanding", async () => {
  const session = new MemberSession(standalone.member, "127.0.0.1", 1, 30000);
  assert.ok(await session.open());
  const atRest = await figures();
  assert.equal(atRest.outstanding, 0);
  holding = true;
  const write = session.request(OpCode.create, {
    path: "/held",
    data: null,
    acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
    flags: 0,
  });
  const read = session.request(OpCode.exists, { path: "/held", watch: false });
  // The member proposes at once; let the Raft cycle hand the entry to the (held) disk.
  await new Promise((r) => setImmediate(r));
  const busy = await figures();
  assert.equal(busy.outstanding, 2);
  assert.ok(busy.last > busy.commit, `last ${busy.last} > commit ${busy.commit}`);
  const mntr = JSON.parse((await httpGet(admin.port, "/commands/mntr")).body);
  assert.equal(mntr.outstanding_requests, 2);
  const srvr = JSON.parse((await httpGet(admin.port, "/commands/srvr")).body);
  assert.equal(srvr.server_stats.outstanding_requests, 2);
  holding = false;
  while (held.length > 0) held.shift()?.();
  assert.equal((await write).err, 0);
  const exists = await read;
  assert.equal(exists.err, 0, "the read saw the write it waited behind");
  const done = await figures();
  assert.equal(done.outstanding, 0);
  assert.equal(done.commit, done.last);
  await session.end();
});
