// The tree digest, computed exactly as ZooKeeper 3.6+ computes its own (DigestCalculator,
// digest version 2, on by default through zookeeper.digest.enabled), so that two members'
// trees can be compared by one number and a Corral digest can be checked against a real
// ZooKeeper's `hash` answer for the same nodes.
//
// A node's digest is the CRC-32 (IEEE, as java.util.zip.CRC32 and zlib) of, in this order:
//
//   path     UTF-8 bytes of the node's path; the root is hashed as "" (not "/")
//   data     the node's data bytes (nothing when the data is null or empty)
//   stat     60 bytes, big-endian, the fields ZooKeeper persists (StatPersisted):
//              i64 czxid, i64 mzxid, i64 pzxid, i64 ctime, i64 mtime,
//              i32 version, i32 cversion, i32 aversion, i64 ephemeralOwner
//
// where cversion is the stored count of child creations (Znode.childCreations; clients see
// 2*C - numChildren) and ephemeralOwner is the persisted value, which for a container is
// 0x8000000000000000 and for a TTL node 0xFF00000000000000 | ttlMs (EphemeralType), although
// clients see 0 for both. Nodes below "/zookeeper/" (quota and config nodes) count 0; the
// node "/zookeeper" itself counts.
//
// The tree's digest is the sum of every node's digest modulo 2^64 (ZooKeeper's AdHash); the
// data tree keeps it (DataTree.digestNow). It is shown as a signed 64-bit decimal, as Java
// prints a long.

import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";
import { NodeKind, type Znode } from "./znode.js";

const twoTo32 = 0x1_0000_0000;
/** ZooKeeper excludes everything below this prefix from the digest. */
const excludedPrefix = "/zookeeper/";
/**
 * Data at least this long is handed to zlib's crc32 (native, fast per byte, but with a fixed
 * cost per call of about a microsecond); shorter data, the path and the stat block are hashed
 * here in JavaScript, which for a typical node (a short path, some tens of bytes of data and
 * the 60-byte stat) is several times cheaper than three native calls.
 */
const nativeDataBytesMin = 1024;

/**
 * The CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) tables for slicing by four:
 * t0 is the classic byte table, t1..t3 advance a byte through one, two and three more zero
 * bytes, so four bytes cost four lookups and no loop.
 */
const t0 = new Int32Array(256);
const t1 = new Int32Array(256);
const t2 = new Int32Array(256);
const t3 = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  t0[n] = c;
}
for (let n = 0; n < 256; n++) {
  t1[n] = t0[t0[n] & 0xff] ^ (t0[n] >>> 8);
  t2[n] = t0[t1[n] & 0xff] ^ (t1[n] >>> 8);
  t3[n] = t0[t2[n] & 0xff] ^ (t2[n] >>> 8);
}

// The running CRC is kept inverted (the register), as the table algorithm works on it; a
// finished CRC is ~register >>> 0.
function crcByte(register: number, byte: number): number {
  return t0[(register ^ byte) & 0xff] ^ (register >>> 8);
}

/** Four bytes, the first in the low 8 bits of `word`. */
function crcWord(register: number, word: number): number {
  const x = register ^ word;
  return t3[x & 0xff] ^ t2[(x >>> 8) & 0xff] ^ t1[(x >>> 16) & 0xff] ^ t0[x >>> 24];
}

/** Big-endian 32 bits. */
function crcU32(register: number, value: number): number {
  // Byte-swapped, so the most significant byte goes first.
  const swapped =
    ((value >>> 24) & 0xff) | ((value >>> 8) & 0xff00) | ((value & 0xff00) << 8) | (value << 24);
  return crcWord(register, swapped);
}

/** A non-negative safe integer as a big-endian 64-bit long. */
function crcLong(register: number, value: number): number {
  return crcU32(crcU32(register, Math.floor(value / twoTo32)), value >>> 0);
}

