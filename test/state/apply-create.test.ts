// Proves create (1), create2 (15), createContainer (19) and createTTL (21) follow ZooKeeper:
// every create mode succeeds with the Stat rules of §9.1, sequence suffixes come from the
// parent's creation counter (§9.3), and every error of §6.1 is returned in ZooKeeper's check
// order (each case is built so that a later check would fail too, so order is tested).

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, ErrorCode, EventType, OpCode, Perm } from "../../src/protocol/constants.js";
import type { Create2Response } from "../../src/protocol/records.js";
import { getEphemerals } from "../../src/tree/reads.js";
import { NodeKind } from "../../src/tree/znode.js";
import { acl, aliceId, Harness, localIp, open, text } from "./harness.js";

test("persistent create sets the node's Stat and updates the parent's", () => {
  const h = new Harness();
  assert.equal(h.create("/a").result.err, 0);
  const parentBefore = h.stat("/a");
  const out = h.create("/a/b", { type: OpCode.create2, data: text("hello") });
  assert.equal(out.result.err, 0);
  const body = out.result.body as Create2Response;
  assert.equal(body.path, "/a/b");
  assert.deepEqual(body.stat, {
    czxid: h.zxid,
    mzxid: h.zxid,
    ctime: h.timeMs,
    mtime: h.timeMs,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0,
    dataLength: 5,
    numChildren: 0,
    pzxid: h.zxid,
  });
  const parent = h.stat("/a");
  assert.equal(parent.pzxid, h.zxid);
  assert.equal(parent.cversion, 1);
  assert.equal(parent.numChildren, 1);
  assert.equal(parent.mzxid, parentBefore.mzxid);
  assert.equal(parent.version, parentBefore.version);
  assert.deepEqual(out.triggers, [
    { type: EventType.nodeCreated, path: "/a/b", zxid: h.zxid, acl: open },
    { type: EventType.nodeChildrenChanged, path: "/a", zxid: h.zxid, acl: open },
  ]);
});

test("opcode 1 replies with the path only, 15/19/21 with path and Stat", () => {
  const h = new Harness();
  assert.deepEqual(h.create("/p").result.body, { path: "/p" });
  for (const [type, flags] of [
    [OpCode.create2, 0],
    [OpCode.createContainer, CreateMode.container],
    [OpCode.createTTL, CreateMode.persistentWithTTL],
  ] as const) {
    const out = h.create(`/t${type}`, { type, flags });
    assert.equal(out.result.err, 0, `type ${type}`);
    assert.ok("stat" in (out.result.body as object), `type ${type} has a Stat`);
  }
});

test("top-level create under the root fires NodeChildrenChanged on /", () => {
  const h = new Harness();
  const out = h.create("/top");
  assert.equal(out.triggers[1].path, "/");
  assert.equal(h.stat("/").numChildren, 2);
});

test("null and empty data stay distinct", () => {
  const h = new Harness();
  h.create("/n", { data: null });
  h.create("/e", { data: new Uint8Array(0) });
  assert.equal(h.tree.get("/n")?.data, null);
  assert.equal(h.tree.get("/e")?.data, "");
  assert.equal(h.stat("/n").dataLength, 0);
});

test("stored data is a copy of the request's buffer", () => {
  const h = new Harness();
  const data = text("abc");
  h.create("/c", { data });
  data[0] = 0x7a;
  assert.equal(h.tree.get("/c")?.data, "abc");
});

test("ephemeral create records the owner and the session's ephemeral index", () => {
  const h = new Harness();
  const out = h.create("/e", { flags: CreateMode.ephemeral, type: OpCode.create2 });
  assert.equal((out.result.body as Create2Response).stat.ephemeralOwner, h.session);
  assert.deepEqual(getEphemerals(h.tree, h.session, null), ["/e"]);
  const seq = h.create("/es-", { flags: CreateMode.ephemeralSequential });
  assert.deepEqual(seq.result.body, { path: "/es-0000000001" });
  assert.equal(h.stat("/es-0000000001").ephemeralOwner, h.session);
});

test("sequence suffix counts every child creation and never goes back on delete", () => {
  const h = new Harness();
  h.create("/q");
  const names: string[] = [];
  for (let i = 0; i < 3; i++) {
    const out = h.create("/q/s-", { flags: CreateMode.persistentSequential });
    names.push((out.result.body as { path: string }).path);
  }
  assert.deepEqual(names, ["/q/s-0000000000", "/q/s-0000000001", "/q/s-0000000002"]);
  assert.equal(h.delete("/q/s-0000000001").result.err, 0);
  h.create("/q/plain");
  assert.deepEqual(h.create("/q/s-", { flags: CreateMode.persistentSequential }).result.body, {
    path: "/q/s-0000000004",
  });
  // 5 creations, 1 delete: cversion = 2*5 - 4.
  assert.equal(h.stat("/q").cversion, 6);
  assert.equal(h.stat("/q").numChildren, 4);
});

test("sequential create of '/p/' is legal and names the child by the counter alone", () => {
  const h = new Harness();
  h.create("/p");
  assert.deepEqual(h.create("/p/", { flags: CreateMode.persistentSequential }).result.body, {
    path: "/p/0000000000",
  });
});

