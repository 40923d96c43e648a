// The wire form of multi (opcode 14) and multiRead (opcode 22), zookeeper-protocol.md §7:
// each public TransactionOp or ReadOp becomes one MultiOp whose path is under the chroot.
// A create picks its opcode by mode as create() does (create2 so the Stat comes back,
// createContainer, createTTL). Transaction paths are checked before anything is sent, so a
// bad one rejects the whole call at once instead of failing the transaction on the server.
//
// Both fill `paths` with the operations' client paths, in order: the reply carries no
// paths, and each result's error names the path of its operation.

import { CreateMode, OpCode } from "../protocol/constants.js";
import type { MultiOp } from "../protocol/records.js";
import { BadArgumentsError } from "./errors.js";
import { prependChroot, validatePath } from "./paths.js";
import { createModeFlag } from "./protocol-numbers.js";
import type { ReadOp, TransactionOp } from "./transaction.js";
import { type ACL, Acls, type CreateModeName } from "./types.js";

/**
 * A create as its wire operation, for create() and for a transaction's create alike: the
 * opcode by mode, the path checked (a sequential one may end in "/"), the TTL required by
 * exactly the TTL modes. Throws BadArgumentsError for an invalid one.
 */
export function createOp(
  path: string,
  mode: CreateModeName,
  ttlMs: number | undefined,
  data: Uint8Array | null,
  acl: ACL[] | undefined,
  chroot: string,
): MultiOp {
  const flags = createModeFlag[mode];
  if (flags === undefined) throw new BadArgumentsError(path, `unknown create mode ${mode}`);
  validatePath(path, mode.toLowerCase().includes("sequential"));
  const request = { path: prependChroot(chroot, path), data, acl: acl ?? Acls.openUnsafe, flags };
  if (flags === CreateMode.persistentWithTTL || flags === CreateMode.persistentSequentialWithTTL) {
    if (ttlMs === undefined) throw new BadArgumentsError(path, "TTL modes need ttlMs");
    return { type: OpCode.createTTL, request: { ...request, ttl: ttlMs } };
  }
  if (ttlMs !== undefined) throw new BadArgumentsError(path, "ttlMs needs a TTL mode");
  if (flags === CreateMode.container) return { type: OpCode.createContainer, request };
  return { type: OpCode.create2, request };
}

/** The operations of a transaction; throws BadArgumentsError for an invalid one. */
export function transactionOps(
  ops: readonly TransactionOp[],
  chroot: string,
  paths: string[],
): MultiOp[] {
  const wire: MultiOp[] = [];
  for (const op of ops) {
    paths.push(op.path);
    switch (op.type) {
      case "create":
        wire.push(createOp(op.path, op.mode, op.ttlMs, op.data, op.acl, chroot));
        break;
      case "delete":
      case "check": {
        // The same body (path, version) under two opcodes.
        validatePath(op.path);
        const request = { path: prependChroot(chroot, op.path), version: op.version };
        wire.push(
          op.type === "delete" ? { type: OpCode.delete, request } : { type: OpCode.check, request },
        );
        break;
      }
      case "setData":
        validatePath(op.path);
        wire.push({
          type: OpCode.setData,
          request: { path: prependChroot(chroot, op.path), data: op.data, version: op.version },
        });
        break;
    }
  }
  return wire;
}

/** The operations of a multiRead; the server sets no watches for them. Throws like above. */
export function readOps(ops: readonly ReadOp[], chroot: string, paths: string[]): MultiOp[] {
  const wire: MultiOp[] = [];
  for (const op of ops) {
    paths.push(op.path);
    validatePath(op.path);
    wire.push({
      type: op.type === "getData" ? OpCode.getData : OpCode.getChildren,
      request: { path: prependChroot(chroot, op.path), watch: false },
    });
  }
  return wire;
}
