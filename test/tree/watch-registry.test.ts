// Proves the WatchRegistry follows §11: which write fires which event on which path for each
// registration (standard data/exists/child, persistent, persistent-recursive), one-shot
// consumption, one notification per connection per trigger, the NodeDeleted dedupe, the
// READ filter, setWatches catch-up, checkWatches/removeWatches and connection removal. The
// triggers come from the real apply(), so the two layers are tested together.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, EventType, Perm, WatcherType } from "../../src/protocol/constants.js";
import type { Delivery } from "../../src/tree/watch-registry.js";
import { WatchRegistry } from "../../src/tree/watch-registry.js";
import { acl, aliceId, Harness, localIp, text } from "../state/harness.js";

const { nodeCreated, nodeDeleted, nodeDataChanged, nodeChildrenChanged } = EventType;

function setup() {
  const h = new Harness();
  const w = new WatchRegistry();
  w.addConnection(1, [localIp]);
  w.addConnection(2, [localIp]);
  const fire = (out: { triggers: Parameters<WatchRegistry["trigger"]>[0] }) =>
    w.trigger(out.triggers).map((d: Delivery) => `${d.connection} ${d.type} ${d.path}`);
  return { h, w, fire };
}

test("standard data watch: NodeCreated/NodeDataChanged/NodeDeleted at the path, once", () => {
  const { h, w, fire } = setup();
  w.addDataWatch(1, "/a");
  assert.deepEqual(fire(h.create("/a")), [`1 ${nodeCreated} /a`]);
  assert.deepEqual(fire(h.setData("/a", text("x"))), []);
  w.addDataWatch(1, "/a");
  assert.deepEqual(fire(h.setData("/a", text("y"))), [`1 ${nodeDataChanged} /a`]);
  w.addDataWatch(1, "/a");
  assert.deepEqual(fire(h.delete("/a")), [`1 ${nodeDeleted} /a`]);
  assert.equal(w.watchCount, 0);
});

test("child watch: NodeChildrenChanged on create and delete of a child, NodeDeleted on itself", () => {
  const { h, w, fire } = setup();
  h.create("/p");
  w.addChildWatch(1, "/p");
  assert.deepEqual(fire(h.create("/p/c")), [`1 ${nodeChildrenChanged} /p`]);
  w.addChildWatch(1, "/p");
  assert.deepEqual(fire(h.setData("/p/c", null)), []);
  assert.deepEqual(fire(h.delete("/p/c")), [`1 ${nodeChildrenChanged} /p`]);
  w.addChildWatch(1, "/p");
  assert.deepEqual(fire(h.delete("/p")), [`1 ${nodeDeleted} /p`]);
  w.addChildWatch(2, "/");
  assert.deepEqual(fire(h.create("/top")), [`2 ${nodeChildrenChanged} /`]);
});

test("a connection with data and child watches on a deleted node gets one NodeDeleted", () => {
  const { h, w, fire } = setup();
  h.create("/d");
  w.addDataWatch(1, "/d");
  w.addChildWatch(1, "/d");
  w.addChildWatch(2, "/d");
  assert.deepEqual(fire(h.delete("/d")).sort(), [`1 ${nodeDeleted} /d`, `2 ${nodeDeleted} /d`]);
  assert.equal(w.watchCount, 0);
});

test("persistent watch sees all four events at its path and stays, also across deletion", () => {
  const { h, w, fire } = setup();
  w.addPersistentWatch(1, "/p", false);
  assert.deepEqual(fire(h.create("/p")), [`1 ${nodeCreated} /p`]);
  assert.deepEqual(fire(h.setData("/p", null)), [`1 ${nodeDataChanged} /p`]);
  assert.deepEqual(fire(h.create("/p/c")), [`1 ${nodeChildrenChanged} /p`]);
  assert.deepEqual(fire(h.create("/p/c/d")), []);
  h.delete("/p/c/d");
  assert.deepEqual(fire(h.delete("/p/c")), [`1 ${nodeChildrenChanged} /p`]);
  assert.deepEqual(fire(h.delete("/p")), [`1 ${nodeDeleted} /p`]);
  assert.deepEqual(fire(h.create("/p")), [`1 ${nodeCreated} /p`]);
});

