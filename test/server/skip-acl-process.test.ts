// Proves the ACL checks skipACL turns off beyond a client's own requests, on a `corral server`
// process with skipACL=yes in its zoo.cfg (ZooKeeper's key; the JVM-flag form is proved in
// skip-acl-differential.test.ts): a persistent recursive watch of a client without READ sees
// the events of a node only another user may read (without skipACL the READ filter drops
// them), and the admin API's znode view reads such a node's data. Without the key, both are
// refused, and the start-up warning is logged only with it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { EventType } from "../../src/protocol/constants.js";
import { startCorralServer } from "../support/corral-server.js";

const owned = [{ perms: 31, id: { scheme: "auth", id: "" } }];

test("skipACL=yes in zoo.cfg opens recursive watches and the admin znode view to everyone", async () => {
  for (const skip of [true, false]) {
    const server = await startCorralServer({
      admin: true,
      extraConfig: skip ? ["skipACL=yes"] : [],
    });
    const owner = await ZooKeeperClient.connect(server.connectString);
    const stranger = await ZooKeeperClient.connect(server.connectString);
    try {
      await owner.addAuth("digest", "alice:secret");
      await owner.create("/locked", Buffer.from("x"), { acl: owned });
      const seen: [number, string][] = [];
      await stranger.addWatch("/", (e) => seen.push([e.type, e.path]), "persistentRecursive");
      await owner.setData("/locked", Buffer.from("y"));
      // An event the stranger may see in any case, after the other: once it is there, the
      // one before it was delivered or filtered.
      await owner.create("/open", null);
      await stranger.sync("/");
      const deadline = performance.now() + 5000;
      while (!seen.some(([, p]) => p === "/open") && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const expected: [number, string][] = [[EventType.nodeCreated, "/open"]];
      if (skip) expected.unshift([EventType.nodeDataChanged, "/locked"]);
      assert.deepEqual(seen, expected, `skipACL ${skip ? "on" : "off"}`);

      const res = await fetch(`http://127.0.0.1:${server.adminPort}/api/znode?path=/locked`);
      assert.equal(res.status, 200);
      const view = (await res.json()) as { readable: boolean; dataBase64: string | null };
      assert.equal(view.readable, skip);
      assert.equal(view.dataBase64, skip ? Buffer.from("y").toString("base64") : null);

      assert.equal(server.logs().includes('zookeeper.skipACL=="yes"'), skip);
    } finally {
      await owner.close();
      await stranger.close();
      await server.stop();
    }
  }
});
