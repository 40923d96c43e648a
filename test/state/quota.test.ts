// Proves quotas work as in ZooKeeper 3.7+ (§9.5): creating zookeeper_limits registers the
// quota, creating zookeeper_stats counts the subtree, every create/delete/setData below the
// quota path keeps the stats current, soft limits only warn, and hard limits refuse writes
// with QuotaExceeded only when enforcement is on.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, OpCode } from "../../src/protocol/constants.js";
import { Harness, open, text } from "./harness.js";

function statsOf(h: Harness, path: string): string {
  return h.tree.get(`/zookeeper/quota${path}/zookeeper_stats`)?.data ?? "";
}

function setQuota(h: Harness, path: string, limits: string): void {
  let dir = "/zookeeper/quota";
  for (const part of path.split("/").slice(1)) {
    dir += `/${part}`;
    if (h.tree.get(dir) === undefined) assert.equal(h.create(dir, { data: null }).result.err, 0);
  }
  assert.equal(h.create(`${dir}/zookeeper_limits`, { data: text(limits) }).result.err, 0);
  assert.equal(h.create(`${dir}/zookeeper_stats`, { data: text("count=0,bytes=0") }).result.err, 0);
}

test("stats count the subtree when set and follow creates, deletes and setData", () => {
  const h = new Harness();
  h.create("/a", { data: text("12345") });
  h.create("/a/x", { data: text("abc") });
  h.create("/ab", { data: text("not counted") });
  setQuota(h, "/a", "count=10,bytes=100");
  assert.deepEqual(Array.from(h.tree.quotaPaths), ["/a"]);
  assert.equal(statsOf(h, "/a"), "count=2,bytes=8");
  h.create("/a/x/y", { data: text("zz") });
  assert.equal(statsOf(h, "/a"), "count=3,bytes=10");
  h.setData("/a/x", text("a"));
  assert.equal(statsOf(h, "/a"), "count=3,bytes=8");
  h.setData("/a/x", null);
  assert.equal(statsOf(h, "/a"), "count=3,bytes=7");
  h.delete("/a/x/y");
  assert.equal(statsOf(h, "/a"), "count=2,bytes=5");
  h.create("/ab/q");
  assert.equal(statsOf(h, "/a"), "count=2,bytes=5");
  // The stats node's Stat does not move when the server rewrites its data.
  const st = h.stat("/zookeeper/quota/a/zookeeper_stats");
  assert.equal(st.version, 0);
  assert.equal(st.dataLength, "count=2,bytes=5".length);
});

test("the deepest quota path counts a node", () => {
  const h = new Harness();
  h.create("/a");
  h.create("/a/b");
  setQuota(h, "/a", "count=100,bytes=-1");
  setQuota(h, "/a/b", "count=100,bytes=-1");
  h.create("/a/b/c");
  assert.equal(statsOf(h, "/a/b"), "count=2,bytes=2");
  assert.equal(statsOf(h, "/a"), "count=2,bytes=2");
});

test("soft limits warn but never refuse, even with enforcement on", () => {
  const h = new Harness({ enforceQuota: true });
  h.create("/s");
  setQuota(h, "/s", "count=2,bytes=3");
  assert.deepEqual(h.create("/s/1", { data: null }).quotaWarnings, []);
  const out = h.create("/s/2", { data: text("abcd") });
  assert.equal(out.result.err, 0);
  assert.deepEqual(
    out.quotaWarnings.map((w) => [w.quotaPath, w.hard, w.message]),
    [
      ["/s", false, "Quota exceeded: /s [current count=3, softCountLimit=2]"],
      ["/s", false, "Quota exceeded: /s [current bytes=5, softByteLimit=3]"],
    ],
  );
});

test("hard limits refuse with QuotaExceeded when enforced, before BadVersion", () => {
  const h = new Harness({ enforceQuota: true });
  h.create("/h", { data: null });
  setQuota(h, "/h", "count=-1,bytes=-1;countHardLimit=2;byteHardLimit=4");
  assert.equal(h.create("/h/1", { data: text("ab") }).result.err, 0);
  const refused = h.create("/h/2", { data: null });
  assert.equal(refused.result.err, ErrorCode.quotaExceeded);
  assert.deepEqual(refused.quotaWarnings, []);
  assert.equal(h.setData("/h/1", text("abcde"), 99).result.err, ErrorCode.quotaExceeded);
  assert.equal(h.setData("/h/1", text("abcd"), 99).result.err, ErrorCode.badVersion);
  assert.equal(h.setData("/h/1", text("abcd"), 0).result.err, 0);
  assert.equal(statsOf(h, "/h"), "count=2,bytes=4");
  // Inside a multi the failing create rolls back the stats of the earlier ops too.
  const out = h.multi([
    { type: OpCode.setData, request: { path: "/h/1", data: null, version: -1 } },
    { type: OpCode.create, request: { path: "/h/3", data: null, acl: open, flags: 0 } },
  ]);
  assert.deepEqual(out.result.body, [
    { type: -1, err: 0 },
    { type: -1, err: ErrorCode.quotaExceeded },
  ]);
  assert.equal(statsOf(h, "/h"), "count=2,bytes=4");
});

test("hard limits only warn while enforcement is off", () => {
  const h = new Harness();
  h.create("/h", { data: null });
  setQuota(h, "/h", "count=-1,bytes=-1;countHardLimit=1");
  const out = h.create("/h/1", { data: null });
  assert.equal(out.result.err, 0);
  assert.equal(out.quotaWarnings.length, 1);
  assert.equal(out.quotaWarnings[0].hard, true);
});

test("deleting zookeeper_limits removes the quota", () => {
  const h = new Harness();
  h.create("/q");
  setQuota(h, "/q", "count=1,bytes=-1");
  assert.equal(h.delete("/zookeeper/quota/q/zookeeper_limits").result.err, 0);
  assert.equal(h.tree.quotaPaths.size, 0);
  assert.deepEqual(h.create("/q/more").quotaWarnings, []);
});

test("create2 of zookeeper_stats reports the data sent, as ZooKeeper copies the Stat first", () => {
  const h = new Harness();
  h.create("/q", { data: text("12345") });
  h.create("/zookeeper/quota/q", { data: null });
  h.create("/zookeeper/quota/q/zookeeper_limits", { data: text("count=10,bytes=100") });
  const out = h.create("/zookeeper/quota/q/zookeeper_stats", {
    data: text("abcdefg"),
    type: OpCode.create2,
  });
  assert.equal(out.result.err, 0);
  assert.equal((out.result.body as { stat: { dataLength: number } }).stat.dataLength, 7);
  assert.equal(statsOf(h, "/q"), "count=1,bytes=5");
});
