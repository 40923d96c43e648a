// Proves multi (14) is all-or-nothing with ZooKeeper's per-op results (§7), and that sessions
// (create, close with its ephemerals) and the reaper's delete behave as §6.15 and §9.6 say.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, ErrorCode, EventType, OpCode } from "../../src/protocol/constants.js";
import type { MultiOp, MultiResult } from "../../src/protocol/records.js";
import { NodeKind } from "../../src/tree/znode.js";
import { Harness, open, text } from "./harness.js";

const create = (path: string, flags = 0, type: 1 | 15 | 19 = 1): MultiOp => ({
  type,
  request: { path, data: text("d"), acl: open, flags },
});
const del = (path: string, version = -1): MultiOp => ({
  type: OpCode.delete,
  request: { path, version },
});
const set = (path: string, version = -1): MultiOp => ({
  type: OpCode.setData,
  request: { path, data: text("new"), version },
});
const check = (path: string, version: number): MultiOp => ({
  type: OpCode.check,
  request: { path, version },
});

test("a multi sees its own earlier ops and applies them all with one zxid", () => {
  const h = new Harness();
  h.create("/m");
  const out = h.multi([
    create("/m/a"),
    set("/m/a", 0),
    create("/m/s-", CreateMode.persistentSequential, OpCode.create2),
    create("/m/s-", CreateMode.persistentSequential),
    check("/m/a", 1),
    del("/m/a"),
  ]);
  assert.equal(out.result.err, 0);
  const results = out.result.body as MultiResult[];
  assert.deepEqual(
    results.map((r) => r.type),
    [OpCode.create, OpCode.setData, OpCode.create2, OpCode.create, OpCode.check, OpCode.delete],
  );
  assert.deepEqual(results[0], { type: OpCode.create, response: { path: "/m/a" } });
  const r2 = results[2];
  assert.ok(r2.type === OpCode.create2);
  assert.equal(r2.response.path, "/m/s-0000000001");
  assert.equal(r2.response.stat.czxid, h.zxid);
  assert.deepEqual(results[3], { type: OpCode.create, response: { path: "/m/s-0000000002" } });
  const m = h.stat("/m");
  assert.equal(m.pzxid, h.zxid);
  assert.equal(m.numChildren, 2);
  assert.equal(h.tree.get("/m/a"), undefined);
  // Triggers in op order: created, children, data, created, children, created, children,
  // deleted, children.
  assert.deepEqual(
    out.triggers.map((t) => `${t.type}:${t.path}`),
    [
      `${EventType.nodeCreated}:/m/a`,
      `${EventType.nodeChildrenChanged}:/m`,
      `${EventType.nodeDataChanged}:/m/a`,
      `${EventType.nodeCreated}:/m/s-0000000001`,
      `${EventType.nodeChildrenChanged}:/m`,
      `${EventType.nodeCreated}:/m/s-0000000002`,
      `${EventType.nodeChildrenChanged}:/m`,
      `${EventType.nodeDeleted}:/m/a`,
      `${EventType.nodeChildrenChanged}:/m`,
    ],
  );
  assert.ok(out.triggers.every((t) => t.zxid === h.zxid));
});

test("a failing multi changes nothing and reports 0, the error, then RuntimeInconsistency", () => {
  const h = new Harness();
  h.create("/m");
  h.create("/m/keep", { flags: CreateMode.ephemeral });
  h.create("/zookeeper/quota/m/zookeeper_limits", { data: text("count=100,bytes=-1") });
  h.create("/zookeeper/quota/m/zookeeper_stats", { data: text("") });
  const before = h.dump().replace(/lastZxid \d+\n/, "");
  const out = h.multi([
    create("/m/a", CreateMode.ephemeral),
    create("/m/s-", CreateMode.persistentSequential),
    set("/m", 0),
    del("/m/keep"),
    { type: OpCode.setACL as never, request: { path: "/m", acl: open, version: -1 } } as never,
    check("/m", 0),
  ]);
  // setACL is not a multi op: the whole multi is refused before anything runs.
  assert.equal(out.result.err, ErrorCode.marshallingError);
  const out2 = h.multi([
    create("/m/a", CreateMode.ephemeral),
    create("/m/s-", CreateMode.persistentSequential),
    set("/m", 0),
    del("/m/keep"),
    check("/m", 0),
    create("/m/b"),
  ]);
  assert.equal(out2.result.err, 0);
  assert.deepEqual(out2.result.body, [
    { type: -1, err: 0 },
    { type: -1, err: 0 },
    { type: -1, err: 0 },
    { type: -1, err: 0 },
    { type: -1, err: ErrorCode.badVersion },
    { type: -1, err: ErrorCode.runtimeInconsistency },
  ]);
  assert.deepEqual(out2.triggers, []);
  assert.deepEqual(out2.quotaWarnings, []);
  assert.equal(h.dump().replace(/lastZxid \d+\n/, ""), before);
  // The sequence counter was rolled back too.
  assert.deepEqual(h.create("/m/s-", { flags: CreateMode.persistentSequential }).result.body, {
    path: "/m/s-0000000001",
  });
});

test("an empty multi succeeds with no results", () => {
  const h = new Harness();
  const out = h.multi([]);
  assert.deepEqual(out.result, { err: 0, body: [] });
});

test("reads inside a write multi are refused as MarshallingError", () => {
  const h = new Harness();
  const out = h.multi([
    create("/a"),
    { type: OpCode.getData, request: { path: "/", watch: false } },
  ]);
  assert.equal(out.result.err, ErrorCode.marshallingError);
  assert.equal(h.tree.get("/a"), undefined);
});