test("recursive watch sees created/deleted/data events below it but never NodeChildrenChanged", () => {
  const { h, w, fire } = setup();
  h.create("/r");
  w.addPersistentWatch(1, "/r", true);
  assert.deepEqual(fire(h.create("/r/a")), [`1 ${nodeCreated} /r/a`]);
  assert.deepEqual(fire(h.create("/r/a/b")), [`1 ${nodeCreated} /r/a/b`]);
  assert.deepEqual(fire(h.setData("/r/a/b", null)), [`1 ${nodeDataChanged} /r/a/b`]);
  assert.deepEqual(fire(h.setData("/r", null)), [`1 ${nodeDataChanged} /r`]);
  assert.deepEqual(fire(h.delete("/r/a/b")), [`1 ${nodeDeleted} /r/a/b`]);
  assert.deepEqual(fire(h.create("/rx")), []);
  w.addPersistentWatch(2, "/", true);
  assert.deepEqual(fire(h.create("/z")), [`2 ${nodeCreated} /z`]);
});

test("one notification per connection per trigger however many watches match", () => {
  const { h, w, fire } = setup();
  h.create("/a");
  w.addPersistentWatch(1, "/", true);
  w.addPersistentWatch(1, "/a", true);
  w.addPersistentWatch(1, "/a/b", false);
  w.addDataWatch(1, "/a/b");
  assert.deepEqual(fire(h.create("/a/b")), [`1 ${nodeCreated} /a/b`]);
  // The standard exists watch was consumed; the persistent ones stay (3.9 independent modes).
  assert.deepEqual(w.modesOf(1, "/a/b"), { data: 2, child: 2 });
  assert.deepEqual(fire(h.setData("/a/b", null)), [`1 ${nodeDataChanged} /a/b`]);
});

test("notifications need READ on the node (the parent for NodeChildrenChanged); watch consumed", () => {
  const { h, w, fire } = setup();
  w.setAuthIds(2, [localIp, aliceId]);
  h.create("/s", {
    acl: [acl(Perm.all, "digest", aliceId.id), acl(Perm.create, "world", "anyone")],
  });
  w.addDataWatch(1, "/s");
  w.addDataWatch(2, "/s");
  w.addChildWatch(1, "/s");
  assert.deepEqual(fire(h.setData("/s", null, -1, [aliceId])), [`2 ${nodeDataChanged} /s`]);
  assert.deepEqual(w.modesOf(1, "/s"), { data: 0, child: 1 });
  assert.deepEqual(fire(h.create("/s/c")), []);
  assert.deepEqual(w.modesOf(1, "/s"), { data: 0, child: 0 });
});

test("a deleted node's ACL still filters its NodeDeleted", () => {
  const { h, w, fire } = setup();
  h.create("/gone", { acl: [acl(Perm.write, "world", "anyone")] });
  w.addDataWatch(1, "/gone");
  assert.deepEqual(fire(h.delete("/gone")), []);
});

test("multi fires in op order and closeSession fires for every ephemeral", () => {
  const { h, w, fire } = setup();
  w.addPersistentWatch(1, "/", true);
  w.addChildWatch(2, "/");
  h.create("/e1", { flags: 1 });
  w.addChildWatch(2, "/");
  h.create("/e2", { flags: 1 });
  w.addChildWatch(2, "/");
  const out = fire(h.closeSession());
  assert.deepEqual(out.sort(), [
    `1 ${nodeDeleted} /e1`,
    `1 ${nodeDeleted} /e2`,
    `2 ${nodeChildrenChanged} /`,
  ]);
});

