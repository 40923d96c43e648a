// Proves that a Prometheus scrape and the dashboard's poll do not walk the data directories
// (a synchronous readdir and stat per file on the member's event loop, which neither
// reports), while the commands that report the directories' sizes still measure them, once
// per request even where they show both sizes. A real standalone member on a simulated disk
// whose directory measure is counted, with the admin port on real HTTP.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AdminPort } from "../../src/admin/admin-port.js";
import { httpGet } from "./admin-scenario.js";
import { type SimAdminMember, startSimAdminMember } from "./sim-admin-member.js";

let measured = 0;
let member: SimAdminMember;
let admin: AdminPort;

before(async () => {
  member = await startSimAdminMember({
    seed: 3,
    directorySizes: () => {
      measured++;
      return { dataBytes: 1234, logBytes: 5678 };
    },
  });
  admin = member.admin;
});

after(async () => {
  await member?.close();
});

test("a scrape, the dashboard's poll and mntr do not measure the data directories", async () => {
  const before = measured;
  for (const path of ["/metrics", "/api/status", "/commands/monitor", "/commands/ruok"]) {
    assert.equal((await httpGet(admin.port, path)).status, 200, path);
  }
  assert.equal(measured, before);
});

test("the commands that report the directories measure them once per request", async () => {
  let before = measured;
  const dirs = JSON.parse((await httpGet(admin.port, "/commands/dirs")).body);
  assert.deepEqual([dirs.datadir_size, dirs.logdir_size], [1234, 5678]);
  assert.equal(measured, before + 1);
  before = measured;
  const srvr = JSON.parse((await httpGet(admin.port, "/commands/server_stats")).body);
  assert.deepEqual([srvr.server_stats.data_dir_size, srvr.server_stats.log_dir_size], [1234, 5678]);
  assert.equal(measured, before + 1);
});
