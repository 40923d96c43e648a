// Proves the tree digest (src/tree/digest.ts) and the approximate data size stay exactly what
// a full recount gives after every kind of change, rollbacks of failed multis included; that
// two states fed the same entries have equal digests and equal digest histories (what lets
// two members compare trees); that a snapshot round trip keeps the digest; and that the
// history keeps one digest per 128 zxids, at most 1024. The values themselves are checked
// against a real ZooKeeper in test/server/digest-real-zookeeper.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import { EntryKind } from "../../src/state/entry.js";
import { decodeSnapshot } from "../../src/state/snapshot.js";
import { encodeSnapshot } from "../../src/state/snapshot-writer.js";
import type { State } from "../../src/state/state.js";
import { nodeDigest, TreeDigest } from "../../src/tree/digest.js";
import { acl, Harness, open, text } from "../state/harness.js";

function recount(state: State): { digest: string; size: number } {
  const digest = new TreeDigest();
  let size = 0;
  for (const [path, node] of state.tree.entries()) {
    digest.add(nodeDigest(path, node));
    size += path.length + node.dataLength;
  }
  return { digest: digest.toString(), size };
}

function assertCounted(h: Harness, what: string): void {
  const full = recount(h.state);
  assert.equal(h.tree.digestNow().toString(), full.digest, `digest after ${what}`);
  assert.equal(h.tree.approximateDataSize, full.size, `data size after ${what}`);
}

/** A workload touching every mutation: kinds, data, ACLs, deletes, multis, quotas, reaping. */
function workload(h: Harness, check: (what: string) => void): void {
  h.create("/a", { data: new Uint8Array([0, 0x80, 0xff, 7]) });
  check("create with binary data");
  h.create("/a/e", { flags: CreateMode.ephemeral });
  check("ephemeral");
  h.create("/c", { type: OpCode.createContainer, flags: CreateMode.container });
  h.create("/c/child");
  check("container and child");
  h.create("/t", { type: OpCode.createTTL, flags: CreateMode.persistentWithTTL, ttl: 5000 });
  check("TTL node");
  h.create("/a/s-", { flags: CreateMode.persistentSequential, data: null });
  check("sequential with null data");
  h.setData("/a", text("longer data than before"));
  check("setData");
  h.setAcl("/a", [acl(Perm.all, "world", "anyone"), acl(Perm.read, "ip", "10.0.0.1")]);
  check("setACL");
  h.delete("/c/child");
  check("delete");
  h.multi([
    { type: OpCode.create, request: { path: "/m", data: text("m"), acl: open, flags: 0 } },
    { type: OpCode.setData, request: { path: "/a", data: text("x"), version: -1 } },
    { type: OpCode.delete, request: { path: "/nope", version: -1 } },
  ]);
  check("failed multi (rolled back)");
  h.multi([
    { type: OpCode.create, request: { path: "/m", data: text("m"), acl: open, flags: 0 } },
    { type: OpCode.setData, request: { path: "/a", data: text("y"), version: -1 } },
    { type: OpCode.delete, request: { path: "/t", version: -1 } },
  ]);
  check("multi");
  h.create("/zookeeper/quota/a", { data: null });
  h.create("/zookeeper/quota/a/zookeeper_limits", { data: text("count=10,bytes=-1") });
  h.create("/zookeeper/quota/a/zookeeper_stats", { data: text("count=0,bytes=0") });
  h.create("/a/q");
  check("quota nodes and a counted write");
  h.reap("/c");
  check("container reaped");
  h.closeSession();
  check("session closed with its ephemerals");
}

test("digest and data size equal a full recount after every kind of change", () => {
  const h = new Harness();
  assertCounted(h, "a fresh tree");
  workload(h, (what) => assertCounted(h, what));
});

test("digests noted between looks (created, changed, rolled back, deleted) count once", () => {
  // The tree recomputes changed nodes only when the digest is asked for: here once, at the
  // end, after nodes were created and deleted, and multis rolled back, in between.
  const h = new Harness();
  workload(h, () => {});
  assertCounted(h, "the whole workload");
});

