// A small little-endian byte writer and a bounds-checked reader for Corral's own formats (log
// entries and snapshots). These formats are not jute: they never meet a ZooKeeper client, so
// they use what is cheapest for us (float64 for numbers that may pass 2^31, int32 elsewhere,
// UTF-8 strings with an int32 length, -1 for null). Reading past the end or a nonsensical
// length raises StateFormatError, never a RangeError from deep inside Buffer.

import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";
import { assert } from "../base/assert.js";

export class StateFormatError extends Error {
  override readonly name = "StateFormatError";
}

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  /**
   * In part mode (partBytes > 0) a full buffer is sealed here and a new one started, instead
   * of growing and copying: a snapshot of a large tree never moves its bytes once written.
   */
  private readonly sealed: Buffer[] | null;
  /** CRC-32 of the sealed parts, kept as they are sealed so no step checksums it all at once. */
  private sealedCrc = 0;

  constructor(
    initialBytes = 256,
    private readonly partBytes = 0,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, partBytes));
    this.sealed = partBytes > 0 ? [] : null;
  }

  get length(): number {
    let total = this.pos;
    if (this.sealed !== null) for (const p of this.sealed) total += p.length;
    return total;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sealed !== null) {
      if (this.pos > 0) {
        const part = this.buf.subarray(0, this.pos);
        this.sealed.push(part);
        this.sealedCrc = crc32(part, this.sealedCrc);
      }
      this.buf = Buffer.allocUnsafe(Math.max(this.partBytes, n));
      this.pos = 0;
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Part mode: the CRC-32 (zlib's) of every byte written so far. */
  crcSoFar(): number {
    return crc32(this.buf.subarray(0, this.pos), this.sealedCrc);
  }

  /** Part mode: every byte written, as parts that read back to back. */
  parts(): Buffer[] {
    const out = this.sealed === null ? [] : [...this.sealed];
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    return out;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(v: Uint8Array | null): void {
    if (v === null) {
      this.i32(-1);
      return;
    }
    this.i32(v.length);
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** A latin1 string (stored znode data) as its bytes, in the same layout as bytes(). */
  latin1(v: string | null): void {
    if (v === null) {
      this.i32(-1);
      return;
    }
    this.i32(v.length);
    this.room(v.length);
    this.pos += this.buf.write(v, this.pos, "latin1");
  }

  str(v: string): void {
    // Worst case 3 bytes per UTF-16 unit; write in place, then patch the length.
    this.room(4 + v.length * 3);
    const n = this.buf.write(v, this.pos + 4, "utf8");
    this.buf.writeInt32LE(n, this.pos);
    this.pos += 4 + n;
  }

  /** Starts over, keeping the buffer: one writer serves every entry a member encodes. */
  reset(): this {
    assert(this.sealed === null, "ByteWriter.reset() in part mode");
    this.pos = 0;
    return this;
  }

  /** The bytes written so far (a view; valid until the next write). */
  view(): Buffer {
    assert(this.sealed === null, "ByteWriter.view() in part mode");
    return this.buf.subarray(0, this.pos);
  }

  /** A right-sized copy of the bytes written. */
  finish(): Buffer {
    return Buffer.from(this.view());
  }
}

export class ByteReader {
  private readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new StateFormatError(`truncated: need ${n} bytes at ${this.pos} of ${this.end}`);
    }
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view into the input (callers that keep it copy it). */
  bytes(): Uint8Array | null {
    const n = this.i32();
    if (n === -1) return null;
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Bytes written by ByteWriter.latin1 (or bytes()), as a latin1 string or null. */
  latin1(): string | null {
    const n = this.i32();
    if (n === -1) return null;
    this.need(n);
    const v = this.buf.toString("latin1", this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  str(): string {
    const n = this.i32();
    this.need(n);
    const v = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A count of items that each take at least `minBytes`: refuses counts the input cannot hold. */
  count(minBytes: number): number {
    const n = this.u32();
    if (n * minBytes > this.remaining) throw new StateFormatError(`count ${n} exceeds input`);
    return n;
  }
}
