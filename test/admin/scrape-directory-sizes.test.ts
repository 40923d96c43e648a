// Proves that a Prometheus scrape and the dashboard's poll do not walk the data directories
// (a synchronous readdir and stat per file on the member's event loop, which neither
// reports), while the commands that report the directories' sizes still measure them, once
// per request even where they show both sizes. A real standalone member on a simulated disk
// whose directory measure is counted, with the admin port on real HTTP.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type AdminPort, startAdminPort } from "../../src/admin/admin-port.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { defaultConfig } from "../../src/server/config.js";
import { StandaloneStatusSource } from "../../src/server/member-status.js";
import { type RunningMember, startMember } from "../../src/server/start-member.js";
import { Prng } from "../../src/sim/prng.js";
import { SimDisk } from "../../src/sim/sim-disk.js";
import { httpGet } from "./admin-scenario.js";

let measured = 0;
let standalone: RunningMember;
let admin: AdminPort;

before(async () => {
  const config = defaultConfig();
  config.dataDir = "/data";
  config.dataLogDir = "/data";
  config.adminServerAddress = "127.0.0.1";
  config.adminServerPort = 0;
  const logger = new MemoryLogger();
  standalone = await new Promise<RunningMember>((resolve, reject) =>
    startMember(
      {
        config,
        disk: new SimDisk({ random: new Prng(3), schedule: (run) => setImmediate(run) }),
        clock: new NodeClock(),
        random: new NodeRandom(),
        logger,
        defer: setImmediate,
        directorySizes: () => {
          measured++;
          return { dataBytes: 1234, logBytes: 5678 };
        },
      },
      (error, s) => (error || s === null ? reject(error) : resolve(s)),
    ),
  );
  admin = await startAdminPort({
    config,
    member: standalone.member,
    status: new StandaloneStatusSource(standalone.raftLog, () => standalone.member.readOnly),
    storage: standalone.storage,
    initialConfiguration: "",
    logger,
  });
});

after(async () => {
  await admin?.close();
  if (standalone !== undefined) await new Promise((r) => standalone.close(r));
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