test("createSession: the session id is the entry's zxid, with password and timeout", () => {
  const h = new Harness();
  const zxid = h.zxid + 1;
  const id = h.newSession(12_000);
  assert.equal(id, zxid);
  const s = h.state.sessions.get(id);
  assert.equal(s?.timeoutMs, 12_000);
  assert.equal(s?.password.length, 16);
});

test("closeSession deletes all the session's ephemerals with one zxid and fires their watches", () => {
  const h = new Harness();
  const other = h.newSession();
  h.create("/p");
  h.create("/p/e1", { flags: CreateMode.ephemeral });
  h.create("/e2", { flags: CreateMode.ephemeralSequential });
  h.create("/mine", { flags: CreateMode.ephemeral, session: other });
  const out = h.closeSession();
  assert.equal(out.result.err, 0);
  assert.equal(h.tree.get("/p/e1"), undefined);
  assert.equal(h.tree.get("/e20000000001"), undefined);
  assert.ok(h.tree.get("/mine"));
  assert.equal(h.state.sessions.has(h.session), false);
  assert.equal(h.stat("/p").pzxid, h.zxid);
  assert.deepEqual(
    out.triggers.map((t) => `${t.type}:${t.path}:${t.zxid}`).sort(),
    [
      `${EventType.nodeDeleted}:/p/e1:${h.zxid}`,
      `${EventType.nodeChildrenChanged}:/p:${h.zxid}`,
      `${EventType.nodeDeleted}:/e20000000001:${h.zxid}`,
      `${EventType.nodeChildrenChanged}:/:${h.zxid}`,
    ].sort(),
  );
  // Closing again (expiry racing a client close) is harmless.
  assert.deepEqual(h.closeSession().result, { err: 0, body: null });
});

test("reap deletes a container that once had children and has none", () => {
  const h = new Harness();
  h.create("/c", { type: OpCode.createContainer, flags: CreateMode.container });
  assert.deepEqual(h.tree.reapCandidates(h.timeMs, 10), []);
  assert.deepEqual(h.reap("/c").result.body, { deleted: false });
  h.create("/c/x");
  assert.deepEqual(h.tree.reapCandidates(h.timeMs, 10), []);
  assert.deepEqual(h.reap("/c").result.body, { deleted: false });
  h.delete("/c/x");
  assert.deepEqual(h.tree.reapCandidates(h.timeMs, 10), ["/c"]);
  const out = h.reap("/c");
  assert.deepEqual(out.result.body, { deleted: true });
  assert.equal(h.tree.get("/c"), undefined);
  assert.equal(h.tree.containers.size, 0);
  assert.equal(out.triggers[0].type, EventType.nodeDeleted);
});

test("reap deletes a TTL node only when childless and idle longer than its TTL", () => {
  const h = new Harness();
  h.create("/t", { type: OpCode.createTTL, flags: CreateMode.persistentWithTTL, ttl: 1000 });
  const mtime = h.stat("/t").mtime;
  assert.deepEqual(h.tree.reapCandidates(mtime + 1000, 10), []);
  assert.deepEqual(h.tree.reapCandidates(mtime + 1001, 10), ["/t"]);
  assert.deepEqual(h.reap("/t", mtime + 1000).result.body, { deleted: false });
  h.create("/t/c");
  assert.deepEqual(h.reap("/t", mtime + 5000).result.body, { deleted: false });
  h.delete("/t/c");
  // A write moves mtime: the node is no longer idle.
  h.setData("/t", text("touch"));
  const touched = h.stat("/t").mtime;
  assert.deepEqual(h.reap("/t", touched + 999).result.body, { deleted: false });
  assert.deepEqual(h.reap("/t", touched + 1001).result.body, { deleted: true });
  assert.equal(h.tree.ttls.size, 0);
});

test("reap never deletes other kinds of node or missing ones", () => {
  const h = new Harness();
  h.create("/p");
  h.create("/e", { flags: CreateMode.ephemeral });
  assert.deepEqual(h.reap("/p", h.timeMs + 1e9).result.body, { deleted: false });
  assert.deepEqual(h.reap("/e", h.timeMs + 1e9).result.body, { deleted: false });
  assert.deepEqual(h.reap("/gone", h.timeMs + 1e9).result.body, { deleted: false });
  assert.equal(h.tree.get("/e")?.kind, NodeKind.ephemeral);
});

test("reapCandidates honours its limit", () => {
  const h = new Harness();
  for (let i = 0; i < 5; i++) {
    h.create(`/c${i}`, { type: OpCode.createContainer, flags: CreateMode.container });
    h.create(`/c${i}/x`);
    h.delete(`/c${i}/x`);
  }
  assert.equal(h.tree.reapCandidates(h.timeMs, 3).length, 3);
});

test("never-used containers are reaped only with maxNeverUsedIntervalMs set and elapsed", () => {
  const h = new Harness();
  h.create("/n", { type: OpCode.createContainer, flags: CreateMode.container });
  const mtime = h.stat("/n").mtime;
  assert.deepEqual(h.tree.reapCandidates(mtime + 10_000, 10), []);
  assert.deepEqual(h.tree.reapCandidates(mtime + 1000, 10, 1000), []);
  assert.deepEqual(h.tree.reapCandidates(mtime + 1001, 10, 1000), ["/n"]);
  assert.deepEqual(h.reap("/n", mtime + 10_000, 0).result.body, { deleted: false });
  assert.deepEqual(h.reap("/n", mtime + 1000, 1000).result.body, { deleted: false });
  assert.deepEqual(h.reap("/n", mtime + 1001, 1000).result.body, { deleted: true });
});
