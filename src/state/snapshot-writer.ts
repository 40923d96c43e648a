// Writes the snapshot image of a State (format in snapshot.ts) a slice at a time, while the
// state keeps changing, and produces exactly the image of the state as it was when writing
// began. Encoding a million znodes takes over a second; done in one go it would hold every
// client's requests for that long, so the member runs step() in short slices between events.
//
// Copy-on-write, one node at a time. At the start the small parts (header, ACL lists,
// sessions, node count) are written at once and the tree is asked to report every node about
// to change (DataTree.beginImage). Each node carries the mark of the image it has been
// handled for. A node about to change that the writer has not reached yet has its fields and
// child list kept aside first (a NodeImage), and the writer uses that copy when it gets
// there; a node already written, or created after the start, needs nothing. So the cost
// while a snapshot runs is one copy per node changed before it is reached, and nothing for
// the rest of the tree.
//
// The walk is the same depth-first pre-order as the format requires. A parent's child list
// is read when the parent is written: a short one is copied then; a long one is walked
// through the live map, and copied (the rest of it) only if the parent changes during that
// walk, so listing a node with a million children never stalls one slice. Nodes deleted
// after the start still appear where they were (the parent's kept list holds them), and
// nodes created after it never do.
//
// Bytes go into 1 MiB parts that are never moved or joined, with the checksum kept up as
// each part fills, so no step touches more than a part's worth of bytes at once.

import { Buffer } from "node:buffer";
import { assert } from "../base/assert.js";
import type { AclEntry } from "../tree/acl.js";
import type { DataTree, NodeChangeObserver } from "../tree/data-tree.js";
import { rootPath } from "../tree/path.js";
import type { Znode } from "../tree/znode.js";
import { ByteWriter, StateFormatError } from "./bytes.js";
import { snapshotFormatVersion, snapshotMagic } from "./snapshot.js";
import type { State } from "./state.js";

export interface SnapshotWriterOptions {
  /** Size of one part of the image. */
  partBytes: number;
  /** Child lists up to this long are copied when their parent is written; longer ones walked. */
  childListCopyMax: number;
}

export const snapshotWriterDefaults: Readonly<SnapshotWriterOptions> = Object.freeze({
  partBytes: 1024 * 1024,
  childListCopyMax: 1024,
});

/** A node's fields and child list as they were when the image began. */
interface NodeImage
  extends Pick<
    Znode,
    | "data"
    | "acl"
    | "czxid"
    | "mzxid"
    | "pzxid"
    | "ctime"
    | "mtime"
    | "version"
    | "aversion"
    | "childCreations"
    | "kind"
    | "owner"
  > {
  children: ChildCopy | null;
}

/** A child list copied out of a child map, in its order. */
interface ChildCopy {
  readonly names: string[];
  readonly nodes: Znode[];
}

function copyChildren(entries: Iterator<[string, Znode]>): ChildCopy {
  const names: string[] = [];
  const nodes: Znode[] = [];
  for (let r = entries.next(); !r.done; r = entries.next()) {
    names.push(r.value[0]);
    nodes.push(r.value[1]);
  }
  return { names, nodes };
}

/** The children of one written node still to be written, from a copy or the live map. */
class ChildList {
  private next = 0;
  /** The child advance() moved to. */
  name = "";
  child: Znode | null = null;

  constructor(
    readonly parent: Znode,
    private copy: ChildCopy | null,
    private live: Iterator<[string, Znode]> | null,
  ) {}

  get isLive(): boolean {
    return this.live !== null;
  }

  /** Moves to the next child; false when there is none left. */
  advance(): boolean {
    if (this.live !== null) {
      const r = this.live.next();
      if (r.done) return false;
      this.name = r.value[0];
      this.child = r.value[1];
      return true;
    }
    const copy = this.copy!;
    if (this.next === copy.names.length) return false;
    this.name = copy.names[this.next];
    this.child = copy.nodes[this.next];
    this.next++;
    return true;
  }

  /** Copies what the live walk has not reached yet (the parent is about to change). */
  detach(): void {
    if (this.live === null) return;
    this.copy = copyChildren(this.live);
    this.live = null;
    this.next = 0;
  }
}

export class SnapshotWriter implements NodeChangeObserver {
  /** The zxid of the state the image shows. */
  readonly lastZxid: number;
  private readonly tree: DataTree;
  private readonly out: ByteWriter;
  private readonly childListCopyMax: number;
  private readonly mark: number;
  private readonly aclIndex = new Map<AclEntry, number>();
  private readonly kept = new Map<Znode, NodeImage>();
  private readonly stack: ChildList[] = [];
  /** Lists walked through a live child map, by parent. */
  private readonly walking = new Map<Znode, ChildList>();
  private readonly nodeCount: number;
  private nodesWritten = 0;
  /** Nodes kept aside because they changed before being written (for logs). */
  keptCount = 0;
  private rootWritten = false;
  private finished: Buffer[] | null = null;
  private open = true;

