// Proves that the ZooKeeper Java client (Debian zookeeper 3.8 jars) and its lock, leader
// election and queue recipe jars work against each target server: create2 with Stat,
// container and TTL nodes, multi and multiRead, getConfig, addWatch persistent and
// recursive, removeWatches, getEphemerals, getAllChildrenNumber, whoAmI, session timeout
// negotiation and resumption, notification-before-reply ordering. The scenarios live in
// JavaClientScenarios.java; each of its checks becomes one subtest here.
import { test } from "node:test";
import { peerSkip } from "../support/peers.js";
import { targets } from "../support/targets.js";
import { javaUnavailableReason, runJavaProgram, zookeeperClientJars } from "./java-programs.js";
import { reportChecks } from "./scenario-program.js";

const jars = [
  ...zookeeperClientJars,
  "zookeeper-recipes-lock.jar",
  "zookeeper-recipes-election.jar",
  "zookeeper-recipes-queue.jar",
];

const scenarios = [
  "session",
  "create",
  "extended",
  "multi",
  "config",
  "watch-persistent",
  "watch-remove",
  "watch-order",
  "introspect",
  "acl",
  "reconnect",
  "lock",
  "election",
  "queue",
];

for (const target of targets) {
  const skip = target.unavailableReason() ?? javaUnavailableReason(jars);
  test(`Java client scenarios against ${target.name}`, { skip: peerSkip(skip) }, async (t) => {
    const server = await target.start();
    let result: Awaited<ReturnType<typeof runJavaProgram>>;
    try {
      result = await runJavaProgram(
        "JavaClientScenarios.java",
        jars,
        [server.connectString],
        120_000,
      );
    } finally {
      await server.stop();
    }
    await reportChecks(t, result, scenarios);
  });
}
