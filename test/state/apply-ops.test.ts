// Proves delete (2), setData (5), setACL (7) and check (13, inside multi) follow ZooKeeper:
// their Stat effects (§9.1) and every error of §6.2, §6.5, §6.6 in ZooKeeper's check order.
// Each error case is built so that a later check would fail too, so the order is tested, and
// each failed write is shown to change nothing.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, ErrorCode, EventType, OpCode, Perm } from "../../src/protocol/constants.js";
import type { MultiOp, StatResponse } from "../../src/protocol/records.js";
import { acl, aliceId, Harness, localIp, open, superId, text } from "./harness.js";

const anyone = (perms: number) => [acl(perms, "world", "anyone")];
const withoutZxid = (s: string) => s.replace(/lastZxid \d+\n?/, "");

function expectUnchanged(h: Harness, run: () => { result: { err: number } }, err: number) {
  const before = withoutZxid(h.dump());
  const out = run();
  assert.equal(out.result.err, err);
  assert.equal(withoutZxid(h.dump()), before);
}

test("delete removes the node, moves parent pzxid, keeps the creation counter", () => {
  const h = new Harness();
  h.create("/d");
  h.create("/d/a");
  h.create("/d/b");
  const out = h.delete("/d/a", 0);
  assert.equal(out.result.err, 0);
  assert.equal(out.result.body, null);
  assert.equal(h.tree.get("/d/a"), undefined);
  const parent = h.stat("/d");
  assert.equal(parent.pzxid, h.zxid);
  assert.equal(parent.numChildren, 1);
  assert.equal(parent.cversion, 3);
  assert.deepEqual(out.triggers, [
    { type: EventType.nodeDeleted, path: "/d/a", zxid: h.zxid, acl: open },
    { type: EventType.nodeChildrenChanged, path: "/d", zxid: h.zxid, acl: open },
  ]);
  assert.equal(h.delete("/d/b", -1).result.err, 0);
  assert.equal(h.tree.get("/d")?.children, null);
});

test("delete of an ephemeral leaves the session's index", () => {
  const h = new Harness();
  h.create("/e", { flags: CreateMode.ephemeral });
  assert.equal(h.delete("/e").result.err, 0);
  assert.equal(h.tree.ephemerals.has(h.session), false);
});

const deleteErrors: [string, (h: Harness) => void, string, number, number][] = [
  ["no slash", () => {}, "x", -1, ErrorCode.badArguments],
  ["empty path", () => {}, "", -1, ErrorCode.badArguments],
  ["root", () => {}, "/", -1, ErrorCode.badArguments],
  ["/zookeeper", () => {}, "/zookeeper", -1, ErrorCode.badArguments],
  ["/zookeeper/quota", () => {}, "/zookeeper/quota", -1, ErrorCode.badArguments],
  ["/zookeeper/config", () => {}, "/zookeeper/config", -1, ErrorCode.badArguments],
  ["NUL", () => {}, "/a\u0000", -1, ErrorCode.badArguments],
  ["parent missing", () => {}, "/no/such", -1, ErrorCode.noNode],
  [
    "no DELETE on the parent, checked before the node's existence",
    (h) => h.create("/p", { acl: anyone(Perm.all & ~Perm.delete) }),
    "/p/missing",
    -1,
    ErrorCode.noAuth,
  ],
  ["node missing", () => {}, "/missing", -1, ErrorCode.noNode],
  [
    "bad version, checked before emptiness",
    (h) => {
      h.create("/v");
      h.create("/v/c");
    },
    "/v",
    3,
    ErrorCode.badVersion,
  ],
  [
    "not empty",
    (h) => {
      h.create("/v");
      h.create("/v/c");
    },
    "/v",
    0,
    ErrorCode.notEmpty,
  ],
  ["unnormalized path", (h) => h.create("/v"), "/v/", -1, ErrorCode.noNode],
];

for (const [name, setup, path, version, err] of deleteErrors) {
  test(`delete fails: ${name}`, () => {
    const h = new Harness();
    setup(h);
    expectUnchanged(h, () => h.delete(path, version), err);
  });
}

test("delete with a matching version and a digest-authorized caller works", () => {
  const h = new Harness();
  h.create("/p", { acl: [acl(Perm.delete | Perm.create, "digest", aliceId.id)], ids: [aliceId] });
  h.create("/p/c", { ids: [aliceId] });
  h.setData("/p/c", text("1"));
  assert.equal(h.delete("/p/c", 1, [localIp]).result.err, ErrorCode.noAuth);
  assert.equal(h.delete("/p/c", 1, [localIp, aliceId]).result.err, 0);
});

test("setData updates mzxid, mtime, version and dataLength and fires NodeDataChanged", () => {
  const h = new Harness();
  h.create("/s", { data: text("a") });
  const created = h.stat("/s");
  const out = h.setData("/s", text("hello"), 0);
  assert.equal(out.result.err, 0);
  const stat = (out.result.body as StatResponse).stat;
  assert.equal(stat.mzxid, h.zxid);
  assert.equal(stat.mtime, h.timeMs);
  assert.equal(stat.version, 1);
  assert.equal(stat.dataLength, 5);
  assert.equal(stat.czxid, created.czxid);
  assert.equal(stat.ctime, created.ctime);
  assert.equal(stat.pzxid, created.pzxid);
  assert.deepEqual(out.triggers, [
    { type: EventType.nodeDataChanged, path: "/s", zxid: h.zxid, acl: open },
  ]);
  assert.equal(h.setData("/s", null).result.err, 0);
  assert.equal(h.tree.get("/s")?.data, null);
});

