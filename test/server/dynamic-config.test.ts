// Proves the reconfiguration pieces that are pure: ZooKeeper's dynamic-config text (format and
// parse, round trip, refusals), the membership a reconfig request asks for with ZooKeeper
// 3.8's error for each malformed request (the cases were first run against the real 3.8 with
// kazoo: see docs/ensemble.md, "Changing the membership"), the reconfig order's peer message
// (round trip; truncated and lying bodies raise PeerDecodeError only), and the reconfig entry
// (codec round trip; apply sets /zookeeper/config with ZooKeeper's Stat and fires its watch).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, EventType, OpCode } from "../../src/protocol/constants.js";
import type { GetDataResponse, ReconfigRequest } from "../../src/protocol/records.js";
import { parseServerSpec } from "../../src/server/config.js";
import {
  configText,
  nextMembership,
  parseDynamicConfig,
  serverLine,
} from "../../src/server/dynamic-config.js";
import { PeerDecodeError, PeerReader, PeerWriter } from "../../src/server/peer-codec.js";
import { encodeReconfigOrder, readReconfigOrder } from "../../src/server/reconfig-order.js";
import { EntryKind, type ReconfigOp, type WriteEntry } from "../../src/state/entry.js";
import { decodeEntry, encodeEntry } from "../../src/state/entry-codec.js";
import { configPath } from "../../src/tree/path.js";
import { Harness, superId } from "../state/harness.js";

const three = [1, 2, 3].map((id) => parseServerSpec(id, `10.0.0.${id}:2888:3888`));

function request(r: Partial<ReconfigRequest>): ReconfigRequest {
  return { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1, ...r };
}

function refusal(r: Partial<ReconfigRequest>, standaloneEnabled = true): number {
  const next = nextMembership(three, request(r), standaloneEnabled);
  return next.ok ? 0 : next.err;
}

test("server lines and /zookeeper/config text are ZooKeeper's", () => {
  assert.equal(
    serverLine(parseServerSpec(4, "h4:1:2:observer;c4:2181")),
    "server.4=h4:1:2:observer;c4:2181",
  );
  // A client port without a host prints ZooKeeper's wildcard; none prints no client part.
  assert.equal(
    serverLine(parseServerSpec(5, "h5:1:2;2181")),
    "server.5=h5:1:2:participant;0.0.0.0:2181",
  );
  assert.equal(serverLine(three[0]), "server.1=10.0.0.1:2888:3888:participant");
  const text = configText([three[2], three[0]], 0x10000000a);
  assert.equal(
    text,
    "server.1=10.0.0.1:2888:3888:participant\nserver.3=10.0.0.3:2888:3888:participant\nversion=10000000a",
  );
  const parsed = parseDynamicConfig(text);
  assert.equal(parsed.version, 0x10000000a);
  assert.deepEqual(parsed.servers, [three[0], three[2]]);
  assert.equal(parseDynamicConfig("server.1=a:1:2\n").version, 0);
  assert.throws(() => parseDynamicConfig("server.1=a:1:2\nserver.1=b:1:2"), /twice/);
  assert.throws(() => parseDynamicConfig("clientPort=2181"), /unexpected key/);
});

test("incremental reconfig: joiners replace or add, leavers go, unknown leavers are ignored", () => {
  const next = nextMembership(
    three,
    request({
      joiningServers: "server.4=h4:1:2;h4:3, server.5=h5:1:2:observer;4",
      leavingServers: "3,9",
    }),
    true,
  );
  assert.ok(next.ok);
  assert.deepEqual(
    next.servers.map((s) => `${s.id}:${s.role}`),
    ["1:participant", "2:participant", "4:participant", "5:observer"],
  );
  // Nothing asked: the same membership (ZooKeeper commits it as a new version).
  const same = nextMembership(three, request({}), true);
  assert.ok(same.ok);
  assert.deepEqual(same.servers, three);
});

