// Proves watch delivery against a real server: one-shot data, exist and child watches fire
// exactly once with the right event type; persistent and persistent-recursive watches keep
// firing (as callbacks and as async iterators) and follow ZooKeeper's rule that recursive
// watches never see NodeChildrenChanged; removeWatches tells removed callbacks and the
// server; checkWatches reports NoWatcher; session end reaches every watcher.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { NoWatcherError } from "../../src/client/errors.js";
import type { WatchedEvent } from "../../src/client/types.js";
import { EventType, KeeperState } from "../../src/protocol/constants.js";
import { uniquePath, waitFor } from "./helpers.js";
import { forEachServer } from "./targets.js";

forEachServer((server) => {
  test("one-shot data, exist and child watches fire once", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("w1");
      const events: WatchedEvent[] = [];
      const record = (e: WatchedEvent): void => {
        events.push(e);
      };
      assert.equal(await zk.exists(p, { watch: record }), null);
      await zk.create(p, "a");
      await zk.getData(p, { watch: record });
      await zk.getChildren(p, { watch: record });
      await zk.setData(p, "b");
      await zk.setData(p, "c"); // no watch left: must not fire again
      await zk.create(`${p}/kid`);
      await zk.create(`${p}/kid2`);
      await zk.sync(p);
      assert.deepEqual(
        events.map((e) => [e.type, e.path]),
        [
          [EventType.nodeCreated, p],
          [EventType.nodeDataChanged, p],
          [EventType.nodeChildrenChanged, p],
        ],
      );
      assert.equal(events[0].state, KeeperState.syncConnected);
      // Deleting a node fires both its data and child watches, once per callback.
      events.length = 0;
      await zk.getData(`${p}/kid`, { watch: record });
      await zk.getChildren(`${p}/kid`, { watch: record });
      await zk.delete(`${p}/kid`);
      await zk.sync(p);
      assert.deepEqual(
        events.map((e) => e.type),
        [EventType.nodeDeleted],
      );
    } finally {
      await zk.close();
    }
  });

  test("persistent and recursive watches keep firing; recursive skips child events", async () => {
    // Two sessions: before 3.9 a server keeps one watch mode per path and connection.
    const zk = await ZooKeeperClient.connect(server.connectString);
    const zk2 = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("w2");
      await zk.create(p);
      const flat: [number, string][] = [];
      const deep: [number, string][] = [];
      await zk.addWatch(p, (e) => flat.push([e.type, e.path]), "persistent");
      await zk2.addWatch(p, (e) => deep.push([e.type, e.path]), "persistentRecursive");
      await zk.setData(p, "1");
      await zk.setData(p, "2");
      await zk.create(`${p}/a`);
      await zk.create(`${p}/a/b`);
      await zk.setData(`${p}/a/b`, "x");
      await zk.delete(`${p}/a/b`);
      await zk.sync(p);
      await zk2.sync(p);
      assert.deepEqual(flat, [
        [EventType.nodeDataChanged, p],
        [EventType.nodeDataChanged, p],
        [EventType.nodeChildrenChanged, p],
      ]);
      assert.deepEqual(deep, [
        [EventType.nodeDataChanged, p],
        [EventType.nodeDataChanged, p],
        [EventType.nodeCreated, `${p}/a`],
        [EventType.nodeCreated, `${p}/a/b`],
        [EventType.nodeDataChanged, `${p}/a/b`],
        [EventType.nodeDeleted, `${p}/a/b`],
      ]);
    } finally {
      await zk.close();
      await zk2.close();
    }
  });

  test("watch events as an async iterator; leaving the loop removes the watch", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const writer = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("w3");
      await zk.create(p);
      const iterator = zk.watchEvents(p, "persistentRecursive");
      // Wait until the server has the watch before writing.
      await waitFor(async () => {
        try {
          await zk.checkWatches(p, "any");
          return true;
        } catch {
          return false;
        }
      });
      const seen: string[] = [];
      const writes = (async () => {
        for (let i = 0; i < 5; i++) await writer.create(`${p}/n${i}`);
      })();
      for await (const e of iterator) {
        seen.push(e.path);
        if (seen.length === 5) break;
      }
      await writes;
      assert.deepEqual(
        seen,
        [0, 1, 2, 3, 4].map((i) => `${p}/n${i}`),
      );
      await waitFor(async () => {
        try {
          await zk.checkWatches(p, "any");
          return false;
        } catch (e) {
          return e instanceof NoWatcherError;
        }
      });
    } finally {
      await zk.close();
      await writer.close();
    }
  });

  test("removeWatches delivers *WatchRemoved; checkWatches reports NoWatcher", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("w4");
      await zk.create(p);
      const events: number[] = [];
      const watcher = (e: WatchedEvent): void => {
        events.push(e.type);
      };
      await zk.getData(p, { watch: watcher });
      await zk.getChildren(p, { watch: watcher });
      await zk.checkWatches(p, "data");
      await zk.removeWatches(p, "data");
      assert.deepEqual(events, [EventType.dataWatchRemoved]);
      await assert.rejects(zk.checkWatches(p, "data"), NoWatcherError);
      await zk.checkWatches(p, "children");
      await zk.removeWatches(p, "children", { watcher });
      assert.deepEqual(events, [EventType.dataWatchRemoved, EventType.childWatchRemoved]);
      await assert.rejects(zk.removeWatches(p, "children", { watcher }), NoWatcherError);
      await zk.setData(p, "x");
      await zk.create(`${p}/c`);
      await zk.sync(p);
      assert.equal(events.length, 2);
    } finally {
      await zk.close();
    }
  });

  test("closing the session ends every watch with a Closed event", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const p = uniquePath("w5");
    await zk.create(p);
    const states: number[] = [];
    await zk.getData(p, { watch: (e) => states.push(e.state) });
    const iterator = zk.watchEvents(p);
    const drained = (async () => {
      let n = 0;
      for await (const _ of iterator) n++;
      return n;
    })();
    await zk.close();
    assert.deepEqual(states, [KeeperState.closed]);
    assert.equal(await drained, 0);
  });
});
