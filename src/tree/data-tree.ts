// The data tree: every znode by path, with the bookkeeping ZooKeeper's DataTree keeps beside
// the nodes (ephemerals per session, the container and TTL indexes the reaper reads, quota
// paths and their live stats). The mutation primitives here apply ZooKeeper's Stat rules
// (zookeeper-protocol.md §9.1) but make no permission or precondition checks: the state
// machine (src/state/apply.ts) checks in ZooKeeper's order first, then calls them.
//
// Nodes hang off their parents (a child map per node, keyed by name) and there is no global
// path map: a path is looked up by walking its segments. That costs a few short map lookups
// per access and saves the path string and a hash entry per node, about 60 bytes, which is a
// sixth of a small znode's footprint.
//
// Multi is all-or-nothing. Instead of ZooKeeper's shadow "change records", the tree keeps an
// undo log while a multi runs: each primitive records how to reverse itself, and a failing
// multi rolls back in reverse order. This keeps one code path for single writes and multi.

import { assert } from "../base/assert.js";
import type { ACL } from "../protocol/records.js";
import { AclTable, openAclUnsafe, readAclUnsafe } from "./acl.js";
import { nodeDigest, TreeDigest } from "./digest.js";
import {
  configPath,
  isAtOrBelow,
  nameOf,
  parentOf,
  quotaPath,
  rootPath,
  zookeeperPath,
} from "./path.js";
import {
  encodeStats,
  limitNodeName,
  parseStats,
  StatsTrack,
  statNodeName,
  statPathOf,
  userPathOfQuotaDir,
} from "./quota.js";
import { NodeKind, Znode } from "./znode.js";

const emptyData = "";

const UndoKind = { created: 0, deleted: 1, data: 2, acl: 3, rawData: 4 } as const;

interface Undo {
  kind: number;
  path: string;
  node: Znode;
  /** created/deleted: the parent's pzxid before; data: the old mzxid. */
  zxid: number;
  /** data: old mtime. */
  timeMs: number;
  /** data: old version; acl: old aversion. */
  version: number;
  data: string | null;
  acl: readonly ACL[] | null;
}

/**
 * Hears of every node about to change while a snapshot image is being written, so the writer
 * can keep what the node looked like when the image began (copy-on-write).
 */
export interface NodeChangeObserver {
  beforeChange(node: Znode): void;
}

export class DataTree {
  private root: Znode;
  private count = 0;
  readonly acls = new AclTable();
  /** Paths of the ephemeral nodes of each session that owns any. */
  readonly ephemerals = new Map<number, Set<string>>();
  /** Paths of container nodes, so the reaper never scans the whole tree. */
  readonly containers = new Set<string>();
  /** Paths of TTL nodes. */
  readonly ttls = new Set<string>();
  /** User paths that have a quota (a zookeeper_limits node exists for them). */
  readonly quotaPaths = new Set<string>();
  private undoLog: Undo[] | null = null;
  /** The mark of the newest snapshot image (Znode.imageMark). */
  private imageMark = 0;
  private changeObserver: NodeChangeObserver | null = null;
  /**
   * ZooKeeper's tree digest (digest.ts): the sum of every node's Znode.digestCounted. A
   * mutation only notes the node in `dirty`; digestNow() recomputes those nodes' digests
   * then. Most writes change the same parent again and again (children created under one
   * node), so between two looks at the digest (every 128 zxids) each changed node is hashed
   * once instead of twice per write.
   */
  private readonly digest = new TreeDigest();
  /** Nodes changed or added since the last digestNow(), with their paths. */
  private readonly dirty = new Map<Znode, string>();
  /**
   * ZooKeeper's approximate data size (DataTree.approximateDataSize, mntr's
   * zk_approximate_data_size): the sum over nodes of path length plus data length. The root
   * counts as "/" (ZooKeeper keeps it under "" and "/", so it counts 0 + 1).
   */
  private approximateBytes = 0;

  /** A tree holding the built-in nodes, as a fresh ZooKeeper starts with. */
  /** An empty tree: only a snapshot loader starts from it (restoreNode, root first). */
  constructor() {
    // Placeholder until the root is set; the tree counts zero nodes until then.
    this.root = null as unknown as Znode;
  }

