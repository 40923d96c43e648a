// The transaction builder for multi (opcode 14) and the result types of multi and multiRead
// (zookeeper-protocol.md §7). A transaction applies all its operations or none: on failure
// commit() rejects with the typed error of the first failing operation, whose `opResults`
// lists every operation's outcome (earlier ones "ok but rolled back", the failing one its
// code, later ones RuntimeInconsistency) and whose `failedOpIndex` points at the culprit.

import type { Stat } from "../protocol/records.js";
import type { ZooKeeperError } from "./errors.js";
import type { ACL, CallOptions, CreateModeName } from "./types.js";

export type TransactionOp =
  | {
      type: "create";
      path: string;
      data: Uint8Array | null;
      acl: ACL[] | undefined;
      mode: CreateModeName;
      ttlMs: number | undefined;
    }
  | { type: "delete"; path: string; version: number }
  | { type: "setData"; path: string; data: Uint8Array | null; version: number }
  | { type: "check"; path: string; version: number };

export type OpResult =
  /** `stat` is null when the server answers the older create form (ZooKeeper before 3.8.2). */
  | { type: "create"; path: string; stat: Stat | null }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" }
  | { type: "error"; error: ZooKeeperError };

export type ReadOp = { type: "getData"; path: string } | { type: "getChildren"; path: string };

export type ReadOpResult =
  | { type: "getData"; data: Buffer; stat: Stat }
  | { type: "getChildren"; children: string[] }
  | { type: "error"; error: ZooKeeperError };

export interface TransactionRunner {
  multi(ops: readonly TransactionOp[], options?: CallOptions): Promise<OpResult[]>;
}

export interface TransactionCreateOptions {
  mode?: CreateModeName;
  acl?: ACL[];
  ttlMs?: number;
}

export class Transaction {
  readonly ops: TransactionOp[] = [];

  constructor(private readonly runner: TransactionRunner) {}

  create(
    path: string,
    data: Uint8Array | string | null = null,
    options: TransactionCreateOptions = {},
  ): this {
    this.ops.push({
      type: "create",
      path,
      data: toBytes(data),
      acl: options.acl,
      mode: options.mode ?? "persistent",
      ttlMs: options.ttlMs,
    });
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push({ type: "delete", path, version });
    return this;
  }

  setData(path: string, data: Uint8Array | string | null, version = -1): this {
    this.ops.push({ type: "setData", path, data: toBytes(data), version });
    return this;
  }

  /** Fails the transaction unless the node's version equals `version`. */
  check(path: string, version: number): this {
    this.ops.push({ type: "check", path, version });
    return this;
  }

  commit(options?: CallOptions): Promise<OpResult[]> {
    return this.runner.multi(this.ops, options);
  }
}

export function toBytes(data: Uint8Array | string | null | undefined): Uint8Array | null {
  if (data === null || data === undefined) return null;
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}
