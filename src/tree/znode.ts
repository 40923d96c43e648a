// One znode in memory. Every node has the same shape (all fields set in the constructor,
// numbers only, no BigInt) so V8 keeps one hidden class for a million of them. The node does
// not store its own path: the tree's map key is the path, and the parent's child set holds
// the name. ACL lists are interned (AclEntry), data is a Uint8Array or null (null and empty
// are different to clients).

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
  data: Uint8Array | null;
  acl: AclEntry;
  /** Names of the children, or null while there are none (most nodes are leaves). */
  children: Set<string> | null;
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

  constructor(
    data: Uint8Array | null,
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
