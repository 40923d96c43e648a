// A growing writer of jute's binary archive (the byte layout is in reader.ts), reused across
// encodes so that steady-state encoding allocates nothing but the occasional larger buffer.
//
// Framing: `beginFrame()` reserves the 4-byte big-endian length prefix (zookeeper-protocol.md
// §1) and `finishFrame()` patches it once the body is written, so a record is encoded once,
// straight into its frame. `begin()`/`finish()` do the same without the prefix.
//
// The Buffer returned by finish/finishFrame is a view of the writer's own storage and is valid
// only until the next begin on this writer. Anything that holds on to it (a socket write that
// may complete later, a queue) must copy it first, for example with Buffer.from(view).

import { Buffer } from "node:buffer";
import { assert } from "../base/assert.js";

const twoPow32 = 4294967296;
const twoPow63 = 2 ** 63;
/** Strings up to this many UTF-16 units are encoded by hand when they are ASCII. */
const asciiInlineMax = 64;

export class Writer {
  private bytes: Buffer;
  private pos = 0;

  constructor(initialBytes = 4096) {
    assert(Number.isSafeInteger(initialBytes) && initialBytes >= 16, "initialBytes too small");
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a framed record: the next 4 bytes are the length, patched by finishFrame. */
  beginFrame(): this {
    this.pos = 4;
    return this;
  }

  /** Patches the length prefix and returns the frame (a view, valid until the next begin). */
  finishFrame(): Buffer {
    const b = this.bytes;
    const length = this.pos - 4;
    assert(length >= 0, "finishFrame without beginFrame");
    b[0] = length >>> 24;
    b[1] = length >>> 16;
    b[2] = length >>> 8;
    b[3] = length;
    return b.subarray(0, this.pos);
  }

  /** Starts an unframed record. */
  begin(): this {
    this.pos = 0;
    return this;
  }

  /** Returns the bytes written since begin (a view, valid until the next begin). */
  finish(): Buffer {
    return this.bytes.subarray(0, this.pos);
  }

  /** Bytes written since the last begin or beginFrame (including a reserved prefix). */
  get length(): number {
    return this.pos;
  }

  int(value: number): void {
    if (this.bytes.length - this.pos < 4) this.grow(4);
    const b = this.bytes;
    const p = this.pos;
    b[p] = value >>> 24;
    b[p + 1] = value >>> 16;
    b[p + 2] = value >>> 8;
    b[p + 3] = value;
    this.pos = p + 4;
  }

  /**
   * A JS number as a jute long. Integers in [-2^63, 2^63) are written exactly (a value decoded
   * beyond 2^53 is a double and still splits exactly into two words); 2^63 and above, which a
   * decoded 0x7fff... rounds to, is written as the largest long.
   */
  long(value: number): void {
    if (this.bytes.length - this.pos < 8) this.grow(8);
    let hi: number;
    let lo: number;
    if (value >= twoPow63) {
      hi = 0x7fffffff;
      lo = 0xffffffff;
    } else {
      hi = Math.floor(value / twoPow32);
      lo = value - hi * twoPow32;
    }
    const b = this.bytes;
    const p = this.pos;
    b[p] = hi >>> 24;
    b[p + 1] = hi >>> 16;
    b[p + 2] = hi >>> 8;
    b[p + 3] = hi;
    b[p + 4] = lo >>> 24;
    b[p + 5] = lo >>> 16;
    b[p + 6] = lo >>> 8;
    b[p + 7] = lo;
    this.pos = p + 8;
  }

  /** An exact 64-bit long; values outside the signed range wrap as Java's long would. */
  longBig(value: bigint): void {
    if (this.bytes.length - this.pos < 8) this.grow(8);
    this.bytes.writeBigInt64BE(BigInt.asIntN(64, value), this.pos);
    this.pos += 8;
  }

  boolean(value: boolean): void {
    if (this.bytes.length - this.pos < 1) this.grow(1);
    this.bytes[this.pos++] = value ? 1 : 0;
  }

  /** A jute buffer; null is written as length -1, distinct from an empty buffer. */
  buffer(value: Uint8Array | null): void {
    if (value === null) {
      this.int(-1);
      return;
    }
    const length = value.length;
    this.int(length);
    if (this.bytes.length - this.pos < length) this.grow(length);
    this.bytes.set(value, this.pos);
    this.pos += length;
  }

  /** A jute ustring in UTF-8; null is written as length -1. */
  ustring(value: string | null): void {
    if (value === null) {
      this.int(-1);
      return;
    }
    const units = value.length;
    // A UTF-16 unit becomes at most 3 bytes of UTF-8, so this reserve is always enough and
    // lets us encode in place and patch the length afterwards, without measuring first.
    if (this.bytes.length - this.pos < 4 + 3 * units) this.grow(4 + 3 * units);
    const b = this.bytes;
    const start = this.pos + 4;
    let written = -1;
    if (units <= asciiInlineMax) {
      // Paths and names are short and ASCII: a plain loop beats a call into the runtime.
      let i = 0;
      for (; i < units; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      if (i === units) written = units;
    }
    if (written < 0) written = b.write(value, start, "utf8");
    const p = this.pos;
    b[p] = written >>> 24;
    b[p + 1] = written >>> 16;
    b[p + 2] = written >>> 8;
    b[p + 3] = written;
    this.pos = start + written;
  }

  /** A vector count; -1 for null. The caller writes the elements. */
  vectorCount(count: number): void {
    this.int(count);
  }

  private grow(needed: number): void {
    const size = Math.max(this.bytes.length * 2, this.pos + needed);
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, this.pos);
    this.bytes = next;
  }
}
