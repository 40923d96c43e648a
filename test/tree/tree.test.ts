// Proves the tree layer's rules on their own: path validation (§10), ACL matching and fix-up
// per scheme (§12), the built-in nodes and their Stat quirks (§9.5), and every read operation
// with its errors (§6.3-§6.9, multiRead of §7).

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, ErrorCode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL, Id } from "../../src/protocol/records.js";
import {
  fixupAcl,
  hasPermission,
  ipMatches,
  isValidDigestId,
  isValidIpId,
} from "../../src/tree/acl.js";
import { isAtOrBelow, isValidPath, parentOf, sequenceSuffix } from "../../src/tree/path.js";
import {
  exists,
  getAcl,
  getAllChildrenNumber,
  getChildren,
  getChildren2,
  getData,
  getEphemerals,
  multiRead,
} from "../../src/tree/reads.js";
import { acl, aliceId, bobId, Harness, localIp, open, superId, text } from "../state/harness.js";

test("validPath accepts and refuses exactly what PathUtils.validatePath does", () => {
  const valid = ["/", "/a", "/a/b", "/.x", "/..x", "/...", "/a.", "/zookeeper", "/ä", "/a b"];
  const invalid = [
    "",
    "a",
    "/a/",
    "//",
    "/a//b",
    "/.",
    "/..",
    "/a/./b",
    "/a/../b",
    "/a\u0000",
    "/a\u0001",
    "/a\u001f",
    "/a\u007f",
    "/a\u009f",
    "/a\ud800",
    "/a\ue000",
    "/a\uf8ff",
    "/a\ufff0",
    "/a\uffff",
    "/😀",
  ];
  for (const p of valid) assert.ok(isValidPath(p), JSON.stringify(p));
  for (const p of invalid) assert.ok(!isValidPath(p), JSON.stringify(p));
});

test("path helpers", () => {
  assert.equal(parentOf("/a"), "/");
  assert.equal(parentOf("/a/b"), "/a");
  assert.equal(sequenceSuffix(0), "0000000000");
  assert.equal(sequenceSuffix(42), "0000000042");
  assert.equal(sequenceSuffix(2147483647), "2147483647");
  assert.equal(sequenceSuffix(-5), "-000000005");
  assert.equal(sequenceSuffix(-2147483648), "-2147483648");
  assert.ok(isAtOrBelow("/a/b", "/a"));
  assert.ok(isAtOrBelow("/a", "/a"));
  assert.ok(!isAtOrBelow("/ab", "/a"));
  assert.ok(isAtOrBelow("/x", "/"));
});

test("digest ids: user:hash, Java split drops trailing empty parts", () => {
  assert.ok(isValidDigestId("alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="));
  assert.ok(isValidDigestId(":x"));
  assert.ok(isValidDigestId("a:b:"));
  assert.ok(!isValidDigestId("alice"));
  assert.ok(!isValidDigestId("alice:"));
  assert.ok(!isValidDigestId("a:b:c"));
});

test("ip ids: v4 and v6 with optional prefix lengths", () => {
  for (const id of ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "fe80::1/64", "2001:db8::/32"]) {
    assert.ok(isValidIpId(id), id);
  }
  for (const id of ["10.0.0", "10.0.0.256", "10.0.0.1/33", "10.0.0.1/x", "1::2::3", "gg::1"]) {
    assert.ok(!isValidIpId(id), id);
  }
  assert.ok(ipMatches("10.1.2.3", "10.0.0.0/8"));
  assert.ok(!ipMatches("11.1.2.3", "10.0.0.0/8"));
  assert.ok(ipMatches("192.168.1.77", "192.168.1.64/26"));
  assert.ok(!ipMatches("192.168.1.128", "192.168.1.64/26"));
  assert.ok(ipMatches("127.0.0.1", "127.0.0.1"));
  assert.ok(ipMatches("0:0:0:0:0:0:0:1", "::1"));
  assert.ok(ipMatches("2001:db8::5", "2001:db8::/32"));
  assert.ok(!ipMatches("127.0.0.1", "::1"));
});

