// Proves the data recipes under concurrency and failure against a real server: a counter
// incremented by many clients at once loses no increment; a shared count reports changes;
// sequential IDs and block-allocated IDs drawn by many clients concurrently contain no
// duplicate and grow per client; queue consumers each get distinct items and, with the
// locking queue, a consumer that dies holding an item loses nothing (another consumer gets
// it); the priority queue orders by priority; node and children caches follow changes; group
// members and service instances appear and vanish with their sessions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { ChildrenCache } from "../../src/recipes/children-cache.js";
import { DistributedCounter } from "../../src/recipes/counter.js";
import { GroupMember, ServiceDiscovery } from "../../src/recipes/group-membership.js";
import { BlockIdAllocator, SequentialIdGenerator } from "../../src/recipes/id-generator.js";
import { NodeCache } from "../../src/recipes/node-cache.js";
import { DistributedQueue, LockingQueue } from "../../src/recipes/queue.js";
import { SharedCount } from "../../src/recipes/shared-count.js";
import { uniquePath, waitFor } from "../client/helpers.js";
import { forEachServer } from "../client/targets.js";

async function clients(connectString: string, n: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: n }, () => ZooKeeperClient.connect(connectString)));
}

forEachServer((server) => {
  test("counter: 10 clients x 20 concurrent increments lose nothing", async () => {
    const zks = await clients(server.connectString, 10);
    try {
      const path = uniquePath("counter");
      await Promise.all(
        zks.map(async (zk) => {
          const c = new DistributedCounter(zk, path);
          await Promise.all(Array.from({ length: 20 }, () => c.increment()));
        }),
      );
      assert.equal(await new DistributedCounter(zks[0], path).get(), 200);
      const c = new DistributedCounter(zks[0], path);
      assert.equal((await c.compareAndSet(199, 5)).succeeded, false);
      assert.deepEqual(await c.compareAndSet(200, 5), {
        succeeded: true,
        preValue: 200,
        postValue: 5,
      });
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  test("shared count: every participant sees the changes", async () => {
    const [a, b] = await clients(server.connectString, 2);
    const path = uniquePath("shared");
    const ca = new SharedCount(a, path, 1);
    const cb = new SharedCount(b, path, 1);
    try {
      await ca.start();
      await cb.start();
      const seen: number[] = [];
      cb.on("change", (v) => seen.push(v));
      assert.equal(await ca.trySetCount(2), true);
      assert.equal(await cb.trySetCount(7, 0), false, "stale version refused");
      await waitFor(() => cb.count === 2, 5000, "b sees 2");
      assert.equal(await cb.trySetCount(3), true);
      await waitFor(() => ca.count === 3, 5000, "a sees 3");
      assert.deepEqual(seen, [2, 3]);
    } finally {
      await ca.close();
      await cb.close();
      await a.close();
      await b.close();
    }
  });

  test("ID generation: no duplicate across many clients, increasing per client", async () => {
    const zks = await clients(server.connectString, 8);
    try {
      const dir = uniquePath("ids");
      const blockPath = uniquePath("blocks");
      const perClient = await Promise.all(
        zks.map(async (zk) => {
          const seq = new SequentialIdGenerator(zk, dir);
          const block = new BlockIdAllocator(zk, blockPath, 25);
          const s: number[] = [];
          const b: number[] = [];
          for (let i = 0; i < 30; i++) s.push(await seq.next());
          const concurrent = await Promise.all(Array.from({ length: 100 }, () => block.next()));
          b.push(...concurrent);
          return { s, b };
        }),
      );
      const allSeq = perClient.flatMap((p) => p.s);
      const allBlock = perClient.flatMap((p) => p.b);
      assert.equal(new Set(allSeq).size, allSeq.length, "sequential IDs unique");
      assert.equal(new Set(allBlock).size, allBlock.length, "block IDs unique");
      for (const { s, b } of perClient) {
        for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1]);
        for (let i = 1; i < b.length; i++) assert.ok(b[i] > b[i - 1]);
      }
      assert.deepEqual(
        allBlock.slice().sort((x, y) => x - y),
        Array.from({ length: 800 }, (_, i) => i),
      );
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  test("distributed queue: concurrent consumers take each item once; priorities order", async () => {
    const zks = await clients(server.connectString, 4);
    try {
      const dir = uniquePath("queue");
      const producer = new DistributedQueue(zks[0], dir);
      for (let i = 0; i < 40; i++) await producer.put(String(i));
      const taken = await Promise.all(
        zks.map(async (zk) => {
          const q = new DistributedQueue(zk, dir);
          const got: string[] = [];
          for (let item = await q.poll(); item !== null; item = await q.poll())
            got.push(item.toString());
          return got;
        }),
      );
      const all = taken
        .flat()
        .map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 40 }, (_, i) => i),
      );
      const waiting = new DistributedQueue(zks[1], dir).take({ timeoutMs: 5000 });
      await producer.put("late");
      assert.equal((await waiting).toString(), "late");
      const pq = new DistributedQueue(zks[0], uniquePath("pq"));
      await pq.put("low", 10);
      await pq.put("high", -5);
      await pq.put("mid", 0);
      await pq.put("mid2", 0);
      const order = [];
      for (let i = 0; i < 4; i++) order.push((await pq.take()).toString());
      assert.deepEqual(order, ["high", "mid", "mid2", "low"]);
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  test("locking queue: a consumer dying with an item loses nothing", async () => {
    const [producerZk, doomedZk, survivorZk] = await clients(server.connectString, 3);
    try {
      const dir = uniquePath("lq");
      const producer = new LockingQueue(producerZk, dir);
      for (let i = 0; i < 10; i++) await producer.put(`item-${i}`);
      const doomed = new LockingQueue(doomedZk, dir);
      const held = await doomed.take();
      const held2 = await doomed.take();
      assert.ok(held.data.toString() !== held2.data.toString());
      // The consumer dies before completing: its session ends, its locks vanish.
      await doomedZk.close();
      const survivor = new LockingQueue(survivorZk, dir);
      const done: string[] = [];
      for (let i = 0; i < 10; i++) {
        const item = await survivor.take({ timeoutMs: 5000 });
        done.push(item.data.toString());
        await item.complete();
      }
      assert.deepEqual(done.sort(), Array.from({ length: 10 }, (_, i) => `item-${i}`).sort());
      assert.equal(await survivor.size(), 0);
    } finally {
      await producerZk.close();
      await survivorZk.close();
    }
  });

  test("node and children caches follow creates, updates and deletes", async () => {
    const [a, b] = await clients(server.connectString, 2);
    const path = uniquePath("cache");
    const node = new NodeCache(a, path);
    const kids = new ChildrenCache(a, path);
    try {
      await node.start();
      await kids.start();
      assert.equal(node.current, null);
      await b.create(path, "v1");
      await waitFor(() => node.current?.data.toString() === "v1", 5000, "node created");
      await b.setData(path, "v2");
      await waitFor(() => node.current?.data.toString() === "v2", 5000, "node updated");
      const events: string[] = [];
      kids.on("childAdded", (n) => events.push(`+${n}`));
      kids.on("childUpdated", (n, d) => events.push(`~${n}=${d.data}`));
      kids.on("childRemoved", (n) => events.push(`-${n}`));
      await b.create(`${path}/x`, "1");
      await waitFor(() => kids.current.has("x"), 5000, "child added");
      await b.setData(`${path}/x`, "2");
      await waitFor(() => kids.current.get("x")?.data.toString() === "2", 5000, "child updated");
      await b.delete(`${path}/x`);
      await waitFor(() => !kids.current.has("x"), 5000, "child removed");
      assert.deepEqual(events, ["+x", "~x=2", "-x"]);
      await b.delete(path);
      await waitFor(() => node.current === null, 5000, "node deleted");
    } finally {
      await node.close();
      await kids.close();
      await a.close();
      await b.close();
    }
  });

  test("group membership and service discovery track sessions", async () => {
    const [a, b, c] = await clients(server.connectString, 3);
    try {
      const group = uniquePath("group");
      const ma = new GroupMember(a, group, "a", "payload-a");
      const mb = new GroupMember(b, group, "b", "payload-b");
      await ma.join();
      await mb.join();
      await waitFor(() => ma.members().size === 2, 5000, "both members");
      assert.equal(ma.members().get("b")?.toString(), "payload-b");
      await b.close(); // b's session ends: its member node goes
      await waitFor(() => ma.members().size === 1, 5000, "b gone");
      const base = uniquePath("services");
      const discovery = new ServiceDiscovery(c, base);
      await discovery.register({
        id: "i1",
        name: "api",
        address: "10.0.0.1",
        port: 80,
        payload: { v: 1 },
      });
      const watcher = await new ServiceDiscovery(a, base).watch("api");
      const listed = await new ServiceDiscovery(a, base).instances<{ v: number }>("api");
      assert.equal(listed.length, 1);
      assert.equal(listed[0].address, "10.0.0.1");
      assert.deepEqual(listed[0].payload, { v: 1 });
      assert.equal(watcher.current.size, 1);
      await c.close();
      await waitFor(() => watcher.current.size === 0, 5000, "instance gone with its session");
      await ma.leave();
    } finally {
      await a.close();
      await b.close();
      await c.close();
    }
  });
});