  static withSystemNodes(): DataTree {
    const tree = new DataTree();
    tree.root = new Znode(emptyData, tree.acls.acquire(openAclUnsafe), 0, 0, 0, 0);
    tree.count = 1;
    // The system nodes are added without counting creations, so the root shows cversion -1,
    // /zookeeper -2 and the leaves 0, exactly like ZooKeeper (§9.2).
    tree.addSystemNode(zookeeperPath, openAclUnsafe);
    tree.addSystemNode(quotaPath, openAclUnsafe);
    tree.addSystemNode(configPath, readAclUnsafe).aversion = -1;
    for (const [path, node] of tree.entries()) tree.restored(path, node);
    return tree;
  }

  private addSystemNode(path: string, acl: readonly ACL[]): Znode {
    const node = new Znode(emptyData, this.acls.acquire(acl), 0, 0, 0, 0);
    this.attach(path, node);
    return node;
  }

  /** Number of nodes, the root included. */
  get size(): number {
    return this.count;
  }

  /** ZooKeeper's approximate data size: path and data bytes of every node. */
  get approximateDataSize(): number {
    return this.approximateBytes;
  }

  /**
   * The tree digest, brought up to date first: the digests of nodes changed since the last
   * call are recomputed now (see `dirty`).
   */
  digestNow(): TreeDigest {
    for (const [node, path] of this.dirty) {
      this.digest.remove(node.digestCounted >>> 0);
      const d = nodeDigest(path, node);
      node.digestCounted = d | 0;
      this.digest.add(d);
    }
    this.dirty.clear();
    return this.digest;
  }

  /** A node decoded from a snapshot (or a system node): counted at once. */
  private restored(path: string, node: Znode): void {
    const d = nodeDigest(path, node);
    node.digestCounted = d | 0;
    this.digest.add(d);
    this.approximateBytes += path.length + node.dataLength;
  }

  /** A node joined the tree (created, or put back by a rollback). */
  private attached(path: string, node: Znode): void {
    this.approximateBytes += path.length + node.dataLength;
    this.dirty.set(node, path);
  }

  /** A node left the tree: what it added to the digest goes now. */
  private detached(path: string, node: Znode): void {
    this.approximateBytes -= path.length + node.dataLength;
    this.digest.remove(node.digestCounted >>> 0);
    node.digestCounted = 0;
    this.dirty.delete(node);
  }

  /** A node is about to change (its data size is taken out; changed() puts it back). */
  private resizing(path: string, node: Znode): void {
    this.approximateBytes -= path.length + node.dataLength;
  }

  /** A node changed: its data size goes back in and its digest is due again. */
  private changed(path: string, node: Znode): void {
    this.approximateBytes += path.length + node.dataLength;
    this.dirty.set(node, path);
  }

