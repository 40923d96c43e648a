// Proves the lock recipes under contention and failure against a real server: 20 clients
// on one mutex never overlap (an in-memory holder count and a read-modify-write counter in
// ZooKeeper would both expose a double holder), fencing tokens grow with every grant, the
// mutex is reentrant, acquire honours timeouts, a holder whose session is lost learns it
// (its lease's `lost` signal aborts) while the next contender gets a larger token, readers
// share and writers exclude, a semaphore never exceeds its leases, and a multi-lock takes
// all of its locks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { OperationTimeoutError } from "../../src/client/errors.js";
import { MultiLock } from "../../src/recipes/multi-lock.js";
import { Mutex } from "../../src/recipes/mutex.js";
import { ReadWriteLock } from "../../src/recipes/read-write-lock.js";
import { Semaphore } from "../../src/recipes/semaphore.js";
import { uniquePath, waitFor } from "../client/helpers.js";
import { forEachServer } from "../client/targets.js";
import { TcpProxy } from "../client/tcp-proxy.js";

async function clients(connectString: string, n: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: n }, () => ZooKeeperClient.connect(connectString)));
}

forEachServer((server) => {
  test("20 clients on one mutex: no double holder, no lost update, growing tokens", async () => {
    const zks = await clients(server.connectString, 20);
    try {
      const lockPath = uniquePath("mutex");
      const counterPath = `${lockPath}-counter`;
      await zks[0].create(counterPath, "0");
      let holders = 0;
      let maxHolders = 0;
      const tokens: number[] = [];
      const rounds = 3;
      await Promise.all(
        zks.map(async (zk) => {
          const mutex = new Mutex(zk, lockPath);
          for (let r = 0; r < rounds; r++) {
            const lease = await mutex.acquire();
            holders++;
            maxHolders = Math.max(maxHolders, holders);
            tokens.push(lease.token);
            // Read-modify-write with a pause in between: without mutual exclusion two
            // holders would read the same value and one increment would be lost.
            const value = Number((await zk.getData(counterPath)).data.toString());
            await new Promise((res) => setTimeout(res, 2));
            await zk.setData(counterPath, String(value + 1));
            holders--;
            await lease.release();
          }
        }),
      );
      assert.equal(maxHolders, 1);
      assert.equal(Number((await zks[0].getData(counterPath)).data.toString()), 20 * rounds);
      for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i] > tokens[i - 1], "tokens grow");
      assert.deepEqual(await zks[0].getChildren(lockPath), []);
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  test("reentrant acquire, timeout, and release", async () => {
    const [a, b] = await clients(server.connectString, 2);
    try {
      const path = uniquePath("reentrant");
      const m = new Mutex(a, path);
      const l1 = await m.acquire();
      const l2 = await m.acquire();
      assert.equal(l1.path, l2.path);
      await l1.release();
      assert.ok(m.isHeld);
      const other = new Mutex(b, path);
      await assert.rejects(other.acquire({ timeoutMs: 200 }), OperationTimeoutError);
      assert.equal((await a.getChildren(path)).length, 1, "the timed-out contender cleaned up");
      await l2.release();
      assert.equal(m.isHeld, false);
      const l3 = await other.acquire({ timeoutMs: 5000 });
      assert.ok(l3.token > l1.token);
      await l3.release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a holder whose session is lost learns it; the next holder gets a larger token", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const holder = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 1500 });
    const [waiter] = await clients(server.connectString, 1);
    try {
      const path = uniquePath("lost");
      const lease = await new Mutex(holder, path).acquire();
      const next = new Mutex(waiter, path).acquire();
      proxy.refusing = true;
      proxy.cutAll();
      await waitFor(() => lease.lost.aborted, 10000, "lease lost");
      const nextLease = await next;
      assert.ok(nextLease.token > lease.token, "fencing token grows");
      await nextLease.release();
    } finally {
      await holder.close();
      await waiter.close();
      await proxy.stop();
    }
  });

  test("read/write lock: readers share, a writer excludes", async () => {
    const [a, b, c] = await clients(server.connectString, 3);
    try {
      const path = uniquePath("rw");
      const r1 = await new ReadWriteLock(a, path).read.acquire();
      const r2 = await new ReadWriteLock(b, path).read.acquire({ timeoutMs: 2000 });
      let writerIn = false;
      const w = new ReadWriteLock(c, path).write.acquire().then((l) => {
        writerIn = true;
        return l;
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(writerIn, false);
      await r1.release();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(writerIn, false);
      await r2.release();
      const wl = await w;
      await assert.rejects(
        new ReadWriteLock(a, path).read.acquire({ timeoutMs: 150 }),
        OperationTimeoutError,
      );
      await wl.release();
    } finally {
      await Promise.all([a, b, c].map((z) => z.close()));
    }
  });

  test("semaphore: never more holders than leases; multi-lock takes every lock", async () => {
    const zks = await clients(server.connectString, 8);
    try {
      const path = uniquePath("sem");
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        zks.map(async (zk) => {
          const lease = await new Semaphore(zk, path, 3).acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
          await lease.release();
        }),
      );
      assert.equal(maxInside, 3);
      const paths = [uniquePath("ml"), uniquePath("ml")];
      const lease = await new MultiLock(zks[0], paths).acquire();
      assert.equal(lease.parts.length, 2);
      await assert.rejects(
        new Mutex(zks[1], paths[1]).acquire({ timeoutMs: 150 }),
        OperationTimeoutError,
      );
      await lease.release();
      await (await new Mutex(zks[1], paths[1]).acquire({ timeoutMs: 2000 })).release();
    } finally {
      await Promise.all(zks.map((z) => z.close()));
    }
  });
});
