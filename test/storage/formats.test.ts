// Pins the on-disk byte layouts documented at the top of wal-format.ts, snapshot-file.ts
// and hard-state-file.ts (a change to them must be deliberate), and proves scanSegment
// tells a clean segment, a torn tail and mid-log damage apart on hand-made bytes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import {
  decodeSnapshot,
  encodeSnapshotHeader,
  parseSnapshotName,
  snapshotName,
} from "../../src/storage/snapshot-file.js";
import {
  encodeRecord,
  encodeSegmentHeader,
  parseSegmentName,
  recordFlagWriteStart,
  SegmentEnding,
  scanSegment,
  segmentName,
} from "../../src/storage/wal-format.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function record(
  index: number,
  term: number,
  data: number[],
  flags = recordFlagWriteStart,
): Uint8Array {
  const bytes = new Uint8Array(26 + data.length);
  encodeRecord(bytes, new DataView(bytes.buffer), 0, index, term, 2, flags, new Uint8Array(data));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

test("record and segment header layouts", () => {
  const r = record(2 ** 32 + 5, 7, [0xaa, 0xbb]);
  const body = "00000002" + "0000000100000005" + "0000000000000007" + "02" + "01" + "aabb";
  const crc = crc32(Buffer.from(body, "hex")).toString(16).padStart(8, "0");
  assert.equal(hex(r), crc + body);
  const h = encodeSegmentHeader(300);
  const head = "43524c57" + "0001" + "0000" + "000000000000012c";
  assert.equal(hex(h), head + crc32(Buffer.from(head, "hex")).toString(16).padStart(8, "0"));
  assert.equal(segmentName(300), "wal-00000000000000000300.log");
  assert.equal(parseSegmentName("wal-00000000000000000300.log"), 300);
  assert.equal(parseSegmentName("wal-300.log"), -1);
  assert.equal(snapshotName(42), "snap-00000000000000000042.snap");
  assert.equal(parseSnapshotName("snap-00000000000000000042.snap.tmp"), -1);
});

test("snapshot layout round-trips and rejects damage", () => {
  const meta = { lastIndex: 9, lastTerm: 3, config: new Uint8Array([1, 2]) };
  const state = new Uint8Array([5, 6, 7]);
  const header = encodeSnapshotHeader(meta, state.length);
  assert.equal(
    hex(header.subarray(0, 36)),
    "43524c53" +
      "0001" +
      "0000" +
      "0000000000000009" +
      "0000000000000003" +
      "00000002" +
      "0000000000000003",
  );
  const body = concat(meta.config, state);
  const trailer = new Uint8Array(4);
  new DataView(trailer.buffer).setUint32(0, crc32(body));
  const file = concat(header, body, trailer);
  const decoded = decodeSnapshot(file);
  assert.ok(typeof decoded !== "string");
  assert.deepEqual(decoded.meta, meta);
  assert.deepEqual(decoded.state, state);
  file[42] ^= 1;
  assert.equal(decodeSnapshot(file), "body checksum mismatch");
  assert.match(String(decodeSnapshot(file.subarray(0, 30))), /too short/);
});

test("scanSegment: clean, torn and corrupt endings", () => {
  const header = encodeSegmentHeader(1);
  const r1 = record(1, 1, [1, 2, 3]);
  const r2 = record(2, 1, [4], 0); // same write as r1
  const r3 = record(3, 2, [5, 6]); // a later write
  const clean = scanSegment(concat(header, r1, r2, r3));
  assert.equal(clean.ending, SegmentEnding.clean);
  assert.deepEqual(
    clean.entries.map((e) => [e.index, e.term, e.kind, [...e.data]]),
    [
      [1, 1, 2, [1, 2, 3]],
      [2, 1, 2, [4]],
      [3, 2, 2, [5, 6]],
    ],
  );
  // A cut in the last record: torn, the first two kept.
  const cut = scanSegment(concat(header, r1, r2, r3.subarray(0, 10)));
  assert.equal(cut.ending, SegmentEnding.torn);
  assert.equal(cut.entries.length, 2);
  assert.equal(cut.validEnd, header.length + r1.length + r2.length);
  // r1 damaged, r2 (same write) valid after it: still torn (sectors landed out of order).
  const damaged1 = concat(header, r1, r2);
  damaged1[header.length + 27] ^= 0xff;
  assert.equal(scanSegment(damaged1).ending, SegmentEnding.torn);
  // r2 damaged with r3, a later write, valid after it: corrupt.
  const damaged2 = concat(header, r1, r2, r3);
  damaged2[header.length + r1.length + 26] ^= 0xff; // r2's payload byte
  const corrupt = scanSegment(damaged2);
  assert.equal(corrupt.ending, SegmentEnding.corrupt);
  assert.equal(corrupt.entries.length, 1);
  assert.match(
    corrupt.problem,
    /checksum mismatch \(index 2\).*later write's valid record \(index 3\)/,
  );
  // Zeros after the records: torn.
  assert.equal(scanSegment(concat(header, r1, new Uint8Array(100))).ending, SegmentEnding.torn);
  // Wrong index sequence: the record is not accepted.
  const gap = scanSegment(concat(header, r1, r3));
  assert.equal(gap.entries.length, 1);
  assert.equal(gap.ending, SegmentEnding.corrupt);
  // A bad header is reported as such.
  assert.equal(scanSegment(new Uint8Array(10)).firstIndex, -1);
});