/** The UTF-8 bytes of a string (Java's String.getBytes() on a UTF-8 platform). */
function crcUtf8(register: number, text: string): number {
  let r = register;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      r = crcByte(r, c);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // An unpaired surrogate has no UTF-8 form; Java's getBytes writes "?" for it.
    if (c >= 0xd800 && c < 0xe000) {
      r = crcByte(r, 0x3f);
    } else if (c < 0x800) {
      r = crcByte(crcByte(r, 0xc0 | (c >>> 6)), 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      r = crcByte(
        crcByte(crcByte(r, 0xe0 | (c >>> 12)), 0x80 | ((c >>> 6) & 0x3f)),
        0x80 | (c & 0x3f),
      );
    } else {
      r = crcByte(r, 0xf0 | (c >>> 18));
      r = crcByte(r, 0x80 | ((c >>> 12) & 0x3f));
      r = crcByte(r, 0x80 | ((c >>> 6) & 0x3f));
      r = crcByte(r, 0x80 | (c & 0x3f));
    }
  }
  return r;
}

let dataScratch = Buffer.alloc(nativeDataBytesMin * 4);

/** Data bytes held as a latin1 string (one char per byte). */
function crcLatin1(register: number, data: string): number {
  if (data.length < nativeDataBytesMin) {
    let r = register;
    const words = data.length & ~3;
    let i = 0;
    for (; i < words; i += 4) {
      r = crcWord(
        r,
        data.charCodeAt(i) |
          (data.charCodeAt(i + 1) << 8) |
          (data.charCodeAt(i + 2) << 16) |
          (data.charCodeAt(i + 3) << 24),
      );
    }
    for (; i < data.length; i++) r = crcByte(r, data.charCodeAt(i));
    return r;
  }
  if (data.length > dataScratch.length) dataScratch = Buffer.alloc(data.length * 2);
  const n = dataScratch.write(data, 0, "latin1");
  return ~crc32(dataScratch.subarray(0, n), ~register >>> 0);
}

/** The persisted ephemeralOwner as two big-endian 32-bit halves. */
function crcOwner(register: number, node: Znode): number {
  switch (node.kind) {
    case NodeKind.ephemeral:
      return crcLong(register, node.owner);
    case NodeKind.container:
      return crcU32(crcU32(register, 0x8000_0000), 0);
    case NodeKind.ttl:
      // The TTL (at most 2^40 - 1 ms) sits in the low 40 bits under the 0xFF marker byte.
      return crcU32(
        crcU32(register, (0xff00_0000 | Math.floor(node.owner / twoTo32)) >>> 0),
        node.owner >>> 0,
      );
    default:
      return crcU32(crcU32(register, 0), 0);
  }
}

/** One node's digest (an unsigned 32-bit value), or 0 for nodes ZooKeeper leaves out. */
export function nodeDigest(path: string, node: Znode): number {
  if (path.startsWith(excludedPrefix)) return 0;
  let r = ~0;
  if (path !== "/") r = crcUtf8(r, path);
  if (node.data !== null) r = crcLatin1(r, node.data);
  r = crcLong(r, node.czxid);
  r = crcLong(r, node.mzxid);
  r = crcLong(r, node.pzxid);
  r = crcLong(r, node.ctime);
  r = crcLong(r, node.mtime);
  r = crcU32(r, node.version);
  r = crcU32(r, node.childCreations);
  r = crcU32(r, node.aversion);
  r = crcOwner(r, node);
  return ~r >>> 0;
}

/**
 * A sum modulo 2^64 of unsigned 32-bit values, held as two exact numbers (ZooKeeper's
 * AdHash). A plain number would lose bits past 2^53, about two million nodes.
 */
export class TreeDigest {
  /** Low 32 bits of the sum. */
  private low = 0;
  /** High 32 bits of the sum. */
  private high = 0;

  add(digest: number): void {
    const sum = this.low + digest;
    if (sum >= twoTo32) {
      this.low = sum - twoTo32;
      this.high = (this.high + 1) >>> 0;
    } else {
      this.low = sum;
    }
  }

  remove(digest: number): void {
    const difference = this.low - digest;
    if (difference < 0) {
      this.low = difference + twoTo32;
      this.high = (this.high - 1) >>> 0;
    } else {
      this.low = difference;
    }
  }

  /** The digest as Java prints the long: signed decimal. */
  toString(): string {
    // Formatting only: a 64-bit value is not exact as a number, so BigInt does the printing.
    return BigInt.asIntN(64, (BigInt(this.high) << 32n) | BigInt(this.low)).toString();
  }

  equals(other: TreeDigest): boolean {
    return this.low === other.low && this.high === other.high;
  }
}
