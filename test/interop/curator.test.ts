// Proves that Apache Curator 5 (Debian libcurator-*-java 5.4) works against each target
// server: InterProcessMutex, InterProcessReadWriteLock, LeaderLatch, LeaderSelector,
// DistributedAtomicLong, CuratorCache (persistent recursive watches), PersistentTtlNode
// (container and TTL nodes), createContainers and transactions, with several sessions
// contending. The scenarios live in CuratorScenarios.java; each check is one subtest here.
import { test } from "node:test";
import { peerSkip } from "../support/peers.js";
import { targets } from "../support/targets.js";
import { javaUnavailableReason, runJavaProgram, zookeeperClientJars } from "./java-programs.js";
import { reportChecks } from "./scenario-program.js";

// Curator 5.4 as Debian packages it needs only Guava besides the ZooKeeper client.
const jars = [
  ...zookeeperClientJars,
  "curator-client.jar",
  "curator-framework.jar",
  "curator-recipes.jar",
  "guava.jar",
];

const scenarios = [
  "mutex",
  "rwlock",
  "latch",
  "selector",
  "atomic",
  "cache",
  "ttlnode",
  "containers",
  "txn",
];

for (const target of targets) {
  const skip = target.unavailableReason() ?? javaUnavailableReason(jars);
  test(`Curator scenarios against ${target.name}`, { skip: peerSkip(skip) }, async (t) => {
    const server = await target.start();
    let result: Awaited<ReturnType<typeof runJavaProgram>>;
    try {
      result = await runJavaProgram("CuratorScenarios.java", jars, [server.connectString], 120_000);
    } finally {
      await server.stop();
    }
    await reportChecks(t, result, scenarios);
  });
}
