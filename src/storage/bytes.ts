// Byte helpers shared by the storage formats. Every integer on disk is big-endian. Indexes
// and terms are plain JS numbers (below 2^53, see docs/architecture.md) stored as u64: the
// high 32 bits then the low 32 bits, so no BigInt is needed on the hot path.

import { crc32 } from "node:zlib";
import { InvariantError } from "../base/assert.js";

const two32 = 2 ** 32;

export function writeU64(view: DataView, offset: number, value: number): void {
  // Checked with an if, not assert(): the message must not be built on the hot path.
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw new InvariantError(`u64 value out of range: ${value}`);
  view.setUint32(offset, Math.floor(value / two32));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads a u64; returns -1 when it does not fit a safe integer (only corrupt data does that). */
export function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset);
  if (high >= 0x200000) return -1;
  return high * two32 + view.getUint32(offset + 4);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** CRC-32 (zlib's polynomial) of bytes[start, end), continuing from `initial`. */
export function checksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  return crc32(bytes.subarray(start, end), initial) >>> 0;
}

/** A fixed-width decimal, so that file names sort in index order. */
export function padIndex(index: number): string {
  return String(index).padStart(20, "0");
}