  constructor(state: State, options: Partial<SnapshotWriterOptions> = {}) {
    const { partBytes, childListCopyMax } = { ...snapshotWriterDefaults, ...options };
    this.out = new ByteWriter(0, partBytes);
    this.childListCopyMax = childListCopyMax;
    this.tree = state.tree;
    this.lastZxid = state.lastZxid;
    const w = this.out;
    w.u32(snapshotMagic);
    w.u32(snapshotFormatVersion);
    w.f64(state.lastZxid);

    const acls = this.tree.acls;
    w.u32(acls.size);
    for (const entry of acls.entries()) {
      this.aclIndex.set(entry, this.aclIndex.size);
      w.u32(entry.acl.length);
      for (const a of entry.acl) {
        w.i32(a.perms);
        w.str(a.id.scheme);
        w.str(a.id.id);
      }
    }

    w.u32(state.sessions.size);
    for (const s of state.sessions.values()) {
      w.f64(s.id);
      w.i32(s.timeoutMs);
      w.bytes(s.password);
    }

    this.nodeCount = this.tree.size;
    w.u32(this.nodeCount);
    this.mark = this.tree.beginImage(this);
  }

  beforeChange(node: Znode): void {
    if (node.imageMark !== this.mark) {
      node.imageMark = this.mark;
      this.kept.set(node, imageOf(node));
      this.keptCount++;
    } else if (this.walking.size > 0) {
      this.walking.get(node)?.detach();
    }
  }

  /**
   * Writes up to `nodes` more nodes, stopping early once `bytesMax` bytes were written (a few
   * nodes with large data cost as much time as thousands of small ones). Returns true once
   * the image is complete (then parts() gives it and the tree is no longer watched).
   */
  step(nodes: number, bytesMax = Number.POSITIVE_INFINITY): boolean {
    assert(this.open, "SnapshotWriter.step after the end");
    let left = nodes;
    const stopAt = this.out.length + bytesMax;
    if (!this.rootWritten) {
      const root = this.tree.get(rootPath);
      if (root === undefined) throw new StateFormatError("tree without root");
      this.rootWritten = true;
      this.write("", root);
      left--;
    }
    const stack = this.stack;
    while (left > 0 && stack.length > 0 && this.out.length < stopAt) {
      const list = stack[stack.length - 1];
      if (!list.advance()) {
        if (list.isLive) this.walking.delete(list.parent);
        stack.pop();
        continue;
      }
      this.write(list.name, list.child!);
      left--;
    }
    if (stack.length > 0) return false;
    this.complete();
    return true;
  }

  /** Bytes of the image written so far. */
  get bytesWritten(): number {
    return this.out.length;
  }

  /** The finished image. */
  parts(): Buffer[] {
    assert(this.finished !== null, "SnapshotWriter.parts before the image is complete");
    return this.finished;
  }

  /** Gives up on an unfinished image and stops watching the tree. */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    this.tree.endImage(this);
    this.kept.clear();
    this.walking.clear();
    this.stack.length = 0;
  }

  private complete(): void {
    this.open = false;
    this.tree.endImage(this);
    assert(
      this.nodesWritten === this.nodeCount,
      `snapshot image has ${this.nodesWritten} nodes, the tree had ${this.nodeCount}`,
    );
    assert(this.kept.size === 0, "snapshot image: kept nodes never written");
    this.out.u32(this.out.crcSoFar());
    this.finished = this.out.parts();
  }

  private write(name: string, node: Znode): void {
    const image = node.imageMark === this.mark ? this.kept.get(node) : undefined;
    if (image !== undefined) this.kept.delete(node);
    else node.imageMark = this.mark;
    const n = image ?? node;
    const w = this.out;
    w.str(name);
    w.f64(n.czxid);
    w.f64(n.mzxid);
    w.f64(n.pzxid);
    w.f64(n.ctime);
    w.f64(n.mtime);
    w.i32(n.version);
    w.i32(n.aversion);
    w.i32(n.childCreations);
    w.u8(n.kind);
    w.f64(n.owner);
    const index = this.aclIndex.get(n.acl);
    if (index === undefined) throw new StateFormatError(`ACL of node ${name} not interned`);
    w.u32(index);
    w.latin1(n.data);
    this.nodesWritten++;
    if (image !== undefined) {
      const kept = image.children;
      w.u32(kept === null ? 0 : kept.names.length);
      if (kept !== null) this.stack.push(new ChildList(node, kept, null));
      return;
    }
    const children = node.children;
    w.u32(children === null ? 0 : children.size);
    if (children === null) return;
    if (children.size <= this.childListCopyMax) {
      this.stack.push(new ChildList(node, copyChildren(children.entries()), null));
      return;
    }
    const list = new ChildList(node, null, children.entries());
    this.walking.set(node, list);
    this.stack.push(list);
  }
}

function imageOf(node: Znode): NodeImage {
  return {
    data: node.data,
    acl: node.acl,
    czxid: node.czxid,
    mzxid: node.mzxid,
    pzxid: node.pzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    aversion: node.aversion,
    childCreations: node.childCreations,
    kind: node.kind,
    owner: node.owner,
    children: node.children === null ? null : copyChildren(node.children.entries()),
  };
}

/** The whole image at once, joined into one buffer (tests, tools and small states). */
export function encodeSnapshot(state: State): Buffer {
  const writer = new SnapshotWriter(state);
  while (!writer.step(Number.MAX_SAFE_INTEGER));
  return Buffer.concat(writer.parts());
}
