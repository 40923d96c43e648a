// Proves the remaining recipes against a real server: a barrier holds waiters until removed;
// a double barrier lets nobody through until all members entered and nobody out until all
// left; the tree cache follows a subtree both with the server's recursive watch and with
// the fallback of per-node watches; watched configuration values stay current; work
// partitioning gives every key exactly one owner and rebalances when a member leaves.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { Barrier, DoubleBarrier } from "../../src/recipes/barrier.js";
import { TreeCache } from "../../src/recipes/tree-cache.js";
import { WatchedConfig } from "../../src/recipes/watched-config.js";
import { HashRing, WorkPartitioner } from "../../src/recipes/work-partitioner.js";
import { uniquePath, waitFor } from "../client/helpers.js";
import { forEachServer } from "../client/targets.js";

async function clients(connectString: string, n: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: n }, () => ZooKeeperClient.connect(connectString)));
}

forEachServer((server) => {
  test("barrier and double barrier", async () => {
    const zks = await clients(server.connectString, 3);
    try {
      const path = uniquePath("barrier");
      const b = new Barrier(zks[0], path);
      await b.set();
      let released = false;
      const waiting = new Barrier(zks[1], path).wait({ timeoutMs: 5000 }).then(() => {
        released = true;
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(released, false);
      await b.remove();
      await waiting;
      const dpath = uniquePath("double");
      const entered: number[] = [];
      const members = zks.map((zk) => new DoubleBarrier(zk, dpath, 3));
      const first2 = members
        .slice(0, 2)
        .map((m, i) => m.enter({ timeoutMs: 5000 }).then(() => entered.push(i)));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(entered, [], "nobody enters before all arrive");
      await members[2].enter({ timeoutMs: 5000 });
      await Promise.all(first2);
      assert.equal(entered.length, 2);
      let out = 0;
      const leaving = members
        .slice(0, 2)
        .map((m) => m.leave({ timeoutMs: 5000 }).then(() => out++));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(out, 0, "nobody leaves before all leave");
      await members[2].leave({ timeoutMs: 5000 });
      await Promise.all(leaving);
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  for (const fallback of [false, true]) {
    test(`tree cache follows a subtree (${fallback ? "per-node watches" : "recursive watch"})`, async () => {
      const [a, b] = await clients(server.connectString, 2);
      const root = uniquePath("tree");
      await b.create(root, "r");
      const cache = new TreeCache(a, root);
      try {
        await cache.start({ forceFallback: fallback });
        assert.equal(cache.usesRecursiveWatch, !fallback);
        await b.create(`${root}/x`, "1");
        await b.create(`${root}/x/y`, "2");
        await waitFor(
          () => cache.current.get(`${root}/x/y`)?.data.toString() === "2",
          5000,
          "deep create",
        );
        await b.setData(`${root}/x`, "1b");
        await waitFor(
          () => cache.current.get(`${root}/x`)?.data.toString() === "1b",
          5000,
          "update",
        );
        await b.delete(`${root}/x/y`);
        await waitFor(() => !cache.current.has(`${root}/x/y`), 5000, "delete");
        assert.deepEqual([...cache.current.keys()].sort(), [root, `${root}/x`]);
      } finally {
        await cache.close();
        await a.close();
        await b.close();
      }
    });
  }

  test("watched config values stay current", async () => {
    const [a, b] = await clients(server.connectString, 2);
    const path = uniquePath("config");
    const config = new WatchedConfig(a, path, { limit: 1 });
    try {
      await config.start();
      assert.deepEqual(config.value, { limit: 1 });
      await new WatchedConfig(b, path, { limit: 0 }).set({ limit: 5 });
      await waitFor(() => config.value.limit === 5, 5000, "new value");
      await b.setData(path, JSON.stringify({ limit: 9 }));
      await waitFor(() => config.value.limit === 9, 5000, "changed value");
    } finally {
      await config.close();
      await a.close();
      await b.close();
    }
  });

  test("work partitioning: one owner per key; rebalance on leave", async () => {
    const zks = await clients(server.connectString, 3);
    const group = uniquePath("partition");
    const parts = zks.map((zk, i) => new WorkPartitioner(zk, group, `w${i}`));
    try {
      for (const p of parts) await p.start();
      await waitFor(
        () => parts.every((p) => p.memberIds.length === 3),
        5000,
        "all see three members",
      );
      const keys = Array.from({ length: 300 }, (_, i) => `key${i}`);
      for (const k of keys) assert.equal(parts.filter((p) => p.owns(k)).length, 1, k);
      await parts[2].close();
      await waitFor(
        () => parts.slice(0, 2).every((p) => p.memberIds.length === 2),
        5000,
        "both see the leave",
      );
      for (const k of keys) assert.equal(parts.slice(0, 2).filter((p) => p.owns(k)).length, 1, k);
      const ring = new HashRing(["a", "b", "c"]);
      const moved = keys.filter((k) => ring.owner(k) !== new HashRing(["a", "b"]).owner(k));
      assert.ok(
        moved.every((k) => ring.owner(k) === "c"),
        "only the leaver's keys move",
      );
    } finally {
      for (const p of parts.slice(0, 2)) await p.close();
      await Promise.all(zks.map((z) => z.close()));
    }
  });
});