test("the counter is Java int: it wraps to -2147483648 and formats like %010d", () => {
  const h = new Harness();
  h.create("/w");
  const node = h.tree.get("/w");
  assert.ok(node);
  node.childCreations = 2147483647;
  const seq = { flags: CreateMode.persistentSequential };
  assert.deepEqual(h.create("/w/", seq).result.body, { path: "/w/2147483647" });
  assert.deepEqual(h.create("/w/", seq).result.body, { path: "/w/-2147483648" });
  node.childCreations = -5;
  assert.deepEqual(h.create("/w/", seq).result.body, { path: "/w/-000000005" });
});

test("cversion after 3 creates and 1 delete is 4 with 2 children (§9.2)", () => {
  const h = new Harness();
  h.create("/c");
  h.create("/c/1");
  h.create("/c/2");
  h.create("/c/3");
  h.delete("/c/2");
  assert.equal(h.stat("/c").cversion, 4);
  assert.equal(h.stat("/c").numChildren, 2);
});

test("createContainer makes a container whatever the flags, shown with owner 0", () => {
  const h = new Harness();
  const out = h.create("/box", { type: OpCode.createContainer, flags: CreateMode.ephemeral });
  assert.equal(out.result.err, 0);
  const node = h.tree.get("/box");
  assert.equal(node?.kind, NodeKind.container);
  assert.equal(h.stat("/box").ephemeralOwner, 0);
  assert.ok(h.tree.containers.has("/box"));
  assert.deepEqual(getEphemerals(h.tree, h.session, null), []);
  const seq = h.create("/box/s", {
    type: OpCode.createContainer,
    flags: CreateMode.persistentSequential,
  });
  assert.equal((seq.result.body as Create2Response).path, "/box/s0000000000");
});

test("create (1) with the container flag makes a plain persistent node", () => {
  const h = new Harness();
  h.create("/pc", { flags: CreateMode.container });
  assert.equal(h.tree.get("/pc")?.kind, NodeKind.persistent);
  assert.ok(!h.tree.containers.has("/pc"));
});

test("createTTL makes TTL nodes (plain and sequential) that may have children", () => {
  const h = new Harness();
  const out = h.create("/ttl", {
    type: OpCode.createTTL,
    flags: CreateMode.persistentWithTTL,
    ttl: 5000,
  });
  assert.equal(out.result.err, 0);
  const node = h.tree.get("/ttl");
  assert.equal(node?.kind, NodeKind.ttl);
  assert.equal(node?.owner, 5000);
  assert.equal(h.stat("/ttl").ephemeralOwner, 0);
  assert.ok(h.tree.ttls.has("/ttl"));
  const seq = h.create("/ttl/s", {
    type: OpCode.createTTL,
    flags: CreateMode.persistentSequentialWithTTL,
    ttl: 2 ** 40 - 1,
  });
  assert.equal((seq.result.body as Create2Response).path, "/ttl/s0000000000");
  assert.equal(h.create("/box", { type: OpCode.createContainer, flags: 4 }).result.err, 0);
  assert.equal(h.create("/box/child").result.err, 0);
});

test("create stores the fixed-up ACL: duplicates dropped, auth expanded to digest ids", () => {
  const h = new Harness();
  const list = [
    acl(Perm.all, "auth", ""),
    acl(Perm.read, "world", "anyone"),
    acl(Perm.read, "world", "anyone"),
  ];
  assert.equal(h.create("/acl", { acl: list, ids: [localIp, aliceId] }).result.err, 0);
  assert.deepEqual(h.tree.get("/acl")?.acl.acl, [
    { perms: Perm.all, id: aliceId },
    { perms: Perm.read, id: { scheme: "world", id: "anyone" } },
  ]);
});

test("a write from a session that is gone fails with SessionExpired", () => {
  const h = new Harness();
  h.closeSession();
  assert.equal(h.create("/x").result.err, ErrorCode.sessionExpired);
  assert.equal(h.tree.get("/x"), undefined);
});

interface CreateCase {
  name: string;
  setup?: (h: Harness) => void;
  path: string;
  opts: Parameters<Harness["create"]>[1];
  err: number;
  options?: { extendedTypesEnabled?: boolean };
}

const bad = [acl(Perm.all, "world", "bob")];

