// The checker's model of one simulated client's subtree. Each client writes only under its
// own root (/c<n>), so its own acknowledged history determines that subtree exactly: the
// model applies every acknowledged operation in acknowledgement order (which is request
// order: replies are FIFO per session) and predicts the reply each must have got. It is
// written from the ZooKeeper rules (the error order of create, delete, setData and check, the
// sequence suffix from the parent's count of child creations, all-or-nothing multi, a
// session's ephemerals deleted with it), not from Corral's tree code, so that it checks the
// member rather than agreeing with it.
//
// Outcomes and views are plain text, so a mismatch prints as two readable lines.
import { CreateMode, ErrorCode } from "../protocol/constants.js";
import type { DataTree } from "../tree/data-tree.js";

export type ModelOp =
  | { kind: "create"; path: string; data: string | null; flags: number }
  | { kind: "delete"; path: string; version: number }
  | { kind: "setData"; path: string; data: string | null; version: number }
  | { kind: "check"; path: string; version: number }
  | { kind: "multi"; ops: ModelOp[] }
  | { kind: "getData"; path: string }
  | { kind: "exists"; path: string }
  | { kind: "closeSession" };

export function isWrite(op: ModelOp): boolean {
  return op.kind !== "getData" && op.kind !== "exists";
}

interface ModelNode {
  data: string | null;
  version: number;
  /** ZooKeeper's stored cversion: creations of children, never decreased. */
  childCreations: number;
  numChildren: number;
  /** The owning session of an ephemeral, else 0. */
  owner: number;
}

export class SubtreeModel {
  private readonly nodes = new Map<string, ModelNode>();
  /** This client's sessions that are open. */
  readonly sessions = new Set<number>();

  constructor(readonly root: string) {}

  clone(): SubtreeModel {
    const copy = new SubtreeModel(this.root);
    for (const [path, n] of this.nodes) copy.nodes.set(path, { ...n });
    for (const s of this.sessions) copy.sessions.add(s);
    return copy;
  }

