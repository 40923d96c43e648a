// Proves every recipe example runs to its documented result against a real server (the
// examples live in test/recipes/examples so tsc checks them; each is also runnable alone:
// node dist/test/recipes/examples/<name>.js host:port).
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachServer } from "../client/targets.js";
import * as barrier from "./examples/barrier.js";
import * as caches from "./examples/caches.js";
import * as counter from "./examples/counter.js";
import * as doubleBarrier from "./examples/double-barrier.js";
import * as groupMembership from "./examples/group-membership.js";
import * as idGeneration from "./examples/id-generation.js";
import * as leaderLatch from "./examples/leader-latch.js";
import * as leaderSelector from "./examples/leader-selector.js";
import * as lockingQueue from "./examples/locking-queue.js";
import * as multiLock from "./examples/multi-lock.js";
import * as mutex from "./examples/mutex.js";
import * as queue from "./examples/queue.js";
import * as readWriteLock from "./examples/read-write-lock.js";
import * as semaphore from "./examples/semaphore.js";
import * as sharedCount from "./examples/shared-count.js";
import * as watchedConfig from "./examples/watched-config.js";
import * as workPartitioning from "./examples/work-partitioning.js";

forEachServer((server) => {
  const cases: [string, (cs: string) => Promise<unknown>, (r: never) => void][] = [
    ["mutex", mutex.main, (r: { token: number }) => assert.ok(r.token > 0)],
    ["read-write-lock", readWriteLock.main, (r: { readers: number }) => assert.equal(r.readers, 2)],
    ["semaphore", semaphore.main, (r: { leases: number }) => assert.equal(r.leases, 2)],
    ["multi-lock", multiLock.main, (r: { parts: number }) => assert.equal(r.parts, 2)],
    ["leader-latch", leaderLatch.main, (r: { leader: boolean }) => assert.equal(r.leader, true)],
    ["leader-selector", leaderSelector.main, (r: { turns: number }) => assert.ok(r.turns >= 2)],
    ["barrier", barrier.main, (r: { released: boolean }) => assert.equal(r.released, true)],
    ["double-barrier", doubleBarrier.main, (r: { members: number }) => assert.equal(r.members, 2)],
    ["counter", counter.main, (r: { increased: boolean }) => assert.equal(r.increased, true)],
    ["shared-count", sharedCount.main, (r: { set: boolean }) => assert.equal(r.set, true)],
    [
      "id-generation",
      idGeneration.main,
      (r: { increasing: boolean }) => assert.equal(r.increasing, true),
    ],
    ["queue", queue.main, (r: { first: string }) => assert.equal(r.first, "urgent")],
    [
      "locking-queue",
      lockingQueue.main,
      (r: { processed: string }) => assert.equal(r.processed, "resize image 42"),
    ],
    [
      "caches",
      caches.main,
      (r: { children: number; nodes: number; data: string }) =>
        assert.deepEqual(r, { children: 1, nodes: 2, data: "root" }),
    ],
    [
      "group-membership",
      groupMembership.main,
      (r: { members: number; instances: number }) =>
        assert.deepEqual(r, { members: 1, instances: 1 }),
    ],
    ["watched-config", watchedConfig.main, (r: { limit: number }) => assert.equal(r.limit, 20)],
    ["work-partitioning", workPartitioning.main, (r: { mine: number }) => assert.equal(r.mine, 3)],
  ];
  for (const [name, main, check] of cases) {
    test(`example ${name}`, async () => {
      check((await main(server.connectString)) as never);
    });
  }
});
