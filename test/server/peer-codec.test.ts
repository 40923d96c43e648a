// Proves the peer body codec: every Raft message type round-trips field for field (entries
// with term/index/kind/data, snapshot chunks with their configuration), decoded data survives
// the carrier reusing its buffer, the writer/reader primitives the member builds its own kinds
// on round-trip, and malformed bodies (hand-made lies about every field, and thousands of
// random mutations of valid bodies) raise PeerDecodeError and nothing else. Whatever a mutated
// body decodes to re-encodes to exactly that body, so the encoding is canonical.
//
// Last, whole Raft simulations run with every message the real core sends passed through the
// codec: each re-encodes to the same bytes, and the simulated members, which see only the
// decoded copies, still pass every safety and liveness check.
//
// The mutation run replays with CORRAL_FUZZ_SEED=<printed seed>.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import fc from "fast-check";
import { makeMessage } from "../../src/raft/message.js";
import {
  type Entry,
  EntryKind,
  type Message,
  MessageType,
  messageTypeNames,
} from "../../src/raft/types.js";
import {
  decodeRaftMessage,
  encodeRaftMessage,
  PeerDecodeError,
  PeerKind,
  PeerReader,
  PeerWriter,
  peerKind,
} from "../../src/server/peer-codec.js";
import { RaftSimulation, runSimulation } from "../../src/sim/raft-cluster.js";
import { rng } from "../support/rng.js";

const uint = fc.oneof(
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1),
  fc.integer({ min: 0, max: 1000 }),
  fc.maxSafeNat(),
);
const id = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(2 ** 32 - 1));
const data = fc.uint8Array({ maxLength: 64 });
const ascendingIds = fc
  .uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { maxLength: 7 })
  .map((ids) => ids.sort((a, b) => a - b));

/** A valid Raft message of the given type, with the invariants the decoder checks. */
function messageOf(type: MessageType): fc.Arbitrary<Message> {
  const base = fc.record({
    from: id,
    to: id,
    term: fc.integer({ min: 0, max: 2 ** 40 }),
    index: fc.integer({ min: 0, max: 2 ** 52 }),
    commit: uint,
    reject: fc.boolean(),
    rejectHint: uint,
    context: uint,
  });
  if (type === MessageType.append) {
    return fc
      .tuple(
        base,
        fc.array(fc.record({ step: fc.nat(3), kind: fc.constantFrom(0, 1, 2), data }), {
          maxLength: 6,
        }),
        fc.nat(5),
      )
      .map(([b, raw, logTermBelow]) => {
        const logTerm = Math.max(0, b.term - logTermBelow - raw.length * 3);
        let t = logTerm;
        const entries: Entry[] = raw.map((e, i) => {
          t = Math.min(b.term, t + e.step);
          return { term: t, index: b.index + 1 + i, kind: e.kind as EntryKind, data: e.data };
        });
        return makeMessage(type, b.from, b.to, b.term, { ...b, logTerm, entries });
      });
  }
  if (type === MessageType.snapshot) {
    const chunk = fc
      .record({
        index: uint,
        term: uint,
        ids: fc.tuple(ascendingIds, fc.array(fc.boolean(), { maxLength: 7 })),
        offset: fc.integer({ min: 0, max: 2 ** 40 }),
        extra: fc.integer({ min: 0, max: 2 ** 40 }),
        data,
      })
      .map((c) => {
        // Split one ascending list into voters and learners so they stay disjoint.
        const voters = c.ids[0].filter((_, i) => c.ids[1][i] !== true);
        const learners = c.ids[0].filter((_, i) => c.ids[1][i] === true);
        return {
          meta: { index: c.index, term: c.term, conf: { voters, learners } },
          offset: c.offset,
          totalBytes: c.offset + c.data.length + c.extra,
          data: c.data,
        };
      });
    return fc
      .tuple(base, uint, chunk)
      .map(([b, logTerm, snapshot]) =>
        makeMessage(type, b.from, b.to, b.term, { ...b, logTerm, snapshot }),
      );
  }
  return fc
    .tuple(base, uint)
    .map(([b, logTerm]) => makeMessage(type, b.from, b.to, b.term, { ...b, logTerm }));
}

const allTypes = Object.values(MessageType);
const anyMessage = fc.constantFrom(...allTypes).chain(messageOf);

