// The write-ahead log's on-disk format: segment files of checksummed records.
//
// Segment file "wal-<firstIndex, 20 decimal digits>.log":
//
//   offset  size  field
//   0       4     magic 0x43524c57 ("CRLW")
//   4       2     format version (1)
//   6       2     reserved, 0
//   8       8     firstIndex: index of the first record this segment holds (also in the name)
//   16      4     CRC-32 of bytes 0..16
//   20      ...   records, back to back
//
// Record (one Raft log entry):
//
//   offset  size  field
//   0       4     CRC-32 of bytes 4 .. 26+length (everything after this field)
//   4       4     length: payload bytes
//   8       8     index
//   16      8     term
//   24      1     kind (Raft entry kind)
//   25      1     flags: bit 0 = first record of its write (group commit); other bits 0
//   26      len   payload
//
// All integers are big-endian; u64 values are below 2^53. Records in a segment have
// consecutive indexes starting at firstIndex, and segment k+1 starts right after the last
// index of segment k. There is no end marker: a segment ends where its bytes end.
//
// Reading a segment distinguishes three endings (see scanSegment):
// - clean: every byte belongs to a valid record;
// - torn: from the first bad record on, no valid record that starts a write can be found.
//   The log writes and fsyncs one group-commit batch at a time, so only the last write can
//   be incomplete after a crash, and a disk may persist that write's sectors in any order:
//   valid records of the same write may follow the damage. Recovery cuts the tail off
//   (with a log line); nothing in it was acknowledged, unless bit rot hit the last write.
// - corrupt: a bad record is followed by a valid record that starts a later write. That
//   later write was only issued after the damaged one had been fsynced, so this is damage
//   to acknowledged data, and recovery refuses to start rather than silently drop entries.

import { InvariantError } from "../base/assert.js";
import { checksum, padIndex, readU64, viewOf, writeU64 } from "./bytes.js";
import type { LogEntry } from "./types.js";

export const segmentMagic = 0x43524c57;
export const segmentVersion = 1;
export const segmentHeaderBytes = 20;
export const recordHeaderBytes = 26;
/** Record flag: the record is the first of a group-commit write. */
export const recordFlagWriteStart = 1;
/** Largest payload a record may carry; larger lengths are read as damage. */
export const recordPayloadBytesMax = 64 * 1024 * 1024;

const segmentNamePattern = /^wal-(\d{20})\.log$/;

export function segmentName(firstIndex: number): string {
  return `wal-${padIndex(firstIndex)}.log`;
}

/** The first index a segment file name announces, or -1 if the name is not a segment's. */
export function parseSegmentName(name: string): number {
  const match = segmentNamePattern.exec(name);
  if (match === null) return -1;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) ? value : -1;
}

export function encodeSegmentHeader(firstIndex: number): Uint8Array {
  const bytes = new Uint8Array(segmentHeaderBytes);
  const view = viewOf(bytes);
  view.setUint32(0, segmentMagic);
  view.setUint16(4, segmentVersion);
  view.setUint16(6, 0);
  writeU64(view, 8, firstIndex);
  view.setUint32(16, checksum(bytes, 0, 16));
  return bytes;
}

/** The firstIndex a header holds, or -1 if the header is short or damaged. */
export function decodeSegmentHeader(bytes: Uint8Array): number {
  if (bytes.length < segmentHeaderBytes) return -1;
  const view = viewOf(bytes);
  if (view.getUint32(0) !== segmentMagic || view.getUint16(4) !== segmentVersion) return -1;
  if (view.getUint32(16) !== checksum(bytes, 0, 16)) return -1;
  return readU64(view, 8);
}

/** Bytes a record with a payload of `payloadBytes` takes. */
export function recordBytes(payloadBytes: number): number {
  return recordHeaderBytes + payloadBytes;
}

/** Writes one record into `target` at `offset`; returns the offset after it. */
export function encodeRecord(
  target: Uint8Array,
  view: DataView,
  offset: number,
  index: number,
  term: number,
  kind: number,
  flags: number,
  data: Uint8Array,
): number {
  // Invariants checked with ifs so that no message string is built per record.
  if (data.length > recordPayloadBytesMax)
    throw new InvariantError(`WAL payload too large: ${data.length}`);
  if (!(Number.isInteger(kind) && kind >= 0 && kind <= 255))
    throw new InvariantError(`WAL entry kind not a u8: ${kind}`);
  const end = offset + recordHeaderBytes + data.length;
  if (end > target.length) throw new InvariantError("WAL record does not fit its buffer");
  view.setUint32(offset + 4, data.length);
  writeU64(view, offset + 8, index);
  writeU64(view, offset + 16, term);
  target[offset + 24] = kind;
  target[offset + 25] = flags;
  target.set(data, offset + recordHeaderBytes);
  view.setUint32(offset, checksum(target, offset + 4, end));
  return end;
}

