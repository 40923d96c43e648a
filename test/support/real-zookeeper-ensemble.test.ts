// Proves the test harness can start a real 3-member Apache ZooKeeper ensemble on free ports,
// that it settles with one leader and two followers, that a client reaches it through the
// 3-host connect string, and that stop() ends every JVM and removes every data directory
// (skipped where the interop packages are absent).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { realZooKeeperAvailable } from "./real-zookeeper.js";
import { RealZooKeeperEnsemble } from "./real-zookeeper-ensemble.js";

test("a real 3-member ZooKeeper ensemble starts with a leader, serves, and stops clean", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 120000,
}, async () => {
  const zk = await RealZooKeeperEnsemble.start();
  const dirs = zk.members.map((id) => zk.dataDir(id));
  try {
    const leader = await zk.waitForLeader();
    const modes = await Promise.all(zk.members.map((id) => zk.mode(id)));
    assert.deepEqual(
      modes,
      zk.members.map((id) => (id === leader ? "leader" : "follower")),
    );
    assert.equal(zk.connectString.split(",").length, 3);
    const client = await ZooKeeperClient.connect(zk.connectString);
    try {
      await client.create("/launcher", new Uint8Array([1]));
    } finally {
      await client.close();
    }
  } finally {
    await zk.stop();
  }
  for (const dir of dirs) assert.equal(existsSync(dir), false, dir);
  assert.deepEqual(await Promise.all(zk.members.map((id) => zk.mode(id))), [null, null, null]);
});
