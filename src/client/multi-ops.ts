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
import { Acls } from "./types.js";

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
      case "create": {
        const flags = createModeFlag[op.mode];
        validatePath(op.path, op.mode.toLowerCase().includes("sequential"));
        const request = {
          path: prependChroot(chroot, op.path),
          data: op.data,
          acl: op.acl ?? Acls.openUnsafe,
          flags,
        };
        if (
          flags === CreateMode.persistentWithTTL ||
          flags === CreateMode.persistentSequentialWithTTL
        ) {
          if (op.ttlMs === undefined) throw new BadArgumentsError(op.path, "TTL needs ttlMs");
          wire.push({ type: OpCode.createTTL, request: { ...request, ttl: op.ttlMs } });
        } else if (flags === CreateMode.container) {
          wire.push({ type: OpCode.createContainer, request });
        } else {
          wire.push({ type: OpCode.create2, request });
        }
        break;
      }
      case "delete":
        validatePath(op.path);
        wire.push({
          type: OpCode.delete,
          request: { path: prependChroot(chroot, op.path), version: op.version },
        });
        break;
      case "setData":
        validatePath(op.path);
        wire.push({
          type: OpCode.setData,
          request: { path: prependChroot(chroot, op.path), data: op.data, version: op.version },
        });
        break;
      case "check":
        validatePath(op.path);
        wire.push({
          type: OpCode.check,
          request: { path: prependChroot(chroot, op.path), version: op.version },
        });
        break;
    }
  }
  return wire;
}

/** The operations of a multiRead; the server sets no watches for them. */
export function readOps(ops: readonly ReadOp[], chroot: string, paths: string[]): MultiOp[] {
  const wire: MultiOp[] = [];
  for (const op of ops) {
    paths.push(op.path);
    wire.push({
      type: op.type === "getData" ? OpCode.getData : OpCode.getChildren,
      request: { path: prependChroot(chroot, op.path), watch: false },
    });
  }
  return wire;
}
