// The read operations, answered from the local tree without going through the log
// (zookeeper-protocol.md §6.3-§6.9, §7 multiRead). Each returns either the reply record or a
// ZooKeeper error code (a negative number), so the hot path allocates only the reply. Watch
// registration is the caller's business: it registers after a successful read (and after
// exists' NoNode), as §11.2 says.

import { ErrorCode, OpCode, Perm } from "../protocol/constants.js";
import type {
  GetACLResponse,
  GetChildren2Response,
  GetChildrenResponse,
  GetDataResponse,
  Id,
  MultiOp,
  MultiResult,
  Stat,
} from "../protocol/records.js";
import { copyAcl, hasPermission, maskDigests } from "./acl.js";
import type { DataTree } from "./data-tree.js";
import { rootPath } from "./path.js";
import { dataBytes, statOf } from "./znode.js";

export function exists(tree: DataTree, path: string, ids: readonly Id[]): Stat | number {
  if (path.includes("\u0000")) return ErrorCode.badArguments;
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ids)) return ErrorCode.noAuth;
  return statOf(node);
}

export function getData(
  tree: DataTree,
  path: string,
  ids: readonly Id[],
): GetDataResponse | number {
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ids)) return ErrorCode.noAuth;
  return { data: dataBytes(node), stat: statOf(node) };
}

function childNames(children: Map<string, unknown> | null): string[] {
  return children === null ? [] : Array.from(children.keys());
}

export function getChildren(
  tree: DataTree,
  path: string,
  ids: readonly Id[],
): GetChildrenResponse | number {
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ids)) return ErrorCode.noAuth;
  return { children: childNames(node.children) };
}

export function getChildren2(
  tree: DataTree,
  path: string,
  ids: readonly Id[],
): GetChildren2Response | number {
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ids)) return ErrorCode.noAuth;
  return { children: childNames(node.children), stat: statOf(node) };
}

/** getACL needs READ or ADMIN; without ADMIN, digest hashes are masked as "user:x". */
export function getAcl(tree: DataTree, path: string, ids: readonly Id[]): GetACLResponse | number {
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  const acl = node.acl.acl;
  if (!hasPermission(acl, Perm.read | Perm.admin, ids)) return ErrorCode.noAuth;
  const shown = hasPermission(acl, Perm.admin, ids) ? copyAcl(acl) : maskDigests(acl);
  return { acl: shown, stat: statOf(node) };
}

/** Count of all descendants (the node itself excluded). */
export function getAllChildrenNumber(
  tree: DataTree,
  path: string,
  ids: readonly Id[],
): number | { totalNumber: number } {
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ids)) return ErrorCode.noAuth;
  return { totalNumber: tree.countDescendants(path) };
}

/**
 * The ephemerals of one session; a null, empty, blank or "/" prefix means all, otherwise a
 * plain string prefix ("/a" matches "/ab"). No ACL check, never NoNode.
 */
export function getEphemerals(tree: DataTree, sessionId: number, prefix: string | null): string[] {
  const set = tree.ephemerals.get(sessionId);
  if (set === undefined) return [];
  const all = prefix === null || prefix.trim().length === 0 || prefix === rootPath;
  const out: string[] = [];
  for (const path of set) if (all || path.startsWith(prefix)) out.push(path);
  return out;
}

/** multiRead: each op on its own; a failing op yields an error result, the others still run. */
export function multiRead(
  tree: DataTree,
  ops: readonly MultiOp[],
  ids: readonly Id[],
): MultiResult[] {
  const out: MultiResult[] = [];
  for (const op of ops) {
    if (op.type === OpCode.getData) {
      const r = getData(tree, op.request.path, ids);
      out.push(
        typeof r === "number" ? { type: -1, err: r } : { type: OpCode.getData, response: r },
      );
    } else if (op.type === OpCode.getChildren) {
      const r = getChildren(tree, op.request.path, ids);
      out.push(
        typeof r === "number" ? { type: -1, err: r } : { type: OpCode.getChildren, response: r },
      );
    } else {
      // The server refuses mixed multis before they get here (MarshallingError, §7).
      out.push({ type: -1, err: ErrorCode.marshallingError });
    }
  }
  return out;
}
