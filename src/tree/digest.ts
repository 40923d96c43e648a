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
// The tree's digest is the sum of every node's digest modulo 2^64 (ZooKeeper's AdHash), kept
// up to date by subtracting a node's digest before it changes and adding it back after. It
// is shown as a signed 64-bit decimal, as Java prints a long.

import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";
import { NodeKind, type Znode } from "./znode.js";

const twoTo32 = 0x1_0000_0000;
const statBytes = 60;
/** ZooKeeper excludes everything below this prefix from the digest. */
const excludedPrefix = "/zookeeper/";

/** Scratch space for one node's stat block and data; nodes are hashed one at a time. */
const statBlock = Buffer.alloc(statBytes);
let dataScratch = Buffer.alloc(1024);

function putLong(offset: number, value: number): void {
  // Every long Corral stores here is a non-negative safe integer.
  statBlock.writeUInt32BE(Math.floor(value / twoTo32), offset);
  statBlock.writeUInt32BE(value >>> 0, offset + 4);
}

/** The persisted ephemeralOwner's two 32-bit halves (high, low) for a node. */
function putOwner(offset: number, node: Znode): void {
  switch (node.kind) {
    case NodeKind.ephemeral:
      putLong(offset, node.owner);
      return;
    case NodeKind.container:
      statBlock.writeUInt32BE(0x8000_0000, offset);
      statBlock.writeUInt32BE(0, offset + 4);
      return;
    case NodeKind.ttl:
      // The TTL (at most 2^40 - 1 ms) sits in the low 40 bits under the 0xFF marker byte.
      statBlock.writeUInt32BE((0xff00_0000 | Math.floor(node.owner / twoTo32)) >>> 0, offset);
      statBlock.writeUInt32BE(node.owner >>> 0, offset + 4);
      return;
    default:
      statBlock.writeUInt32BE(0, offset);
      statBlock.writeUInt32BE(0, offset + 4);
  }
}

/** One node's digest (an unsigned 32-bit value), or 0 for nodes ZooKeeper leaves out. */
export function nodeDigest(path: string, node: Znode): number {
  if (path.startsWith(excludedPrefix)) return 0;
  putLong(0, node.czxid);
  putLong(8, node.mzxid);
  putLong(16, node.pzxid);
  putLong(24, node.ctime);
  putLong(32, node.mtime);
  statBlock.writeInt32BE(node.version, 40);
  statBlock.writeInt32BE(node.childCreations, 44);
  statBlock.writeInt32BE(node.aversion, 48);
  putOwner(52, node);
  let crc = path === "/" ? 0 : crc32(path);
  const data = node.data;
  if (data !== null && data.length > 0) {
    if (data.length > dataScratch.length) dataScratch = Buffer.alloc(data.length * 2);
    const n = dataScratch.write(data, 0, "latin1");
    crc = crc32(dataScratch.subarray(0, n), crc);
  }
  return crc32(statBlock, crc);
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
