// Proves the test harness can start the real Apache ZooKeeper server on a free port and
// stop it again, removing its data directory (skipped where the interop packages are absent).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fourLetterWord } from "./four-letter.js";
import { peerSkip } from "./peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "./real-zookeeper.js";

test("real ZooKeeper starts, answers srvr and stops", {
  skip: peerSkip(!realZooKeeperAvailable() && "zookeeper not installed"),
}, async () => {
  const zk = await startRealZooKeeper();
  try {
    const srvr = await fourLetterWord(zk.port, "srvr");
    assert.match(srvr, /^Zookeeper version: 3\./);
    assert.match(srvr, /Mode: standalone/);
  } finally {
    await zk.stop();
  }
  assert.equal(existsSync(zk.dataDir), false);
});