test("hasPermission: per-bit, world, digest, ip, super; empty ACL allows all", () => {
  const list: ACL[] = [
    acl(Perm.read, "world", "anyone"),
    acl(Perm.write, "digest", aliceId.id),
    acl(Perm.delete, "ip", "10.0.0.0/8"),
  ];
  const ids = (...x: Id[]) => x;
  assert.ok(hasPermission(list, Perm.read, []));
  assert.ok(!hasPermission(list, Perm.write, ids(localIp)));
  assert.ok(hasPermission(list, Perm.write, ids(localIp, aliceId)));
  assert.ok(!hasPermission(list, Perm.write, ids(bobId)));
  assert.ok(hasPermission(list, Perm.delete, ids({ scheme: "ip", id: "10.9.9.9" })));
  assert.ok(!hasPermission(list, Perm.delete, ids(localIp)));
  assert.ok(!hasPermission(list, Perm.admin, ids(localIp, aliceId)));
  assert.ok(hasPermission(list, Perm.admin, ids(superId)));
  assert.ok(hasPermission([], Perm.admin, []));
  // Requesting several bits matches an entry holding any of them (getACL's READ|ADMIN).
  assert.ok(hasPermission([acl(Perm.admin, "world", "anyone")], Perm.read | Perm.admin, []));
  // An ip id never matches a digest entry even with an equal string.
  assert.ok(
    !hasPermission([acl(Perm.all, "digest", "x:y")], Perm.read, [{ scheme: "ip", id: "x:y" }]),
  );
});

test("fixupAcl: perms 0 accepted, auth expands to every digest id, errors give null", () => {
  assert.deepEqual(fixupAcl([acl(0, "world", "anyone")], []), [acl(0, "world", "anyone")]);
  assert.deepEqual(
    fixupAcl([acl(Perm.read, "auth", "whatever")], [localIp, aliceId, bobId, superId]),
    [acl(Perm.read, "digest", aliceId.id), acl(Perm.read, "digest", bobId.id)],
  );
  assert.equal(fixupAcl([acl(Perm.read, "auth", "")], [localIp, superId]), null);
  assert.equal(fixupAcl(null, []), null);
  assert.equal(fixupAcl([acl(1, "sasl", "x")], []), null);
  assert.equal(fixupAcl([acl(1, "world", "anyone"), acl(1, "ip", "bad")], []), null);
});

test("sasl and x509 ACLs: valid only with their provider, matched by equal ids, named by auth", () => {
  const both = new Set(["sasl", "x509"]);
  const bob = { scheme: "sasl", id: "bob" };
  const cert = { scheme: "x509", id: "O=corral-tests,CN=client" };
  assert.equal(fixupAcl([acl(1, "x509", "CN=a")], [], new Set(["sasl"])), null);
  assert.deepEqual(fixupAcl([acl(1, "sasl", "bob")], [], both), [acl(1, "sasl", "bob")]);
  assert.equal(fixupAcl([acl(1, "sasl", "")], [], both), null);
  assert.deepEqual(fixupAcl([acl(Perm.all, "auth", "")], [localIp, bob, cert], both), [
    acl(Perm.all, "sasl", "bob"),
    acl(Perm.all, "x509", cert.id),
  ]);
  const nodeAcl = [acl(Perm.read, "sasl", "bob"), acl(Perm.write, "x509", cert.id)];
  assert.ok(hasPermission(nodeAcl, Perm.read, [bob]));
  assert.ok(!hasPermission(nodeAcl, Perm.read, [{ scheme: "sasl", id: "bobby" }]));
  assert.ok(!hasPermission(nodeAcl, Perm.read, [{ scheme: "digest", id: "bob" }]));
  assert.ok(hasPermission(nodeAcl, Perm.write, [cert]));
  assert.ok(!hasPermission(nodeAcl, Perm.write, [bob]));
});