test("malformed or impossible requests get ZooKeeper 3.8's error", () => {
  assert.equal(refusal({ leavingServers: "x" }), ErrorCode.marshallingError);
  assert.equal(refusal({ joiningServers: "foo" }), ErrorCode.badArguments);
  assert.equal(refusal({ joiningServers: "server.4=garbage" }), ErrorCode.badArguments);
  assert.equal(refusal({ joiningServers: "server.x=h:1:2;3" }), ErrorCode.marshallingError);
  // A joiner needs all three ports.
  assert.equal(refusal({ joiningServers: "server.4=h4:1:2" }), ErrorCode.badArguments);
  // Another member's address.
  assert.equal(
    refusal({ joiningServers: "server.4=10.0.0.1:2888:4000;5" }),
    ErrorCode.badArguments,
  );
  assert.equal(
    refusal({ newMembers: "server.1=a:1:2;3", joiningServers: "server.4=h:1:2;3" }),
    ErrorCode.badArguments,
  );
  // At least two participants while standaloneEnabled (ZooKeeper's default), else one.
  assert.equal(refusal({ leavingServers: "2,3" }), ErrorCode.badArguments);
  assert.equal(refusal({ leavingServers: "2,3" }, false), 0);
  assert.equal(refusal({ leavingServers: "1,2,3" }, false), ErrorCode.badArguments);
  assert.equal(refusal({ newMembers: "server.1=a:1:2;3" }), ErrorCode.badArguments);
  assert.equal(
    refusal({ newMembers: "server.1=a:1:2;3,server.1=b:1:2;3" }),
    ErrorCode.badArguments,
  );
  const members = nextMembership(
    three,
    request({ newMembers: "server.7=a:1:2;3\nserver.8=b:1:2;3" }),
    true,
  );
  assert.ok(members.ok);
  assert.deepEqual(
    members.servers.map((s) => s.id),
    [7, 8],
  );
});

test("a reconfig order crosses the peer link intact; damaged ones raise PeerDecodeError", () => {
  const order = {
    member: 3,
    incarnation: 0xdeadbeef,
    tag: 42,
    sessionId: 17,
    timeMs: 1_700_000_000_123,
    authIds: [superId, { scheme: "digest", id: "alice:x" }],
    request: request({ joiningServers: "server.4=h:1:2;3", curConfigId: 0x100000005 }),
  };
  const body = encodeReconfigOrder(new PeerWriter(256), 9, order);
  const r = new PeerReader();
  r.reset(body);
  assert.deepEqual(readReconfigOrder(r), { term: 9, order });
  for (let cut = 1; cut < body.length; cut++) {
    r.reset(body.subarray(0, cut));
    assert.throws(() => readReconfigOrder(r), PeerDecodeError);
  }
  const lying = Uint8Array.prototype.slice.call(body);
  lying.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], body.length - 8);
  r.reset(lying);
  assert.throws(() => readReconfigOrder(r), PeerDecodeError);
});

test("the reconfig entry round-trips and sets /zookeeper/config as ZooKeeper does", () => {
  const h = new Harness();
  const op: ReconfigOp = {
    type: OpCode.reconfig,
    err: 0,
    servers: "server.1=a:1:2:participant;b:3",
  };
  const entry: WriteEntry = {
    kind: EntryKind.write,
    timeMs: h.timeMs + 5,
    sessionId: h.session,
    authIds: [superId],
    op,
  };
  assert.deepEqual(decodeEntry(encodeEntry(entry)), entry);
  const out = h.apply(entry);
  assert.equal(out.result.err, 0);
  const body = out.result.body as GetDataResponse;
  const text = `server.1=a:1:2:participant;b:3\nversion=${h.zxid.toString(16)}`;
  assert.equal(Buffer.from(body.data!).toString(), text);
  assert.equal(body.stat.mzxid, h.zxid);
  assert.equal(body.stat.mtime, entry.timeMs);
  assert.equal(body.stat.version, -1);
  assert.equal(body.stat.czxid, 0);
  assert.deepEqual(
    out.triggers.map((t) => [t.type, t.path]),
    [[EventType.nodeDataChanged, configPath]],
  );
  // An error decided by the leader changes nothing and answers that error.
  const before = h.stat(configPath);
  const refused = h.apply({ ...entry, op: { ...op, err: ErrorCode.newConfigNoQuorum } });
  assert.equal(refused.result.err, ErrorCode.newConfigNoQuorum);
  assert.deepEqual(h.stat(configPath), before);
  // A reconfig inside a multi is malformed.
  const multi = encodeEntry({ ...entry, op: { type: OpCode.multi, ops: [] } });
  const nested = Buffer.concat([
    multi.subarray(0, multi.length - 4),
    Buffer.from([1, 0, 0, 0, 16, 0, 0, 0]),
  ]);
  assert.throws(() => decodeEntry(nested), /reconfig inside a multi/);
});