test("every message type round-trips field for field", () => {
  const w = new PeerWriter(16);
  for (const type of allTypes) {
    fc.assert(
      fc.property(messageOf(type), (m) => {
        const body = encodeRaftMessage(w, m);
        assert.equal(peerKind(body), PeerKind.raft);
        assert.deepEqual(decodeRaftMessage(body), m, messageTypeNames[type]);
      }),
      { numRuns: 200 },
    );
  }
});

test("decoded entries and chunk data are copies, not views of the received body", () => {
  const w = new PeerWriter();
  const entries: Entry[] = [
    { term: 3, index: 8, kind: EntryKind.normal, data: Uint8Array.of(1, 2, 3) },
    { term: 3, index: 9, kind: EntryKind.noOp, data: new Uint8Array(0) },
    { term: 4, index: 10, kind: EntryKind.confChange, data: Uint8Array.of(9) },
  ];
  const append = makeMessage(MessageType.append, 1, 2, 4, { index: 7, logTerm: 2, entries });
  // A Buffer, as a socket delivers it: its slice() would be a view, not a copy.
  const received = Buffer.from(encodeRaftMessage(w, append));
  const decoded = decodeRaftMessage(received);
  received.fill(0xee); // the carrier reuses its receive buffer after the handler returns
  assert.deepEqual(decoded, append);
  // One copy per body: every non-empty data field shares it.
  assert.equal(decoded.entries[0].data.buffer, decoded.entries[2].data.buffer);
  assert.notEqual(decoded.entries[0].data.buffer, received.buffer);

  const snapshot = makeMessage(MessageType.snapshot, 1, 2, 4, {
    snapshot: {
      meta: { index: 10, term: 4, conf: { voters: [1, 2, 3], learners: [7] } },
      offset: 100,
      totalBytes: 104,
      data: Uint8Array.of(5, 6, 7, 8),
    },
  });
  const body = encodeRaftMessage(w, snapshot).slice();
  const chunk = decodeRaftMessage(body).snapshot;
  body.fill(0);
  assert.deepEqual(chunk, snapshot.snapshot);

  // A message without data makes no copy at all.
  const beat = makeMessage(MessageType.heartbeat, 1, 2, 4, { commit: 9, context: 3 });
  assert.deepEqual(decodeRaftMessage(encodeRaftMessage(w, beat)), beat);
});

test("the writer and reader primitives round-trip for the member's own kinds", () => {
  const w = new PeerWriter(16);
  w.begin(PeerKind.memberFirst + 2);
  w.u8(255);
  w.u32(2 ** 32 - 1);
  w.f64(-1.5);
  w.f64(Number.NaN);
  w.uint(2 ** 53 - 1);
  w.bool(true);
  w.bytes(Uint8Array.of(4, 5));
  w.string("/zk/ünïcode/😀");
  w.string("");
  const body = w.finish().slice();
  const r = new PeerReader();
  assert.equal(r.reset(body), 18);
  assert.equal(r.u8(), 255);
  assert.equal(r.u32(), 2 ** 32 - 1);
  assert.equal(r.f64(), -1.5);
  assert.ok(Number.isNaN(r.f64()));
  assert.equal(r.uint(), 2 ** 53 - 1);
  assert.equal(r.bool(), true);
  assert.deepEqual(r.bytes(), Uint8Array.of(4, 5));
  assert.equal(r.string(), "/zk/ünïcode/😀");
  assert.equal(r.string(), "");
  r.end();
  assert.throws(() => r.u8(), PeerDecodeError);

  assert.equal(peerKind(Uint8Array.of(63)), 63);
  for (const kind of [1, 15, 64, 255]) {
    assert.throws(() => peerKind(Uint8Array.of(kind)), { code: "kind" });
    assert.throws(() => w.begin(kind), /not a peer message kind/);
  }
  assert.throws(() => peerKind(new Uint8Array(0)), { code: "truncated" });
  assert.throws(() => r.reset(Uint8Array.of(16, 0xff, 0xfe)) && r.string(), PeerDecodeError);
  r.reset(Uint8Array.of(16, 0, 0, 0, 2, 0xc3, 0x28));
  assert.throws(() => r.string(), { code: "value" });
});

/** Offsets of the fixed header fields of a Raft body. */
const at = {
  kind: 0,
  type: 1,
  from: 2,
  to: 6,
  term: 10,
  logTerm: 18,
  index: 26,
  commit: 34,
  reject: 42,
  rejectHint: 43,
  context: 51,
  entryCount: 59,
  firstEntry: 63,
};