test("built-in nodes have ZooKeeper's Stat, data and ACLs", () => {
  const h = new Harness();
  const root = h.stat("/");
  assert.deepEqual(root, {
    czxid: 0,
    mzxid: 0,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: -1,
    aversion: 0,
    ephemeralOwner: 0,
    dataLength: 0,
    numChildren: 1,
    pzxid: 0,
  });
  assert.equal(h.stat("/zookeeper").cversion, -2);
  assert.equal(h.stat("/zookeeper").numChildren, 2);
  assert.equal(h.stat("/zookeeper/quota").cversion, 0);
  assert.equal(h.stat("/zookeeper/config").cversion, 0);
  assert.equal(h.stat("/zookeeper/config").aversion, -1);
  assert.deepEqual(h.tree.get("/zookeeper/config")?.acl.acl, [acl(Perm.read, "world", "anyone")]);
  assert.deepEqual(h.tree.get("/zookeeper")?.acl.acl, open);
  assert.equal(h.tree.get(""), h.tree.get("/"));
  // Clients may create children of /zookeeper.
  assert.equal(h.create("/zookeeper/mine").result.err, 0);
});

test("exists: NUL is BadArguments, missing is NoNode, READ is required", () => {
  const h = new Harness();
  h.create("/hidden", { acl: [acl(Perm.write, "world", "anyone")] });
  assert.equal(exists(h.tree, "/a\u0000", []), ErrorCode.badArguments);
  assert.equal(exists(h.tree, "/nope", []), ErrorCode.noNode);
  assert.equal(exists(h.tree, "/hidden", [localIp]), ErrorCode.noAuth);
  assert.equal(typeof exists(h.tree, "/hidden", [superId]), "object");
  assert.equal(typeof exists(h.tree, "/a/", []), "number");
});

test("getData / getChildren / getChildren2: data, names, Stat, NoNode, NoAuth", () => {
  const h = new Harness();
  h.create("/g", { data: text("v") });
  h.create("/g/a");
  h.create("/g/b");
  h.create("/secret", { acl: [acl(Perm.all, "digest", aliceId.id)], ids: [aliceId] });
  const d = getData(h.tree, "/g", []);
  assert.ok(typeof d === "object");
  assert.equal(Buffer.from(d.data ?? []).toString(), "v");
  assert.equal(d.stat.numChildren, 2);
  const c = getChildren(h.tree, "/g", []);
  assert.ok(typeof c === "object");
  assert.deepEqual(c.children?.sort(), ["a", "b"]);
  const c2 = getChildren2(h.tree, "/g", []);
  assert.ok(typeof c2 === "object");
  assert.equal(c2.stat.cversion, 2);
  assert.deepEqual(getChildren(h.tree, "/g/a", []), { children: [] });
  assert.equal(typeof getData(h.tree, "", []), "object");
  for (const read of [getData, getChildren, getChildren2]) {
    assert.equal(read(h.tree, "/nope", []), ErrorCode.noNode);
    assert.equal(read(h.tree, "/g/", []), ErrorCode.noNode);
    assert.equal(read(h.tree, "/secret", [localIp, bobId]), ErrorCode.noAuth);
    assert.equal(typeof read(h.tree, "/secret", [localIp, aliceId]), "object");
  }
});

test("getACL: READ or ADMIN needed; digest hashes masked without ADMIN", () => {
  const h = new Harness();
  const list = [acl(Perm.read, "world", "anyone"), acl(Perm.all, "digest", aliceId.id)];
  h.create("/a", { acl: list });
  const asBob = getAcl(h.tree, "/a", [localIp, bobId]);
  assert.ok(typeof asBob === "object");
  assert.deepEqual(asBob.acl, [
    acl(Perm.read, "world", "anyone"),
    acl(Perm.all, "digest", "alice:x"),
  ]);
  const asAlice = getAcl(h.tree, "/a", [aliceId]);
  assert.ok(typeof asAlice === "object");
  assert.deepEqual(asAlice.acl, list);
  h.create("/admin-only", { acl: [acl(Perm.admin, "world", "anyone")] });
  assert.equal(typeof getAcl(h.tree, "/admin-only", []), "object");
  h.create("/none", { acl: [acl(Perm.write, "world", "anyone")] });
  assert.equal(getAcl(h.tree, "/none", []), ErrorCode.noAuth);
  assert.equal(getAcl(h.tree, "/nope", []), ErrorCode.noNode);
  // The reply is a copy: changing it does not touch the interned list.
  asAlice.acl?.pop();
  assert.equal(h.tree.get("/a")?.acl.acl.length, 2);
});