test("the data version wraps as a Java int", () => {
  const h = new Harness();
  h.create("/w");
  const node = h.tree.get("/w");
  assert.ok(node);
  node.version = 2147483647;
  assert.equal(h.setData("/w", text("x"), 2147483647).result.err, 0);
  assert.equal(h.stat("/w").version, -2147483648);
});

const setDataErrors: [string, (h: Harness) => void, string, number, number][] = [
  ["invalid path", () => {}, "/a/", -1, ErrorCode.badArguments],
  ["relative segment", () => {}, "/..", -1, ErrorCode.badArguments],
  ["node missing", () => {}, "/missing", 5, ErrorCode.noNode],
  ["no WRITE", (h) => h.create("/r", { acl: anyone(Perm.read) }), "/r", 5, ErrorCode.noAuth],
  ["bad version", (h) => h.create("/r"), "/r", 5, ErrorCode.badVersion],
  [
    "config node is read-only for everyone but super",
    () => {},
    "/zookeeper/config",
    -1,
    ErrorCode.noAuth,
  ],
];

for (const [name, setup, path, version, err] of setDataErrors) {
  test(`setData fails: ${name}`, () => {
    const h = new Harness();
    setup(h);
    expectUnchanged(h, () => h.setData(path, text("z"), version), err);
  });
}

test("super bypasses every ACL", () => {
  const h = new Harness();
  assert.equal(h.setData("/zookeeper/config", text("c"), -1, [superId]).result.err, 0);
  h.create("/locked", { acl: anyone(0) });
  assert.equal(h.setData("/locked", text("c"), -1, [superId]).result.err, 0);
  assert.equal(h.create("/locked/c", { ids: [superId] }).result.err, 0);
});

test("setACL bumps aversion only and stores the fixed-up list", () => {
  const h = new Harness();
  h.create("/a");
  const before = h.stat("/a");
  const out = h.setAcl("/a", [acl(Perm.all, "auth", ""), acl(Perm.read, "ip", "10.0.0.0/8")], 0, [
    localIp,
    aliceId,
  ]);
  assert.equal(out.result.err, 0);
  const stat = (out.result.body as StatResponse).stat;
  assert.equal(stat.aversion, 1);
  assert.equal(stat.mzxid, before.mzxid);
  assert.equal(stat.mtime, before.mtime);
  assert.equal(stat.version, before.version);
  assert.deepEqual(out.triggers, []);
  assert.deepEqual(h.tree.get("/a")?.acl.acl, [
    { perms: Perm.all, id: aliceId },
    { perms: Perm.read, id: { scheme: "ip", id: "10.0.0.0/8" } },
  ]);
});

test("ACL lists are interned and released", () => {
  const h = new Harness();
  const baseline = h.tree.acls.size;
  h.create("/x", { acl: anyone(Perm.read | Perm.write) });
  h.create("/y", { acl: anyone(Perm.read | Perm.write) });
  assert.equal(h.tree.get("/x")?.acl, h.tree.get("/y")?.acl);
  assert.equal(h.tree.acls.size, baseline + 1);
  h.delete("/x");
  h.setAcl("/y", open, -1, [superId]);
  assert.equal(h.tree.acls.size, baseline);
});

const setAclErrors: [string, (h: Harness) => void, string, unknown, number, number][] = [
  ["invalid path", () => {}, "//", [], -1, ErrorCode.badArguments],
  ["invalid ACL, checked before existence", () => {}, "/missing", [], -1, ErrorCode.invalidACL],
  ["node missing", () => {}, "/missing", open, 3, ErrorCode.noNode],
  [
    "no ADMIN",
    (h) => h.create("/r", { acl: anyone(Perm.all & ~Perm.admin) }),
    "/r",
    open,
    3,
    ErrorCode.noAuth,
  ],
  ["bad aversion", (h) => h.create("/r"), "/r", open, 3, ErrorCode.badVersion],
];

for (const [name, setup, path, list, version, err] of setAclErrors) {
  test(`setACL fails: ${name}`, () => {
    const h = new Harness();
    setup(h);
    expectUnchanged(h, () => h.setAcl(path, list as never, version), err);
  });
}

const check = (path: string, version: number): MultiOp => ({
  type: OpCode.check,
  request: { path, version },
});

test("check inside multi passes on a matching version and fails in §6 order", () => {
  const h = new Harness();
  h.create("/c");
  h.create("/secret", { acl: anyone(Perm.write) });
  assert.deepEqual(h.multi([check("/c", 0), check("/c", -1)]).result.body, [
    { type: OpCode.check, response: null },
    { type: OpCode.check, response: null },
  ]);
  const cases: [string, number, number][] = [
    ["/c/", 0, ErrorCode.badArguments],
    ["/missing", 0, ErrorCode.noNode],
    ["/secret", 7, ErrorCode.noAuth],
    ["/c", 7, ErrorCode.badVersion],
  ];
  for (const [path, version, err] of cases) {
    const out = h.multi([check(path, version)]);
    assert.equal(out.result.err, 0);
    assert.deepEqual(out.result.body, [{ type: -1, err }], path);
  }
});