  /** Takes over the state of `other` (a resolved candidate). */
  adopt(other: SubtreeModel): void {
    this.nodes.clear();
    for (const [path, n] of other.nodes) this.nodes.set(path, n);
    this.sessions.clear();
    for (const s of other.sessions) this.sessions.add(s);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  version(path: string): number {
    return this.nodes.get(path)?.version ?? 0;
  }

  /** Paths of nodes that may have children (persistent ones). */
  parents(): string[] {
    const out: string[] = [];
    for (const [path, n] of this.nodes) if (n.owner === 0) out.push(path);
    return out;
  }

  paths(): string[] {
    return [...this.nodes.keys()];
  }

  /**
   * Applies `op` as sent by `sessionId` and returns the outcome its reply must show. Reads
   * change nothing. A failing single write changes nothing either.
   */
  apply(op: ModelOp, sessionId: number): string {
    switch (op.kind) {
      case "getData": {
        const n = this.nodes.get(op.path);
        return n === undefined ? err(ErrorCode.noNode) : `ok v${n.version} ${showData(n.data)}`;
      }
      case "exists": {
        const n = this.nodes.get(op.path);
        return n === undefined ? err(ErrorCode.noNode) : `ok v${n.version}`;
      }
      case "multi":
        return this.multi(op.ops, sessionId);
      case "closeSession":
        this.closeSession(sessionId);
        return "ok";
      default: {
        const r = this.single(op, sessionId);
        return typeof r === "number" ? err(r) : r;
      }
    }
  }

  /** One write; an error code when it fails (and then nothing changed). */
  private single(op: ModelOp, sessionId: number): string | number {
    switch (op.kind) {
      case "create":
        return this.create(op.path, op.data, op.flags, sessionId);
      case "delete": {
        const parent = this.parentNode(op.path);
        if (parent === undefined) return ErrorCode.noNode;
        const n = this.nodes.get(op.path);
        if (n === undefined) return ErrorCode.noNode;
        if (op.version !== -1 && op.version !== n.version) return ErrorCode.badVersion;
        if (n.numChildren > 0) return ErrorCode.notEmpty;
        this.remove(op.path);
        return "ok";
      }
      case "setData": {
        const n = this.nodes.get(op.path);
        if (n === undefined) return ErrorCode.noNode;
        if (op.version !== -1 && op.version !== n.version) return ErrorCode.badVersion;
        n.data = op.data;
        n.version++;
        return `ok v${n.version}`;
      }
      case "check": {
        const n = this.nodes.get(op.path);
        if (n === undefined) return ErrorCode.noNode;
        if (op.version !== -1 && op.version !== n.version) return ErrorCode.badVersion;
        return "ok";
      }
      default:
        throw new Error(`not a single write: ${op.kind}`);
    }
  }

  private create(path: string, data: string | null, flags: number, sessionId: number) {
    const parentPath = parentOf(path);
    const parent = this.parentNode(path);
    if (parent === undefined) return ErrorCode.noNode;
    let created = path;
    const sequential =
      flags === CreateMode.persistentSequential || flags === CreateMode.ephemeralSequential;
    if (sequential) {
      if (parent === rootParent) throw new Error("the model keeps no count for /");
      created += String(parent.childCreations).padStart(10, "0");
    }
    if (this.nodes.has(created)) return ErrorCode.nodeExists;
    if (parent.owner !== 0) return ErrorCode.noChildrenForEphemerals;
    const ephemeral = flags === CreateMode.ephemeral || flags === CreateMode.ephemeralSequential;
    this.nodes.set(created, {
      data,
      version: 0,
      childCreations: 0,
      numChildren: 0,
      owner: ephemeral ? sessionId : 0,
    });
    if (parentPath !== "/") {
      parent.childCreations++;
      parent.numChildren++;
    }
    return `ok ${created}`;
  }

  /** The parent of `path`, the shared root as a stand-in, or undefined when missing. */
  private parentNode(path: string): ModelNode | undefined {
    const parentPath = parentOf(path);
    return parentPath === "/" ? rootParent : this.nodes.get(parentPath);
  }

  private remove(path: string): void {
    this.nodes.delete(path);
    const parentPath = parentOf(path);
    if (parentPath !== "/") this.nodes.get(parentPath)!.numChildren--;
  }

  private multi(ops: readonly ModelOp[], sessionId: number): string {
    const trial = this.clone();
    const results: string[] = [];
    for (let i = 0; i < ops.length; i++) {
      const r = trial.single(ops[i], sessionId);
      if (typeof r === "number") {
        // All or nothing: earlier ops report 0, the failing one its code, later ones
        // RuntimeInconsistency, and nothing is applied.
        const failed = ops.map((_, j) =>
          err(j < i ? ErrorCode.ok : j === i ? r : ErrorCode.runtimeInconsistency),
        );
        return `multi[${failed.join(", ")}]`;
      }
      results.push(r);
    }
    this.nodes.clear();
    for (const [path, n] of trial.nodes) this.nodes.set(path, n);
    return `multi[${results.join(", ")}]`;
  }

  private closeSession(sessionId: number): void {
    for (const [path, n] of [...this.nodes]) if (n.owner === sessionId) this.remove(path);
    this.sessions.delete(sessionId);
  }

  /** The subtree and the liveness of `knownSessions` as canonical text. */
  view(knownSessions: readonly number[]): string {
    const lines = [...this.nodes].map(([path, n]) => nodeLine(path, n));
    for (const s of knownSessions)
      lines.push(`session ${s} ${this.sessions.has(s) ? "open" : "closed"}`);
    return lines.sort().join("\n");
  }
}

/** The same view of the member's real tree and session table. */
export function viewOfTree(
  tree: DataTree,
  sessionOpen: (id: number) => boolean,
  root: string,
  knownSessions: readonly number[],
): string {
  const lines: string[] = [];
  tree.walk(root, (path, node) =>
    lines.push(
      nodeLine(path, {
        data: node.data,
        version: node.version,
        childCreations: node.childCreations,
        numChildren: node.numChildren,
        owner: node.ephemeralOwner,
      }),
    ),
  );
  for (const s of knownSessions) lines.push(`session ${s} ${sessionOpen(s) ? "open" : "closed"}`);
  return lines.sort().join("\n");
}

/** The parent "/" of every client root: it exists, it is not ephemeral. */
const rootParent: ModelNode = {
  data: null,
  version: 0,
  childCreations: 0,
  numChildren: 0,
  owner: 0,
};

function nodeLine(path: string, n: ModelNode): string {
  return `${path} v${n.version} c${n.childCreations} n${n.numChildren} o${n.owner} ${showData(n.data)}`;
}

export function showData(data: string | null): string {
  return data === null ? "null" : JSON.stringify(data);
}

export function err(code: number): string {
  return `err ${code}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === 0 ? "/" : path.slice(0, slash);
}
