// One znode in memory. Every node has the same shape (all fields set in the constructor,
// numbers only, no BigInt) so V8 keeps one hidden class for a million of them. The node does
// not store its own path: its parent's child map holds it under its name. ACL lists are interned (AclEntry).
//
// Data is kept as a latin1 string, one char per byte, or null (null and empty are different
// to clients). A one-byte string costs its length plus a 16-byte header, where a Uint8Array
// view costs about 100 bytes of object before its first data byte: for the typical small
// znode that is a fifth of the tree's memory. Reads turn it back into bytes (dataBytes).

import { Buffer } from "node:buffer";
import type { Stat } from "../protocol/records.js";
import type { AclEntry } from "./acl.js";

/** What kind of node, which decides Stat.ephemeralOwner and reaping (§9.4, §9.6). */
export const NodeKind = {
  persistent: 0,
  ephemeral: 1,
  container: 2,
  ttl: 3,
} as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

export class Znode {
  /** The data bytes as a latin1 string, or null. */
  data: string | null;
  acl: AclEntry;
  /** The children by name, or null while there are none (most nodes are leaves). */
  children: Map<string, Znode> | null;
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  aversion: number;
  /**
   * ZooKeeper's stored "cversion": the count of child creations, int32, never decreased by a
   * delete. Clients see 2*C - numChildren (§9.2); the sequence suffix is C itself (§9.3).
   */
  childCreations: number;
  kind: NodeKind;
  /** Session id of an ephemeral node, TTL in ms of a TTL node, otherwise 0. */
  owner: number;
  /**
   * The snapshot image this node has been handled for: written out, or its state kept aside
   * before a change (src/state/snapshot-writer.ts). Not part of the node's state.
   */
  imageMark: number;
  /**
   * What this node adds to the tree digest now (its digest when last counted, as an int32 so
   * it stays a small integer in V8; 0 while not counted). Not part of the node's state.
   */
  digestCounted: number;

  constructor(
    data: string | null,
    acl: AclEntry,
    zxid: number,
    timeMs: number,
    kind: NodeKind,
    owner: number,
  ) {
    this.data = data;
    this.acl = acl;
    this.children = null;
    this.czxid = zxid;
    this.mzxid = zxid;
    this.pzxid = zxid;
    this.ctime = timeMs;
    this.mtime = timeMs;
    this.version = 0;
    this.aversion = 0;
    this.childCreations = 0;
    this.kind = kind;
    this.owner = owner;
    this.imageMark = 0;
    this.digestCounted = 0;
  }

  get numChildren(): number {
    return this.children === null ? 0 : this.children.size;
  }

  /** The cversion clients see: 2*C - numChildren in Java int arithmetic. */
  get cversion(): number {
    return (Math.imul(this.childCreations, 2) - this.numChildren) | 0;
  }

  /** Stat.ephemeralOwner as clients see it: only real ephemerals show their session. */
  get ephemeralOwner(): number {
    return this.kind === NodeKind.ephemeral ? this.owner : 0;
  }

  get dataLength(): number {
    return this.data === null ? 0 : this.data.length;
  }
}

/** The stored form of data bytes: a latin1 string holding a copy of them. */
export function storedData(data: Uint8Array | null): string | null {
  if (data === null) return null;
  if (data.length === 0) return "";
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
}

/** A node's data as bytes (a fresh Buffer), as replies carry it. */
export function dataBytes(node: Znode): Buffer | null {
  return node.data === null ? null : Buffer.from(node.data, "latin1");
}

export function statOf(node: Znode): Stat {
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    cversion: node.cversion,
    aversion: node.aversion,
    ephemeralOwner: node.ephemeralOwner,
    dataLength: node.dataLength,
    numChildren: node.numChildren,
    pzxid: node.pzxid,
  };
}