test("setWatches: catch-up events for missed changes, registration for the rest", () => {
  const { h, w } = setup();
  h.create("/same");
  h.create("/changed");
  h.create("/kids");
  const rel = h.zxid;
  h.setData("/changed", null);
  h.create("/kids/k");
  h.create("/appeared");
  w.addConnection(3, [localIp]);
  const out = w.setWatches(
    3,
    {
      relativeZxid: rel,
      dataWatches: ["/same", "/changed", "/missing"],
      existWatches: ["/appeared", "/absent"],
      childWatches: ["/same", "/kids", "/missing"],
      persistentWatches: ["/pp"],
      persistentRecursiveWatches: ["/rr"],
    },
    h.tree,
  );
  assert.deepEqual(
    out.map((d) => `${d.type} ${d.path} ${d.zxid}`),
    [
      `${nodeDataChanged} /changed -1`,
      `${nodeDeleted} /missing -1`,
      `${nodeCreated} /appeared -1`,
      `${nodeChildrenChanged} /kids -1`,
      `${nodeDeleted} /missing -1`,
    ],
  );
  assert.deepEqual(w.modesOf(3, "/same"), { data: 1, child: 1 });
  assert.deepEqual(w.modesOf(3, "/absent"), { data: 1, child: 0 });
  assert.deepEqual(w.modesOf(3, "/changed"), { data: 0, child: 0 });
  assert.deepEqual(w.modesOf(3, "/pp"), { data: 2, child: 2 });
  assert.deepEqual(w.modesOf(3, "/rr"), { data: 4, child: 0 });
});

test("checkWatches tests, removeWatches removes, per WatcherType", () => {
  const { w } = setup();
  w.addDataWatch(1, "/a");
  w.addChildWatch(1, "/a");
  w.addPersistentWatch(1, "/a", false);
  w.addPersistentWatch(1, "/a", true);
  assert.equal(w.checkOrRemove(2, "/a", WatcherType.any, false), ErrorCode.noWatcher);
  assert.equal(w.checkOrRemove(1, "/b", WatcherType.any, false), ErrorCode.noWatcher);
  assert.equal(w.checkOrRemove(1, "/a", 9, false), ErrorCode.marshallingError);
  for (const t of [1, 2, 3, 4, 5]) assert.equal(w.checkOrRemove(1, "/a", t, false), 0);
  assert.equal(w.checkOrRemove(1, "/a", WatcherType.data, true), 0);
  assert.deepEqual(w.modesOf(1, "/a"), { data: 6, child: 3 });
  assert.equal(w.checkOrRemove(1, "/a", WatcherType.data, false), ErrorCode.noWatcher);
  assert.equal(w.checkOrRemove(1, "/a", WatcherType.children, true), 0);
  assert.deepEqual(w.modesOf(1, "/a"), { data: 6, child: 2 });
  assert.equal(w.checkOrRemove(1, "/a", WatcherType.persistentRecursive, true), 0);
  assert.deepEqual(w.modesOf(1, "/a"), { data: 2, child: 2 });
  assert.equal(w.checkOrRemove(1, "/a", WatcherType.persistent, true), 0);
  assert.equal(w.watchCount, 0);
  w.addChildWatch(1, "/x");
  w.addPersistentWatch(1, "/x", true);
  assert.equal(w.checkOrRemove(1, "/x", WatcherType.any, true), 0);
  assert.equal(w.watchCount, 0);
});

test("removing a connection drops its watches; summaries count tables", () => {
  const { h, w, fire } = setup();
  w.addDataWatch(1, "/a");
  w.addDataWatch(2, "/a");
  w.addDataWatch(2, "/b");
  w.addChildWatch(2, "/c");
  w.addPersistentWatch(1, "/", true);
  assert.deepEqual(w.summary("data"), { connections: 2, paths: 3, watches: 4 });
  assert.deepEqual(w.summary("child"), { connections: 1, paths: 1, watches: 1 });
  assert.deepEqual(w.byPath().get("/a")?.sort(), [1, 2]);
  assert.deepEqual(w.byConnection().get(2)?.sort(), ["/a", "/b"]);
  w.removeConnection(1);
  assert.deepEqual(w.summary("data"), { connections: 1, paths: 2, watches: 2 });
  assert.deepEqual(fire(h.create("/a")), [`2 ${nodeCreated} /a`]);
  assert.deepEqual(fire(h.create("/z")), []);
});