test("a fresh tree's data size is ZooKeeper's 44, and a 3-byte /a adds 5", () => {
  // Observed on ZooKeeper 3.8.0: "" + "/" + "/zookeeper" + "/zookeeper/quota" +
  // "/zookeeper/config" = 0 + 1 + 10 + 16 + 17 bytes of path, no data.
  const h = new Harness();
  assert.equal(h.tree.approximateDataSize, 44);
  h.create("/a", { data: new Uint8Array(3) });
  assert.equal(h.tree.approximateDataSize, 49);
});

test("nodes below /zookeeper/ count nothing; /zookeeper itself and the root count", () => {
  const h = new Harness();
  const quota = h.tree.get("/zookeeper/quota")!;
  assert.equal(nodeDigest("/zookeeper/quota", quota), 0);
  assert.notEqual(nodeDigest("/zookeeper", h.tree.get("/zookeeper")!), 0);
  assert.notEqual(nodeDigest("/", h.tree.get("/")!), 0);
  const before = h.tree.digestNow().toString();
  h.create("/zookeeper/quota/x");
  // The parent /zookeeper/quota changed (pzxid, cversion) but is excluded as well.
  assert.equal(h.tree.digestNow().toString(), before);
});

test("the same entries give the same digest and history; a difference shows", () => {
  const a = new Harness();
  const b = new Harness();
  workload(a, () => {});
  workload(b, () => {});
  // The workload closed its session; writes need a live one.
  a.session = a.newSession();
  b.session = b.newSession();
  for (let i = 0; i < 300; i++) {
    assert.equal(a.create(`/n${i}`, { data: text(`v${i}`) }).result.err, 0);
    assert.equal(b.create(`/n${i}`, { data: text(`v${i}`) }).result.err, 0);
  }
  assert.equal(a.tree.digestNow().toString(), b.tree.digestNow().toString());
  assert.deepEqual(a.state.digestLog.list(), b.state.digestLog.list());
  assert.equal(a.state.digestLog.list().length, Math.floor(a.zxid / 128));
  // One byte of data differs: the digests differ.
  a.setData("/n7", text("v7!"));
  b.setData("/n7", text("v7?"));
  assert.notEqual(a.tree.digestNow().toString(), b.tree.digestNow().toString());
});

test("a snapshot round trip keeps the digest and the data size", () => {
  const h = new Harness();
  workload(h, () => {});
  const copy = decodeSnapshot(encodeSnapshot(h.state));
  assert.equal(copy.tree.digestNow().toString(), h.tree.digestNow().toString());
  assert.equal(copy.tree.approximateDataSize, h.tree.approximateDataSize);
  assert.equal(copy.lastTxnZxid, h.state.lastZxid);
});

test("history: one digest per 128 zxids, the first entry at or past each multiple, 1024 kept", () => {
  const h = new Harness();
  // Zxids jump over a multiple of 128 (a leader's no-op takes an index): the next entry
  // past it is logged.
  while (h.zxid < 126) h.create(`/x${h.zxid}`);
  h.zxid += 3; // 127..129 are no-ops: the next entry is 130.
  h.create("/after-gap");
  const log = h.state.digestLog.list();
  assert.equal(log.length, 1);
  assert.equal(log[0].zxid, 130);
  assert.equal(log[0].digest, h.tree.digestNow().toString());
  for (let i = 0; i < 1030 * 128; i++)
    h.apply({ kind: EntryKind.reap, timeMs: h.timeMs, path: "/none", containerNeverUsedMs: 0 });
  assert.equal(h.state.digestLog.list().length, 1024);
});

test("the digest sum wraps modulo 2^64 and prints as a signed Java long", () => {
  const d = new TreeDigest();
  assert.equal(d.toString(), "0");
  d.remove(1);
  assert.equal(d.toString(), "-1");
  d.add(2);
  assert.equal(d.toString(), "1");
  for (let i = 0; i < 3; i++) d.add(0xffff_ffff);
  assert.equal(d.toString(), String(1 + 3 * 0xffff_ffff));
});