const createErrors: CreateCase[] = [
  { name: "flags 7", path: "nope", opts: { flags: 7, acl: bad }, err: ErrorCode.badArguments },
  { name: "flags -1", path: "/a", opts: { flags: -1 }, err: ErrorCode.badArguments },
  {
    name: "TTL mode while extended types are disabled",
    path: "nope",
    opts: { type: OpCode.createTTL, flags: 5, ttl: 0 },
    err: ErrorCode.unimplemented,
    options: { extendedTypesEnabled: false },
  },
  {
    name: "TTL flags through opcode 1 (ttl -1)",
    path: "/a",
    opts: { flags: CreateMode.persistentWithTTL },
    err: ErrorCode.badArguments,
  },
  {
    name: "TTL 0",
    path: "/a",
    opts: { type: OpCode.createTTL, flags: 5, ttl: 0 },
    err: ErrorCode.badArguments,
  },
  {
    name: "TTL 2^40",
    path: "/a",
    opts: { type: OpCode.createTTL, flags: 6, ttl: 2 ** 40 },
    err: ErrorCode.badArguments,
  },
  {
    name: "createTTL with a non-TTL mode",
    path: "/a",
    opts: { type: OpCode.createTTL, flags: 0, ttl: 100 },
    err: ErrorCode.badArguments,
  },
  { name: "path without a slash", path: "a", opts: { acl: bad }, err: ErrorCode.badArguments },
  { name: "path with NUL", path: "/a\u0000", opts: { acl: bad }, err: ErrorCode.badArguments },
  { name: "null ACL", path: "/missing/a", opts: { acl: null }, err: ErrorCode.invalidACL },
  { name: "empty ACL", path: "/missing/a", opts: { acl: [] }, err: ErrorCode.invalidACL },
  {
    name: "world id other than anyone",
    path: "/missing/a",
    opts: { acl: bad },
    err: ErrorCode.invalidACL,
  },
  {
    name: "digest id without a hash",
    path: "/a",
    opts: { acl: [acl(Perm.all, "digest", "alice")] },
    err: ErrorCode.invalidACL,
  },
  {
    name: "bad ip",
    path: "/a",
    opts: { acl: [acl(Perm.all, "ip", "10.0.0")] },
    err: ErrorCode.invalidACL,
  },
  {
    name: "ip prefix too long",
    path: "/a",
    opts: { acl: [acl(Perm.all, "ip", "10.0.0.0/33")] },
    err: ErrorCode.invalidACL,
  },
  {
    name: "auth without an authenticated id",
    path: "/a",
    opts: { acl: [acl(Perm.all, "auth", "")], ids: [localIp] },
    err: ErrorCode.invalidACL,
  },
  {
    name: "unknown scheme",
    path: "/a",
    opts: { acl: [acl(Perm.all, "super", "x")] },
    err: ErrorCode.invalidACL,
  },
  { name: "parent missing", path: "/missing/a", opts: {}, err: ErrorCode.noNode },
  { name: "parent part missing in /v//b", path: "/v//b", opts: {}, err: ErrorCode.noNode },
  {
    name: "no CREATE on the parent (checked before NodeExists)",
    setup: (h) => {
      h.create("/locked");
      h.create("/locked/x");
      h.setAcl("/locked", [acl(Perm.all & ~Perm.create, "world", "anyone")]);
    },
    path: "/locked/x",
    opts: {},
    err: ErrorCode.noAuth,
  },
  {
    name: "trailing slash without sequential",
    setup: (h) => h.create("/a"),
    path: "/a/",
    opts: {},
    err: ErrorCode.badArguments,
  },
  {
    name: "dot segment",
    setup: (h) => h.create("/a"),
    path: "/a/.",
    opts: {},
    err: ErrorCode.badArguments,
  },
  {
    name: "control character in the name",
    path: "/a\u0001",
    opts: {},
    err: ErrorCode.badArguments,
  },
  {
    name: "node exists (before the ephemeral-parent check)",
    setup: (h) => h.create("/a"),
    path: "/a",
    opts: {},
    err: ErrorCode.nodeExists,
  },
  {
    name: "system node exists",
    path: "/zookeeper",
    opts: {},
    err: ErrorCode.nodeExists,
  },
  {
    name: "ephemeral parent",
    setup: (h) => h.create("/eph", { flags: CreateMode.ephemeral }),
    path: "/eph/child",
    opts: {},
    err: ErrorCode.noChildrenForEphemerals,
  },
];

for (const c of createErrors) {
  test(`create fails: ${c.name}`, () => {
    const h = new Harness(c.options);
    c.setup?.(h);
    const before = h.dump();
    const out = h.create(c.path, c.opts);
    assert.equal(out.result.err, c.err);
    assert.equal(out.result.body, null);
    assert.deepEqual(out.triggers, []);
    // A failed write changes nothing but the last applied zxid.
    assert.equal(h.dump().replace(/lastZxid \d+\n?/, ""), before.replace(/lastZxid \d+\n?/, ""));
  });
}

test("every byte value survives storage, getData and a snapshot", async () => {
  const { getData } = await import("../../src/tree/reads.js");
  const { decodeSnapshot } = await import("../../src/state/snapshot.js");
  const { encodeSnapshot } = await import("../../src/state/snapshot-writer.js");
  const h = new Harness();
  const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) & 0xff);
  h.create("/bin", { data: bytes });
  const r = getData(h.tree, "/bin", []);
  assert.ok(typeof r === "object");
  assert.deepEqual(Array.from(r.data ?? []), Array.from(bytes));
  assert.equal(r.stat.dataLength, 512);
  const back = decodeSnapshot(encodeSnapshot(h.state));
  const r2 = getData(back.tree, "/bin", []);
  assert.ok(typeof r2 === "object");
  assert.deepEqual(Array.from(r2.data ?? []), Array.from(bytes));
});
