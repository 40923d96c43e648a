// Proves every client operation against a real server: results are typed and complete
// (Stat, sequence suffix, children, ACLs, ephemerals, counts, whoAmI, config, sync), each
// server error arrives as its own class with ZooKeeper's code, create modes (ephemeral,
// sequential, container, TTL) behave as ZooKeeper defines them, transactions are atomic and
// report the failing operation, multiRead isolates failures, digest auth protects nodes, and
// a chroot is applied on the way out and stripped on the way back.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import {
  BadArgumentsError,
  BadVersionError,
  ClientClosedError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  ZooKeeperError,
} from "../../src/client/errors.js";
import { Acls } from "../../src/client/types.js";
import { ErrorCode } from "../../src/protocol/constants.js";
import { uniquePath } from "./helpers.js";
import { forEachServer } from "./targets.js";

forEachServer((server) => {
  test("create, getData, setData, exists, delete with typed results", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString, { sessionTimeoutMs: 10000 });
    try {
      const p = uniquePath("ops");
      const created = await zk.create(p, "hello");
      assert.equal(created.path, p);
      assert.equal(created.stat.version, 0);
      assert.equal(created.stat.dataLength, 5);
      assert.ok(created.stat.czxid > 0);
      const got = await zk.getData(p);
      assert.equal(got.data.toString(), "hello");
      assert.deepEqual(got.stat, created.stat);
      const st = await zk.setData(p, "world", 0);
      assert.equal(st.version, 1);
      assert.equal(st.czxid, created.stat.czxid);
      assert.ok(st.mzxid > created.stat.mzxid);
      assert.equal((await zk.exists(p))?.version, 1);
      assert.equal(await zk.exists(`${p}/none`), null);
      await zk.create(`${p}/empty`, null);
      assert.equal((await zk.getData(`${p}/empty`)).data.length, 0);
      await zk.delete(`${p}/empty`);
      await zk.delete(p, 1);
      assert.equal(await zk.exists(p), null);
      assert.ok(zk.lastZxidSeen >= st.mzxid);
    } finally {
      await zk.close();
    }
  });

  test("server errors are typed: instanceof, code and codeName", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("errs");
      await assert.rejects(zk.getData(p), (e: unknown) => {
        assert.ok(e instanceof NoNodeError);
        assert.ok(e instanceof ZooKeeperError);
        assert.equal(e.code, ErrorCode.noNode);
        assert.equal(e.codeName, "NONODE");
        assert.equal(e.path, p);
        return true;
      });
      await zk.create(p);
      await assert.rejects(zk.create(p), NodeExistsError);
      await assert.rejects(zk.setData(p, "x", 7), BadVersionError);
      await zk.create(`${p}/c`);
      await assert.rejects(zk.delete(p), NotEmptyError);
      await assert.rejects(zk.create(`${p}/a/b`), NoNodeError);
      // Client-side path validation fails before anything is sent.
      await assert.rejects(zk.create("no-slash"), BadArgumentsError);
      await assert.rejects(zk.getData("/a//b"), BadArgumentsError);
      await assert.rejects(zk.create("/x/"), BadArgumentsError);
    } finally {
      await zk.close();
    }
    await assert.rejects(zk.getData("/"), ClientClosedError);
  });

  test("create modes: sequential suffix, ephemeral owner, container, TTL", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const other = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("modes");
      await zk.create(p);
      const s1 = await zk.create(`${p}/s-`, null, { mode: "persistentSequential" });
      const s2 = await zk.create(`${p}/s-`, null, { mode: "persistentSequential" });
      assert.match(s1.path, /\/s-\d{10}$/);
      assert.ok(s2.path > s1.path);
      const e = await zk.create(`${p}/e`, "x", { mode: "ephemeral" });
      assert.equal(e.stat.ephemeralOwner, zk.sessionOwner);
      assert.notEqual(e.stat.ephemeralOwner, 0);
      const es = await zk.create(`${p}/es-`, null, { mode: "ephemeralSequential" });
      assert.deepEqual((await zk.getEphemerals(p)).sort(), [`${p}/e`, es.path].sort());
      assert.deepEqual(await other.getEphemerals(p), []);
      const c = await zk.create(`${p}/container`, null, { mode: "container" });
      assert.equal(c.stat.ephemeralOwner, 0);
      const t = await zk.create(`${p}/ttl`, null, { mode: "persistentWithTTL", ttlMs: 60000 });
      assert.equal(t.stat.ephemeralOwner, 0);
      await assert.rejects(
        zk.create(`${p}/bad`, null, { mode: "persistentWithTTL" }),
        BadArgumentsError,
      );
      // Ephemerals die with the session. On an ensemble `other` may be on another member, which
      // applies the session's close a moment later: sync first, as a ZooKeeper client must.
      await zk.close();
      await other.sync(p);
      assert.equal(await other.exists(`${p}/e`), null);
      assert.ok(await other.exists(`${p}/container`));
    } finally {
      await zk.close();
      await other.close();
    }
  });

  test("children, counts, sync, whoAmI, getConfig", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("kids");
      await zk.create(p);
      for (const n of ["a", "b", "c"]) await zk.create(`${p}/${n}`);
      await zk.create(`${p}/a/x`);
      assert.deepEqual((await zk.getChildren(p)).sort(), ["a", "b", "c"]);
      const withStat = await zk.getChildrenWithStat(p);
      assert.equal(withStat.stat.numChildren, 3);
      assert.deepEqual(withStat.children.sort(), ["a", "b", "c"]);
      assert.equal(await zk.getAllChildrenNumber(p), 4);
      assert.equal(await zk.sync(p), p);
      const who = await zk.whoAmI();
      assert.deepEqual(who, [{ authScheme: "ip", user: "127.0.0.1" }]);
      const config = await zk.getConfig();
      assert.ok(config.stat !== undefined);
    } finally {
      await zk.close();
    }
  });

  test("digest auth and ACLs: NoAuth without the credential, access with it", async () => {
    const owner = await ZooKeeperClient.connect(server.connectString);
    const stranger = await ZooKeeperClient.connect(server.connectString);
    try {
      await owner.addAuth("digest", "alice:secret");
      const p = uniquePath("acl");
      await owner.create(p, "private", { acl: Acls.creatorAll });
      const { acl } = await owner.getACL(p);
      const hash = createHash("sha1").update("alice:secret").digest("base64");
      assert.deepEqual(acl, [{ perms: 31, id: { scheme: "digest", id: `alice:${hash}` } }]);
      await assert.rejects(stranger.getData(p), NoAuthError);
      assert.deepEqual((await owner.whoAmI()).map((c) => c.authScheme).sort(), ["digest", "ip"]);
      await stranger.addAuth("digest", "alice:secret");
      assert.equal((await stranger.getData(p)).data.toString(), "private");
      const st = await owner.setACL(p, Acls.openUnsafe, 0);
      assert.equal(st.aversion, 1);
    } finally {
      await owner.close();
      await stranger.close();
    }
  });

  test("transactions commit atomically and report the failing operation", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("txn");
      const results = await zk
        .transaction()
        .create(p, "root")
        .create(`${p}/child`, "c")
        .setData(p, "root2")
        .check(p, 1)
        .commit();
      assert.deepEqual(
        results.map((r) => r.type),
        ["create", "create", "setData", "check"],
      );
      assert.equal(results[0].type === "create" && results[0].path, p);
      const failing = zk.transaction().create(`${p}/new`).delete(`${p}/missing`).setData(p, "z");
      await assert.rejects(failing.commit(), (e: unknown) => {
        assert.ok(e instanceof NoNodeError);
        assert.equal(e.path, `${p}/missing`);
        assert.equal(e.failedOpIndex, 1);
        assert.equal(e.opResults?.length, 3);
        return true;
      });
      // Nothing of the failed transaction happened.
      assert.equal(await zk.exists(`${p}/new`), null);
      assert.equal((await zk.getData(p)).data.toString(), "root2");
      const reads = await zk.multiRead([
        { type: "getData", path: p },
        { type: "getChildren", path: p },
        { type: "getData", path: `${p}/none` },
      ]);
      assert.equal(reads[0].type === "getData" && reads[0].data.toString(), "root2");
      assert.deepEqual(reads[1].type === "getChildren" && reads[1].children, ["child"]);
      assert.ok(reads[2].type === "error" && reads[2].error instanceof NoNodeError);
    } finally {
      await zk.close();
    }
  });

  test("a chroot prefixes requests and is stripped from results and events", async () => {
    const root = uniquePath("chroot");
    const plain = await ZooKeeperClient.connect(server.connectString);
    await plain.create(root);
    const zk = await ZooKeeperClient.connect(`${server.connectString}${root}`);
    try {
      assert.equal(zk.chroot, root);
      const seq = await zk.create("/job-", "x", { mode: "persistentSequential" });
      assert.match(seq.path, /^\/job-\d{10}$/);
      assert.ok(await plain.exists(`${root}${seq.path}`));
      assert.deepEqual(await zk.getChildren("/"), [seq.path.slice(1)]);
      const events: string[] = [];
      await zk.getData(seq.path, { watch: (e) => events.push(e.path) });
      await plain.setData(`${root}${seq.path}`, "y");
      await zk.sync("/");
      assert.deepEqual(events, [seq.path]);
      const txn = await zk.transaction().create("/t").commit();
      assert.equal(txn[0].type === "create" && txn[0].path, "/t");
      await zk.create("/eph", null, { mode: "ephemeral" });
      assert.deepEqual(await zk.getEphemerals(), ["/eph"]);
    } finally {
      await zk.close();
      await plain.close();
    }
  });

  test("many concurrent requests are answered in order", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("burst");
      await zk.create(p);
      const creates = [];
      for (let i = 0; i < 500; i++)
        creates.push(zk.create(`${p}/n`, String(i), { mode: "persistentSequential" }));
      const made = await Promise.all(creates);
      for (let i = 1; i < made.length; i++) assert.ok(made[i].path > made[i - 1].path);
      assert.equal(await zk.getAllChildrenNumber(p), 500);
    } finally {
      await zk.close();
    }
  });
});