test("getAllChildrenNumber counts all descendants; for / it includes the system nodes", () => {
  const h = new Harness();
  assert.deepEqual(getAllChildrenNumber(h.tree, "/", []), { totalNumber: 3 });
  h.create("/a");
  h.create("/a/b");
  h.create("/a/b/c");
  h.create("/ab");
  assert.deepEqual(getAllChildrenNumber(h.tree, "/a", []), { totalNumber: 2 });
  assert.deepEqual(getAllChildrenNumber(h.tree, "/a/b/c", []), { totalNumber: 0 });
  assert.deepEqual(getAllChildrenNumber(h.tree, "/", []), { totalNumber: 7 });
  assert.equal(getAllChildrenNumber(h.tree, "/nope", []), ErrorCode.noNode);
  h.create("/x", { acl: [acl(Perm.write, "world", "anyone")] });
  assert.equal(getAllChildrenNumber(h.tree, "/x", []), ErrorCode.noAuth);
});

test("getEphemerals: only the session's, prefix by plain string", () => {
  const h = new Harness();
  const other = h.newSession();
  h.create("/a", { flags: CreateMode.ephemeral });
  h.create("/ab", { flags: CreateMode.ephemeral });
  h.create("/b", { flags: CreateMode.ephemeral });
  h.create("/o", { flags: CreateMode.ephemeral, session: other });
  assert.deepEqual(getEphemerals(h.tree, h.session, null).sort(), ["/a", "/ab", "/b"]);
  assert.deepEqual(getEphemerals(h.tree, h.session, "/").sort(), ["/a", "/ab", "/b"]);
  assert.deepEqual(getEphemerals(h.tree, h.session, "  ").sort(), ["/a", "/ab", "/b"]);
  assert.deepEqual(getEphemerals(h.tree, h.session, "/a").sort(), ["/a", "/ab"]);
  assert.deepEqual(getEphemerals(h.tree, other, ""), ["/o"]);
  assert.deepEqual(getEphemerals(h.tree, 999_999, null), []);
});

test("multiRead: each op independent, errors in place", () => {
  const h = new Harness();
  h.create("/r", { data: text("d") });
  const out = multiRead(
    h.tree,
    [
      { type: OpCode.getData, request: { path: "/r", watch: false } },
      { type: OpCode.getChildren, request: { path: "/missing", watch: false } },
      { type: OpCode.getChildren, request: { path: "/", watch: true } },
    ],
    [],
  );
  assert.equal(out[0].type, OpCode.getData);
  assert.deepEqual(out[1], { type: -1, err: ErrorCode.noNode });
  assert.equal(out[2].type, OpCode.getChildren);
});

test("lookup matches exact paths only; '' is the root's alias", () => {
  const h = new Harness();
  h.create("/a");
  h.create("/a/b");
  assert.equal(h.tree.get(""), h.tree.get("/"));
  assert.ok(h.tree.get("/a/b"));
  for (const p of ["a", "/a/", "//a", "/a//b", "/a/b/", "/a/b/c", "a/b", "/b"]) {
    assert.equal(h.tree.get(p), undefined, p);
  }
  assert.equal(h.tree.size, 6);
  assert.deepEqual(Array.from(h.tree.entries(), ([p]) => p).sort(), [
    "/",
    "/a",
    "/a/b",
    "/zookeeper",
    "/zookeeper/config",
    "/zookeeper/quota",
  ]);
});