export const SegmentEnding = { clean: 0, torn: 1, corrupt: 2 } as const;
export type SegmentEnding = (typeof SegmentEnding)[keyof typeof SegmentEnding];

export interface SegmentScan {
  /** The segment's first index from its header, or -1 if the header is damaged. */
  firstIndex: number;
  /** Valid records, in order; payloads are views into the scanned bytes. */
  entries: LogEntry[];
  /** Byte offset of each valid record. */
  offsets: number[];
  /** Where the valid records end. */
  validEnd: number;
  ending: SegmentEnding;
  /** For torn and corrupt endings: what was wrong at validEnd. */
  problem: string;
}

/**
 * Checks the record at `offset` and returns its end, or -1 with `why[0]` set. `expected` is
 * the index the record must have (-1: any index above `after`).
 */
function checkRecord(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  expected: number,
  after: number,
  why: string[] | null,
): number {
  if (offset + recordHeaderBytes > bytes.length) {
    if (why)
      why[0] = `a record header needs ${recordHeaderBytes} bytes, ${bytes.length - offset} left`;
    return -1;
  }
  const length = view.getUint32(offset + 4);
  const end = offset + recordHeaderBytes + length;
  if (length > recordPayloadBytesMax || end > bytes.length) {
    if (why) why[0] = `record length ${length} runs past the end of the file`;
    return -1;
  }
  const index = readU64(view, offset + 8);
  if (expected >= 0 ? index !== expected : index <= after) {
    if (why)
      why[0] = `record index ${index} where ${expected >= 0 ? expected : `> ${after}`} was expected`;
    return -1;
  }
  if (readU64(view, offset + 16) < 0 || (bytes[offset + 25] & ~recordFlagWriteStart) !== 0) {
    if (why) why[0] = "record term or flags out of range";
    return -1;
  }
  if (view.getUint32(offset) !== checksum(bytes, offset + 4, end)) {
    if (why) why[0] = `record checksum mismatch (index ${index})`;
    return -1;
  }
  return end;
}

/** Reads every record of a segment file's bytes; never throws on bad data. */
export function scanSegment(bytes: Uint8Array): SegmentScan {
  const scan: SegmentScan = {
    firstIndex: decodeSegmentHeader(bytes),
    entries: [],
    offsets: [],
    validEnd: 0,
    ending: SegmentEnding.clean,
    problem: "",
  };
  if (scan.firstIndex < 0) {
    scan.ending = SegmentEnding.torn;
    scan.problem = "segment header missing or damaged";
    return scan;
  }
  const view = viewOf(bytes);
  let offset = segmentHeaderBytes;
  let index = scan.firstIndex;
  const why = [""];
  while (offset < bytes.length) {
    const end = checkRecord(bytes, view, offset, index, 0, why);
    if (end < 0) break;
    scan.entries.push({
      index,
      term: readU64(view, offset + 16),
      kind: bytes[offset + 24],
      data: bytes.subarray(offset + recordHeaderBytes, end),
    });
    scan.offsets.push(offset);
    offset = end;
    index++;
  }
  scan.validEnd = offset;
  if (offset === bytes.length) return scan;
  scan.problem = `${why[0]} at byte ${offset} of ${bytes.length}`;
  // Is there a valid record starting a later write anywhere after the bad one? Only then is
  // it mid-log damage.
  // Candidates are cheap to reject (length and index first), so the scan is fast even over
  // a long garbage tail; the checksum is computed only for plausible headers.
  for (let at = offset; at + recordHeaderBytes <= bytes.length; at++) {
    if (
      (bytes[at + 25] & recordFlagWriteStart) !== 0 &&
      checkRecord(bytes, view, at, -1, index - 1, null) >= 0
    ) {
      scan.ending = SegmentEnding.corrupt;
      scan.problem += `; a later write's valid record (index ${readU64(view, at + 8)}) follows at byte ${at}`;
      return scan;
    }
  }
  scan.ending = SegmentEnding.torn;
  return scan;
}
