// Proves the binary forms of the state layer: every entry kind and write op round-trips
// through encodeEntry/decodeEntry, a snapshot decodes to an identical state (and re-encodes
// to the same bytes), and damaged input (flipped, truncated, wrong version) raises
// StateFormatError and nothing else.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import { apply } from "../../src/state/apply.js";
import { StateFormatError } from "../../src/state/bytes.js";
import { type Entry, EntryKind } from "../../src/state/entry.js";
import { decodeEntry, encodeEntry } from "../../src/state/entry-codec.js";
import { decodeSnapshot } from "../../src/state/snapshot.js";
import { encodeSnapshot } from "../../src/state/snapshot-writer.js";
import { acl, aliceId, dumpState, Harness, localIp, open, text } from "./harness.js";

const entries: Entry[] = [
  {
    kind: EntryKind.createSession,
    timeMs: 1.7e12,
    timeoutMs: 30000,
    password: new Uint8Array(16).fill(3),
  },
  { kind: EntryKind.closeSession, timeMs: 5, sessionId: 2 ** 52 + 1 },
  { kind: EntryKind.reap, timeMs: 6, path: "/c/ünïcode", containerNeverUsedMs: 60000 },
  {
    kind: EntryKind.write,
    timeMs: 7,
    sessionId: 9,
    authIds: [localIp, aliceId],
    op: { type: OpCode.create, request: { path: "/a", data: null, acl: null, flags: 3 } },
  },
  {
    kind: EntryKind.write,
    timeMs: 7,
    sessionId: 9,
    authIds: [],
    op: {
      type: OpCode.createTTL,
      request: { path: "/t", data: new Uint8Array(0), acl: open, flags: 5, ttl: 2 ** 40 - 1 },
    },
  },
  {
    kind: EntryKind.write,
    timeMs: 8,
    sessionId: 9,
    authIds: [localIp],
    op: {
      type: OpCode.setACL,
      request: { path: "/a", acl: [acl(Perm.read, "auth", "")], version: -1 },
    },
  },
  {
    kind: EntryKind.write,
    timeMs: 8,
    sessionId: 9,
    authIds: [localIp],
    op: {
      type: OpCode.multi,
      ops: [
        { type: OpCode.create2, request: { path: "/m", data: text("x"), acl: open, flags: 0 } },
        {
          type: OpCode.createContainer,
          request: { path: "/k", data: text(""), acl: open, flags: 4 },
        },
        { type: OpCode.delete, request: { path: "/m", version: 3 } },
        { type: OpCode.setData, request: { path: "/m", data: text("yz"), version: -1 } },
        { type: OpCode.check, request: { path: "/m", version: 0 } },
        { type: OpCode.getData, request: { path: "/m", watch: true } },
      ],
    },
  },
];

test("every entry kind and op round-trips", () => {
  for (const e of entries) {
    const bytes = encodeEntry(e);
    const back = decodeEntry(bytes);
    assert.deepEqual(normalize(back), normalize(e));
    assert.deepEqual(encodeEntry(back), bytes);
  }
});

/** Uint8Array vs Buffer subclass differences are irrelevant: compare plain byte arrays. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

test("damaged entries raise StateFormatError only", () => {
  for (const e of entries) {
    const bytes = encodeEntry(e);
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => decodeEntry(bytes.subarray(0, cut)), StateFormatError);
    }
    const longer = Buffer.concat([bytes, Buffer.from([0])]);
    assert.throws(() => decodeEntry(longer), StateFormatError);
    const wrongVersion = Buffer.from(bytes);
    wrongVersion[0] = 9;
    assert.throws(() => decodeEntry(wrongVersion), StateFormatError);
    // Random byte flips either decode to some entry or raise StateFormatError.
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] ^= 0xa5;
      try {
        decodeEntry(flipped);
      } catch (err) {
        assert.ok(err instanceof StateFormatError, String(err));
      }
    }
  }
});

function richState(): Harness {
  const h = new Harness();
  const other = h.newSession(4000);
  h.create("/a", { data: text("hello") });
  h.create("/a/b", { data: null, acl: [acl(Perm.all, "digest", aliceId.id)], ids: [aliceId] });
  h.create("/a/s-", { flags: CreateMode.persistentSequential });
  h.create("/a/e", { flags: CreateMode.ephemeral, session: other });
  h.create("/c", { type: OpCode.createContainer, flags: CreateMode.container });
  h.create("/c/x");
  h.delete("/c/x");
  h.create("/t", { type: OpCode.createTTL, flags: CreateMode.persistentWithTTL, ttl: 99 });
  h.create("/ü/".slice(0, 2), { data: new Uint8Array(0) });
  h.create("/zookeeper/quota/a", { data: null });
  h.create("/zookeeper/quota/a/zookeeper_limits", { data: text("count=10,bytes=100") });
  h.create("/zookeeper/quota/a/zookeeper_stats", { data: text("") });
  h.setData("/a", text("again"));
  h.setAcl("/t", [acl(Perm.read, "ip", "10.0.0.0/8")]);
  return h;
}

test("a snapshot decodes to an identical state and re-encodes to the same bytes", () => {
  const h = richState();
  const bytes = encodeSnapshot(h.state);
  const back = decodeSnapshot(bytes);
  assert.equal(dumpState(back), h.dump());
  assert.deepEqual(encodeSnapshot(back), bytes);
  assert.deepEqual(Array.from(back.tree.quotaPaths), ["/a"]);
  assert.ok(back.tree.containers.has("/c") && back.tree.ttls.has("/t"));
  // The decoded state behaves the same under the next entry.
  const next: Entry = {
    kind: EntryKind.write,
    timeMs: h.timeMs + 1,
    sessionId: h.session,
    authIds: [localIp],
    op: { type: OpCode.create2, request: { path: "/a/s-", data: null, acl: open, flags: 2 } },
  };
  const r1 = apply(h.state, h.zxid + 1, next);
  const r2 = apply(back, h.zxid + 1, next);
  assert.deepEqual(r1, r2);
  assert.equal(dumpState(back), h.dump());
});

test("damaged snapshots raise StateFormatError", () => {
  const bytes = encodeSnapshot(richState().state);
  for (const i of [0, 5, 20, bytes.length >> 1, bytes.length - 1]) {
    const flipped = Buffer.from(bytes);
    flipped[i] ^= 1;
    assert.throws(() => decodeSnapshot(flipped), StateFormatError);
  }
  for (const cut of [0, 10, 19, bytes.length - 1]) {
    assert.throws(() => decodeSnapshot(bytes.subarray(0, cut)), StateFormatError);
  }
});