function edited(body: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = body.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

test("hand-made lies about every field raise PeerDecodeError with the matching code", () => {
  const w = new PeerWriter();
  const entries: Entry[] = [
    { term: 2, index: 6, kind: EntryKind.normal, data: Uint8Array.of(1) },
    { term: 3, index: 7, kind: EntryKind.normal, data: Uint8Array.of(2) },
  ];
  const append = encodeRaftMessage(
    w,
    makeMessage(MessageType.append, 1, 2, 3, { index: 5, logTerm: 2, entries, commit: 4 }),
  ).slice();
  const snap = encodeRaftMessage(
    w,
    makeMessage(MessageType.snapshot, 1, 2, 3, {
      snapshot: {
        meta: { index: 9, term: 3, conf: { voters: [1, 2], learners: [3] } },
        offset: 0,
        totalBytes: 2,
        data: Uint8Array.of(1, 2),
      },
    }),
  ).slice();
  const beat = encodeRaftMessage(w, makeMessage(MessageType.heartbeat, 1, 2, 3, {})).slice();
  const snapVoters = at.firstEntry + 1 + 16; // after entryCount 0, hasChunk, meta index/term
  const cases: [string, Uint8Array, string][] = [
    ["kind 1", edited(append, (_, b) => (b[at.kind] = 1)), "kind"],
    ["member kind", edited(append, (_, b) => (b[at.kind] = 16)), "kind"],
    ["type 13", edited(append, (_, b) => (b[at.type] = 13)), "kind"],
    ["from 0", edited(append, (v) => v.setUint32(at.from, 0)), "value"],
    ["to 0", edited(append, (v) => v.setUint32(at.to, 0)), "value"],
    ["term 1.5", edited(append, (v) => v.setFloat64(at.term, 1.5)), "value"],
    ["term -1", edited(append, (v) => v.setFloat64(at.term, -1)), "value"],
    ["term -0", edited(append, (v) => v.setFloat64(at.term, -0)), "value"],
    ["term NaN", edited(append, (v) => v.setFloat64(at.term, Number.NaN)), "value"],
    ["term 2^53", edited(append, (v) => v.setFloat64(at.term, 2 ** 53)), "value"],
    ["commit Infinity", edited(append, (v) => v.setFloat64(at.commit, Infinity)), "value"],
    ["reject 2", edited(append, (_, b) => (b[at.reject] = 2)), "value"],
    ["absurd entry count", edited(append, (v) => v.setUint32(at.entryCount, 2 ** 32 - 1)), "count"],
    ["one entry too many", edited(append, (v) => v.setUint32(at.entryCount, 3)), "count"],
    ["entry kind 3", edited(append, (_, b) => (b[at.firstEntry + 16] = 3)), "kind"],
    ["entry index gap", edited(append, (v) => v.setFloat64(at.firstEntry + 8, 7)), "inconsistent"],
    ["entry term back", edited(append, (v) => v.setFloat64(at.firstEntry, 1)), "inconsistent"],
    ["entry term ahead", edited(append, (v) => v.setFloat64(at.term, 2)), "inconsistent"],
    [
      "data length past the end",
      edited(append, (v) => v.setUint32(at.firstEntry + 17, 1000)),
      "count",
    ],
    [
      "entries on a vote",
      edited(append, (_, b) => (b[at.type] = MessageType.vote)),
      "inconsistent",
    ],
    ["trailing byte", Uint8Array.of(...append, 0), "trailing"],
    ["truncated", append.subarray(0, append.length - 1), "truncated"],
    ["header only", append.subarray(0, 20), "truncated"],
    ["empty", new Uint8Array(0), "truncated"],
    [
      "snapshot type without chunk",
      edited(beat, (_, b) => (b[at.type] = MessageType.snapshot)),
      "inconsistent",
    ],
    [
      "chunk on a heartbeat",
      edited(snap, (_, b) => (b[at.type] = MessageType.heartbeat)),
      "inconsistent",
    ],
    ["voter id 0", edited(snap, (v) => v.setUint32(snapVoters + 4, 0)), "value"],
    ["voters descending", edited(snap, (v) => v.setUint32(snapVoters + 4, 5)), "inconsistent"],
    ["learner is a voter", edited(snap, (v) => v.setUint32(snapVoters + 16, 2)), "inconsistent"],
    ["absurd voter count", edited(snap, (v) => v.setUint32(snapVoters, 2 ** 30)), "count"],
    [
      "chunk beyond its total",
      edited(snap, (v) => v.setFloat64(snapVoters + 20 + 8, 1)),
      "inconsistent",
    ],
  ];
  assert.deepEqual(decodeRaftMessage(append).entries.length, 2);
  assert.deepEqual(decodeRaftMessage(snap).snapshot?.meta.conf.learners, [3]);
  for (const [name, body, code] of cases) {
    assert.throws(
      () => decodeRaftMessage(body),
      (err) => err instanceof PeerDecodeError && err.code === code,
      name,
    );
  }
});

test("random mutations of valid bodies raise PeerDecodeError or decode canonically", () => {
  const seed = Number(process.env.CORRAL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  const r = rng(seed);
  const samples = fc.sample(anyMessage, { numRuns: 300, seed });
  const w = new PeerWriter();
  const check = new PeerWriter();
  let rejected = 0;
  let decoded = 0;
  for (let run = 0; run < 6000; run++) {
    const body = encodeRaftMessage(w, r.pick(samples)).slice();
    const mutated = mutate(body, r);
    try {
      const m = decodeRaftMessage(mutated);
      decoded++;
      assert.deepEqual(
        encodeRaftMessage(check, m),
        mutated,
        `seed ${seed} run ${run}: not canonical`,
      );
    } catch (err) {
      if (!(err instanceof PeerDecodeError)) {
        assert.fail(`seed ${seed} run ${run}: ${String(err)} is not a PeerDecodeError`);
      }
      rejected++;
    }
  }
  // Both outcomes must occur, or the mutations are too weak (or too strong) to prove much.
  assert.ok(rejected > 1000 && decoded > 100, `seed ${seed}: ${rejected} / ${decoded}`);
});

function mutate(body: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  const out = body.slice();
  const view = new DataView(out.buffer);
  const edits = 1 + r.int(3);
  let bytes = out;
  for (let k = 0; k < edits; k++) {
    const pos = r.int(bytes.length);
    switch (r.int(8)) {
      case 0:
        bytes[pos] ^= 1 << r.int(8);
        break;
      case 1:
        bytes[pos] = r.int(256);
        break;
      case 2:
        bytes = bytes.subarray(0, pos);
        break;
      case 3:
        bytes = Uint8Array.of(...bytes, ...Array.from({ length: 1 + r.int(8) }, () => r.int(256)));
        break;
      case 4:
        // A length or count field lied about: a u32 anywhere set to a tempting value.
        if (pos + 4 <= bytes.length && bytes === out) {
          view.setUint32(pos, r.pick([0, 1, 2, 0xff, 0xffff, 2 ** 31, 2 ** 32 - 1, pos]));
        }
        break;
      case 5:
        // A number field set to a double that is not a uint, or to a different valid one.
        if (pos + 8 <= bytes.length && bytes === out) {
          view.setFloat64(pos, r.pick([-1, 0.5, 2 ** 53, Number.NaN, -0, 0, 1, 7, 2 ** 40]));
        }
        break;
      case 6:
        // A small number field change: the kind of edit that passes structural checks.
        if (bytes === out && out.length > at.entryCount) {
          view.setFloat64(r.pick([at.term, at.index, at.commit, at.context]), r.int(20));
        }
        break;
      default:
        bytes = bytes.subarray(0, r.int(bytes.length + 1));
    }
  }
  return bytes;
}

test("every message of simulated Raft runs survives the codec, and the runs still pass", () => {
  // The simulator's private send hook, wrapped for this test only: members receive what the
  // codec decoded, never the sender's own object.
  const proto = RaftSimulation.prototype as unknown as { sendMessage(m: Message): void };
  const send = proto.sendMessage;
  const w = new PeerWriter();
  const again = new PeerWriter();
  const seen = new Map<number, number>();
  proto.sendMessage = function (this: unknown, m: Message) {
    const body = encodeRaftMessage(w, m).slice();
    const decoded = decodeRaftMessage(body);
    assert.deepEqual(encodeRaftMessage(again, decoded), body);
    seen.set(m.type, (seen.get(m.type) ?? 0) + 1);
    send.call(this, decoded);
  };
  try {
    for (let seed = 1; seed <= 40; seed++) {
      const result = runSimulation({ seed, events: 2000 });
      assert.ok(result.ok, `seed ${seed}: ${result.failure}`);
    }
  } finally {
    proto.sendMessage = send;
  }
  // The runs exercised the message types that carry the most structure.
  for (const type of [MessageType.append, MessageType.snapshot, MessageType.vote]) {
    assert.ok((seen.get(type) ?? 0) > 0, `no ${messageTypeNames[type]} message was sent`);
  }
});
