// A bounds-checked reader of jute's binary archive (zookeeper-protocol.md §2) over one
// received frame. Layout of the primitives, all big-endian two's complement:
//
//   int      4 bytes
//   long     8 bytes
//   boolean  1 byte: 0 is false, anything else is true (as ZooKeeper's decoder reads it)
//   buffer   int length L, then L bytes; L = -1 is null
//   ustring  int length L (bytes), then L bytes of UTF-8; L = -1 is null
//   vector   int count C, then C elements; C = -1 is null
//
// One Reader is meant to be reused for every frame of a connection: `reset` points it at the
// next frame, so decoding allocates only the records themselves. Byte buffers come back as
// views (subarray) into the received bytes, never copies: a caller that keeps one beyond the
// life of the received buffer (the data tree storing znode data, for example) must copy it.
//
// Hostile input: every length is checked against the bytes left in the frame and against
// `lengthMax` (ZooKeeper's jute.maxbuffer plus its extra allowance, §1), and every vector count
// against the bytes left divided by the smallest element, before anything is allocated. So no
// frame can make us allocate more than its own size, and every failure is a DecodeError.

import { Buffer } from "node:buffer";
import { assert } from "../base/assert.js";
import { packetBytesExtraMin, packetBytesMaxDefault } from "../base/limits.js";
import { DecodeError } from "./decode-error.js";

const twoPow32 = 4294967296;
const emptyBuffer = Buffer.alloc(0);
/** Strings up to this many bytes are decoded by hand when they are ASCII. */
const asciiInlineMax = 12;

/**
 * The largest buffer or string length ZooKeeper's decoder accepts inside a frame for a given
 * jute.maxbuffer: maxbuffer plus the "extra" allowance, which defaults to maxbuffer and is at
 * least 1024 bytes (BinaryInputArchive.checkLength).
 */
export function juteLengthMax(packetBytesMax: number = packetBytesMaxDefault): number {
  return packetBytesMax + Math.max(packetBytesMax, packetBytesExtraMin);
}

export class Reader {
  /** Largest accepted buffer or string length in bytes. */
  readonly lengthMax: number;
  private bytes: Buffer = emptyBuffer;
  private pos = 0;
  private end = 0;

  constructor(lengthMax: number = juteLengthMax()) {
    assert(Number.isSafeInteger(lengthMax) && lengthMax >= 0, "lengthMax must be a count");
    this.lengthMax = lengthMax;
  }

  /** Points the reader at `bytes[start, end)` and returns it, ready to decode from `start`. */
  reset(bytes: Uint8Array, start = 0, end: number = bytes.length): this {
    assert(0 <= start && start <= end && end <= bytes.length, "reader range outside the bytes");
    this.bytes = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Offset of the next byte to read, relative to the start of the bytes given to `reset`. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes not read yet. ZooKeeper ignores trailing bytes; callers may check this. */
  get remaining(): number {
    return this.end - this.pos;
  }

  int(): number {
    const p = this.pos;
    if (this.end - p < 4) this.truncated(4);
    const b = this.bytes;
    this.pos = p + 4;
    return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
  }

  /**
   * A jute long as a JS number: exact up to 2^53, otherwise the nearest double. hi * 2^32 is
   * exact, so adding the unsigned low word rounds exactly once.
   */
  long(): number {
    const p = this.pos;
    if (this.end - p < 8) this.truncated(8);
    const b = this.bytes;
    this.pos = p + 8;
    const hi = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
    const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    return hi * twoPow32 + lo;
  }

  /** A jute long as an exact signed 64-bit bigint (session ids from foreign clients). */
  longBig(): bigint {
    const p = this.pos;
    if (this.end - p < 8) this.truncated(8);
    this.pos = p + 8;
    return this.bytes.readBigInt64BE(p);
  }

  boolean(): boolean {
    const p = this.pos;
    if (this.end - p < 1) this.truncated(1);
    this.pos = p + 1;
    return this.bytes[p] !== 0;
  }

  /** A jute buffer as a view into the received bytes (copy it to keep it), or null. */
  buffer(): Buffer | null {
    const length = this.length();
    if (length < 0) return null;
    const p = this.pos;
    this.pos = p + length;
    return this.bytes.subarray(p, p + length);
  }

  /** A jute ustring decoded as UTF-8 (malformed sequences become U+FFFD), or null. */
  ustring(): string | null {
    const length = this.length();
    if (length < 0) return null;
    const p = this.pos;
    this.pos = p + length;
    if (length <= asciiInlineMax) {
      // Names and short paths are ASCII; building them here skips the runtime call, which
      // costs more than the whole loop for strings this short (see bench/codec.ts).
      const b = this.bytes;
      let text = "";
      let i = p;
      for (; i < p + length; i++) {
        const c = b[i];
        if (c >= 0x80) break;
        text += String.fromCharCode(c);
      }
      if (i === p + length) return text;
    }
    return this.bytes.toString("utf8", p, p + length);
  }

  /** A ustring that the record requires to be present (paths, ACL schemes...). */
  string(): string {
    const at = this.pos;
    const value = this.ustring();
    if (value === null) throw new DecodeError("null", "null string where a value is required", at);
    return value;
  }

  /**
   * A vector count: -1 for null, otherwise a count whose elements, each at least
   * `elementBytesMin` long, fit in the bytes left. Checking before the caller loops means a
   * lying count is refused before anything is allocated for it.
   */
  vectorCount(elementBytesMin: number): number {
    const at = this.pos;
    const count = this.int();
    if (count === -1) return -1;
    if (count < 0 || count * elementBytesMin > this.end - this.pos) {
      throw new DecodeError("count", `vector count ${count} does not fit the frame`, at);
    }
    return count;
  }

  /** Reads a buffer/string length and checks it; -1 (null) is passed through. */
  private length(): number {
    const at = this.pos;
    const length = this.int();
    if (length === -1) return -1;
    if (length < 0 || length > this.lengthMax) {
      throw new DecodeError("length", `unreasonable length ${length}`, at);
    }
    if (length > this.end - this.pos) {
      throw new DecodeError("truncated", `length ${length} runs past the end of the frame`, at);
    }
    return length;
  }

  private truncated(needed: number): never {
    throw new DecodeError(
      "truncated",
      `needed ${needed} bytes, ${this.end - this.pos} left in the frame`,
      this.pos,
    );
  }
}