  /**
   * The node at `path`, or undefined. Only exact paths match ("/a/" and "a" do not exist);
   * "" is the root's alias, as in ZooKeeper.
   */
  get(path: string): Znode | undefined {
    const n = path.length;
    if (n <= 1) return n === 0 || path === rootPath ? this.root : undefined;
    if (path.charCodeAt(0) !== 0x2f) return undefined;
    let node = this.root;
    let start = 1;
    for (;;) {
      const children = node.children;
      if (children === null) return undefined;
      const slash = path.indexOf("/", start);
      const child = children.get(slash < 0 ? path.slice(start) : path.slice(start, slash));
      if (child === undefined || slash < 0) return child;
      node = child;
      start = slash + 1;
    }
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  /** Every node with its path, parents before children (depth-first). */
  *entries(): Generator<[string, Znode]> {
    const stack: [string, Znode][] = [[rootPath, this.root]];
    while (stack.length > 0) {
      const [p, n] = stack.pop()!;
      yield [p, n];
      if (n.children === null) continue;
      for (const [name, child] of n.children) {
        stack.push([p === rootPath ? `/${name}` : `${p}/${name}`, child]);
      }
    }
  }

  /** Adds a node decoded from a snapshot: the root first, then parents before children. */
  restoreNode(path: string, node: Znode, parent?: Znode): void {
    if (path === rootPath) {
      assert(this.count === 0, "restoreNode: root after other nodes");
      this.root = node;
    } else if (parent !== undefined) {
      if (parent.children === null) parent.children = new Map();
      assert(!parent.children.has(nameOf(path)), `restoreNode: ${path} exists`);
      parent.children.set(nameOf(path), node);
    } else {
      assert(!this.has(path), `restoreNode: ${path} exists`);
      this.attach(path, node);
    }
    this.count++;
    this.index(path, node);
    this.restored(path, node);
    if (nameOf(path) === limitNodeName) this.trackQuotaNode(path, true);
  }

  private attach(path: string, node: Znode): Znode {
    const parent = this.get(parentOf(path));
    assert(parent !== undefined, `parent of ${path} missing`);
    this.changing(parent);
    if (parent.children === null) parent.children = new Map();
    const name = nameOf(path);
    assert(!parent.children.has(name), `${path} exists`);
    parent.children.set(name, node);
    this.count++;
    return parent;
  }

  private detach(path: string): Znode {
    const parent = this.get(parentOf(path));
    assert(parent?.children != null, `parent of ${path} missing`);
    this.changing(parent);
    assert(parent.children.delete(nameOf(path)), `${path} not attached`);
    if (parent.children.size === 0) parent.children = null;
    this.count--;
    return parent;
  }

  private index(path: string, node: Znode): void {
    if (node.kind === NodeKind.ephemeral) {
      let set = this.ephemerals.get(node.owner);
      if (set === undefined) {
        set = new Set();
        this.ephemerals.set(node.owner, set);
      }
      set.add(path);
    } else if (node.kind === NodeKind.container) {
      this.containers.add(path);
    } else if (node.kind === NodeKind.ttl) {
      this.ttls.add(path);
    }
  }

  private unindex(path: string, node: Znode): void {
    if (node.kind === NodeKind.ephemeral) {
      const set = this.ephemerals.get(node.owner);
      assert(set?.delete(path) === true, `ephemeral ${path} not indexed`);
      if (set.size === 0) this.ephemerals.delete(node.owner);
    } else if (node.kind === NodeKind.container) {
      this.containers.delete(path);
    } else if (node.kind === NodeKind.ttl) {
      this.ttls.delete(path);
    }
  }

  /** Keeps the set of quota paths in step with zookeeper_limits nodes (DataTree does so). */
  private trackQuotaNode(path: string, added: boolean): void {
    const dir = parentOf(path);
    if (dir === quotaPath || !isAtOrBelow(dir, quotaPath)) return;
    if (added) this.quotaPaths.add(userPathOfQuotaDir(dir));
    else this.quotaPaths.delete(userPathOfQuotaDir(dir));
  }

  // ---- snapshot images ----

  /**
   * Starts a snapshot image: until endImage(), `observer` is told before any node changes.
   * Returns the image's mark; nodes created from now on carry it (they are not in the image).
   */
  beginImage(observer: NodeChangeObserver): number {
    assert(this.changeObserver === null, "a snapshot image is already being written");
    this.changeObserver = observer;
    return ++this.imageMark;
  }

  endImage(observer: NodeChangeObserver): void {
    assert(this.changeObserver === observer, "endImage by another writer");
    this.changeObserver = null;
  }

  private changing(node: Znode): void {
    if (this.changeObserver !== null) this.changeObserver.beforeChange(node);
  }

  // ---- undo log (multi) ----

  beginUndo(): void {
    assert(this.undoLog === null, "nested undo log");
    this.undoLog = [];
  }

  commitUndo(): void {
    assert(this.undoLog !== null, "no undo log");
    this.undoLog = null;
  }

  rollback(): void {
    const log = this.undoLog;
    assert(log !== null, "no undo log");
    this.undoLog = null;
    for (let i = log.length - 1; i >= 0; i--) {
      const u = log[i];
      switch (u.kind) {
        case UndoKind.created: {
          this.detached(u.path, u.node);
          const parent = this.detach(u.path);
          const parentPath = parentOf(u.path);
          this.resizing(parentPath, parent);
          parent.childCreations = (parent.childCreations - 1) | 0;
          parent.pzxid = u.zxid;
          this.changed(parentPath, parent);
          this.unindex(u.path, u.node);
          this.acls.release(u.node.acl);
          if (nameOf(u.path) === limitNodeName) this.trackQuotaNode(u.path, false);
          break;
        }
        case UndoKind.deleted: {
          const parent = this.attach(u.path, u.node);
          const parentPath = parentOf(u.path);
          this.resizing(parentPath, parent);
          parent.pzxid = u.zxid;
          this.changed(parentPath, parent);
          this.attached(u.path, u.node);
          this.index(u.path, u.node);
          this.changing(u.node);
          u.node.acl = this.acls.acquire(u.node.acl.acl);
          if (nameOf(u.path) === limitNodeName) this.trackQuotaNode(u.path, true);
          break;
        }
        case UndoKind.data:
          this.changing(u.node);
          this.resizing(u.path, u.node);
          u.node.data = u.data;
          u.node.mzxid = u.zxid;
          u.node.mtime = u.timeMs;
          u.node.version = u.version;
          this.changed(u.path, u.node);
          break;
        case UndoKind.acl: {
          const current = u.node.acl;
          assert(u.acl !== null, "acl undo without acl");
          this.changing(u.node);
          this.resizing(u.path, u.node);
          u.node.acl = this.acls.acquire(u.acl);
          this.acls.release(current);
          u.node.aversion = u.version;
          this.changed(u.path, u.node);
          break;
        }
        case UndoKind.rawData:
          this.changing(u.node);
          this.resizing(u.path, u.node);
          u.node.data = u.data;
          this.changed(u.path, u.node);
          break;
      }
    }
  }

  private record(
    kind: number,
    path: string,
    node: Znode,
    zxid: number,
    timeMs: number,
    version: number,
    data: string | null,
    acl: readonly ACL[] | null,
  ): void {
    this.undoLog?.push({ kind, path, node, zxid, timeMs, version, data, acl });
  }

  // ---- mutations (no checks: the caller has checked in ZooKeeper's order) ----

  /**
   * Creates `path` under its existing parent: czxid = mzxid = pzxid = zxid, the parent's
   * creation counter +1 and pzxid = zxid (§9.1). `data` is stored as given (the caller owns a
   * copy).
   */
  createNode(
    path: string,
    data: string | null,
    acl: readonly ACL[],
    kind: NodeKind,
    owner: number,
    zxid: number,
    timeMs: number,
  ): Znode {
    const node = new Znode(data, this.acls.acquire(acl), zxid, timeMs, kind, owner);
    node.imageMark = this.imageMark;
    const parent = this.attach(path, node);
    this.record(UndoKind.created, path, node, parent.pzxid, 0, 0, null, null);
    const parentPath = parentOf(path);
    this.resizing(parentPath, parent);
    parent.childCreations = (parent.childCreations + 1) | 0;
    parent.pzxid = zxid;
    this.changed(parentPath, parent);
    this.attached(path, node);
    this.index(path, node);
    const name = nameOf(path);
    if (name === limitNodeName) this.trackQuotaNode(path, true);
    else if (name === statNodeName) {
      const dir = parentOf(path);
      if (dir !== quotaPath && isAtOrBelow(dir, quotaPath)) {
        this.recountQuota(userPathOfQuotaDir(dir));
      }
    }
    const prefix = this.quotaPrefixOf(path);
    if (prefix !== null) this.updateQuotaStats(prefix, node.dataLength, 1);
    return node;
  }

  /** Deletes a childless node; the parent's pzxid moves forward only (§9.1). */
  deleteNode(path: string, zxid: number): Znode {
    const node = this.get(path);
    assert(node !== undefined, `deleteNode: ${path} missing`);
    assert(node.children === null, `deleteNode: ${path} has children`);
    const parent = this.detach(path);
    this.record(UndoKind.deleted, path, node, parent.pzxid, 0, 0, null, null);
    this.detached(path, node);
    if (zxid > parent.pzxid) {
      const parentPath = parentOf(path);
      this.resizing(parentPath, parent);
      parent.pzxid = zxid;
      this.changed(parentPath, parent);
    }
    this.unindex(path, node);
    this.acls.release(node.acl);
    if (nameOf(path) === limitNodeName) this.trackQuotaNode(path, false);
    const prefix = this.quotaPrefixOf(path);
    if (prefix !== null) this.updateQuotaStats(prefix, -node.dataLength, -1);
    return node;
  }

  /** setData: mzxid, mtime, version +1 (int32 wrap), new data. */
  setData(path: string, node: Znode, data: string | null, zxid: number, timeMs: number): void {
    this.changing(node);
    this.record(UndoKind.data, path, node, node.mzxid, node.mtime, node.version, node.data, null);
    const before = node.dataLength;
    this.resizing(path, node);
    node.data = data;
    node.mzxid = zxid;
    node.mtime = timeMs;
    node.version = (node.version + 1) | 0;
    this.changed(path, node);
    const prefix = this.quotaPrefixOf(path);
    if (prefix !== null) this.updateQuotaStats(prefix, node.dataLength - before, 0);
  }

  /**
   * A reconfiguration's new /zookeeper/config text: data, mzxid and mtime as setData sets
   * them, but the version stays -1, as ZooKeeper's reconfig transaction leaves it.
   */
  setConfigData(path: string, node: Znode, data: string, zxid: number, timeMs: number): void {
    this.changing(node);
    this.record(UndoKind.data, path, node, node.mzxid, node.mtime, node.version, node.data, null);
    this.resizing(path, node);
    node.data = data;
    node.mzxid = zxid;
    node.mtime = timeMs;
    node.version = -1;
    this.changed(path, node);
  }

  /** setACL: new list, aversion +1; mzxid and mtime stay (§9.1). */
  setAcl(path: string, node: Znode, acl: readonly ACL[]): void {
    this.changing(node);
    this.record(UndoKind.acl, path, node, 0, 0, node.aversion, null, node.acl.acl);
    const old = node.acl;
    this.resizing(path, node);
    node.acl = this.acls.acquire(acl);
    this.acls.release(old);
    node.aversion = (node.aversion + 1) | 0;
    this.changed(path, node);
  }

  /** Replaces a node's data without touching its Stat (quota stats, reconfig's config text). */
  setRawData(path: string, node: Znode, data: string | null): void {
    this.changing(node);
    this.record(UndoKind.rawData, path, node, 0, 0, 0, node.data, null);
    this.resizing(path, node);
    node.data = data;
    this.changed(path, node);
  }

  // ---- quotas ----

  /**
   * The deepest path at or above `path` that has a quota, or null (the root never counts,
   * as in DataTree.getMaxPrefixWithQuota).
   */
  quotaPrefixOf(path: string): string | null {
    if (this.quotaPaths.size === 0) return null;
    let p = path;
    while (p !== rootPath && p.length > 0) {
      if (this.quotaPaths.has(p)) return p;
      p = parentOf(p);
    }
    return null;
  }

  private updateQuotaStats(prefix: string, bytesDiff: number, countDiff: number): void {
    const statPath = statPathOf(prefix);
    const statNode = this.get(statPath);
    if (statNode === undefined) return;
    const stats = parseStats(statNode.data);
    stats.set("count", stats.count + countDiff);
    stats.set("bytes", stats.bytes + bytesDiff);
    this.setRawData(statPath, statNode, encodeStats(stats));
  }

  /** Rewrites a stats node from a full count of the subtree (when the stats node appears). */
  private recountQuota(userPath: string): void {
    const statPath = statPathOf(userPath);
    const statNode = this.get(statPath);
    if (statNode === undefined) return;
    const stats = new StatsTrack();
    let count = 0;
    let bytes = 0;
    this.walk(userPath, (_p, n) => {
      count++;
      bytes += n.dataLength;
    });
    stats.set("count", count);
    stats.set("bytes", bytes);
    this.setRawData(statPath, statNode, encodeStats(stats));
  }

  // ---- queries ----

  /** Visits `path` and all its descendants, parents before children. */
  walk(path: string, visit: (path: string, node: Znode) => void): void {
    const start = this.get(path);
    if (start === undefined) return;
    const stack: [string, Znode][] = [[path === "" ? rootPath : path, start]];
    while (stack.length > 0) {
      const [p, n] = stack.pop()!;
      visit(p, n);
      if (n.children === null) continue;
      for (const [name, child] of n.children) {
        stack.push([p === rootPath ? `/${name}` : `${p}/${name}`, child]);
      }
    }
  }

  /** Number of descendants of a node (not counting itself). */
  countDescendants(path: string): number {
    const p = path === "" ? rootPath : path;
    if (p === rootPath) return this.count - 1;
    let count = -1;
    this.walk(p, () => {
      count++;
    });
    return Math.max(count, 0);
  }

  /**
   * Nodes the reaper may delete at `nowMs`, at most `max` (§9.6): containers that once had a
   * child and have none now, TTL nodes without children idle longer than their TTL, and,
   * when `neverUsedMs` > 0 (znode.container.maxNeverUsedIntervalMs), containers that never
   * had a child and were last modified longer ago than that.
   */
  reapCandidates(nowMs: number, max: number, neverUsedMs = 0): string[] {
    const out: string[] = [];
    for (const path of this.containers) {
      if (out.length >= max) return out;
      if (this.isReapable(path, nowMs, neverUsedMs)) out.push(path);
    }
    for (const path of this.ttls) {
      if (out.length >= max) return out;
      if (this.isReapable(path, nowMs, neverUsedMs)) out.push(path);
    }
    return out;
  }

  /** The reaper's condition for one node, re-checked when its delete entry is applied. */
  isReapable(path: string, nowMs: number, neverUsedMs = 0): boolean {
    const node = this.get(path);
    if (node === undefined || node.children !== null) return false;
    if (node.kind === NodeKind.container) {
      if (node.childCreations > 0) return true;
      return neverUsedMs > 0 && node.childCreations === 0 && nowMs - node.mtime > neverUsedMs;
    }
    if (node.kind === NodeKind.ttl) return node.owner !== 0 && nowMs - node.mtime > node.owner;
    return false;
  }
}
