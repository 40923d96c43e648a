// Test helpers for the state machine: a Harness that numbers entries like the log does (zxid
// = index), advances a fake time, and builds write entries; plus dumpState, a canonical text
// form of the whole state used to prove that failed writes change nothing and that a
// snapshot round trip is exact.

import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL, Id, MultiOp } from "../../src/protocol/records.js";
import { type ApplyOutcome, apply } from "../../src/state/apply.js";
import { EntryKind, type WriteOp } from "../../src/state/entry.js";
import { State, type StateOptions } from "../../src/state/state.js";
import { statOf } from "../../src/tree/znode.js";

export const localIp: Id = { scheme: "ip", id: "127.0.0.1" };
/** digest of "alice:secret" (zookeeper-protocol.md §12). */
export const aliceId: Id = { scheme: "digest", id: "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=" };
/** Another digest id (the hash is arbitrary: the tree only compares id strings). */
export const bobId: Id = { scheme: "digest", id: "bob:IJGmRUrsCVNdL+6Z1RGCSGVQ5qw=" };
export const superId: Id = { scheme: "super", id: "" };
export const open: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];

export function acl(perms: number, scheme: string, id: string): ACL {
  return { perms, id: { scheme, id } };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

export class Harness {
  readonly state: State;
  zxid = 0;
  timeMs = 1_700_000_000_000;
  session: number;

  constructor(options: Partial<StateOptions> = {}) {
    this.state = State.fresh(options);
    this.session = this.newSession();
  }

  get tree() {
    return this.state.tree;
  }

  newSession(timeoutMs = 30_000): number {
    const out = this.apply({
      kind: EntryKind.createSession,
      timeMs: this.timeMs,
      timeoutMs,
      password: new Uint8Array(16).fill(7),
    });
    return (out.result.body as { sessionId: number }).sessionId;
  }

  apply(entry: Parameters<typeof apply>[2]): ApplyOutcome {
    this.zxid++;
    this.timeMs += 10;
    return apply(this.state, this.zxid, entry);
  }

  write(op: WriteOp, ids: Id[] = [localIp], sessionId = this.session): ApplyOutcome {
    return this.apply({
      kind: EntryKind.write,
      timeMs: this.timeMs + 10,
      sessionId,
      authIds: ids,
      op,
    });
  }

  /** err of a create (opcode `type`, default 1). */
  create(
    path: string,
    opts: {
      flags?: number;
      data?: Uint8Array | null;
      acl?: ACL[] | null;
      type?: 1 | 15 | 19 | 21;
      ttl?: number;
      ids?: Id[];
      session?: number;
    } = {},
  ): ApplyOutcome {
    const type = opts.type ?? OpCode.create;
    const request = {
      path,
      data: opts.data === undefined ? text("x") : opts.data,
      acl: opts.acl === undefined ? open : opts.acl,
      flags: opts.flags ?? CreateMode.persistent,
    };
    const op: WriteOp =
      type === OpCode.createTTL
        ? { type, request: { ...request, ttl: opts.ttl ?? 1000 } }
        : { type, request };
    return this.write(op, opts.ids, opts.session);
  }

  delete(path: string, version = -1, ids?: Id[]): ApplyOutcome {
    return this.write({ type: OpCode.delete, request: { path, version } }, ids);
  }

  setData(path: string, data: Uint8Array | null, version = -1, ids?: Id[]): ApplyOutcome {
    return this.write({ type: OpCode.setData, request: { path, data, version } }, ids);
  }

  setAcl(path: string, list: ACL[] | null, version = -1, ids?: Id[]): ApplyOutcome {
    return this.write({ type: OpCode.setACL, request: { path, acl: list, version } }, ids);
  }

  multi(ops: MultiOp[], ids?: Id[]): ApplyOutcome {
    return this.write({ type: OpCode.multi, ops }, ids);
  }

  closeSession(sessionId = this.session): ApplyOutcome {
    return this.apply({ kind: EntryKind.closeSession, timeMs: this.timeMs, sessionId });
  }

  reap(path: string, timeMs = this.timeMs, containerNeverUsedMs = 0): ApplyOutcome {
    return this.apply({ kind: EntryKind.reap, timeMs, path, containerNeverUsedMs });
  }

  stat(path: string) {
    const node = this.tree.get(path);
    if (node === undefined) throw new Error(`no node ${path}`);
    return statOf(node);
  }

  dump(): string {
    return dumpState(this.state);
  }
}

/** Every observable fact of a state as sorted text lines (order-independent). */
export function dumpState(state: State): string {
  const lines: string[] = [`lastZxid ${state.lastZxid}`];
  const tree = state.tree;
  for (const [path, node] of tree.entries()) {
    const st = statOf(node);
    const data = node.data === null ? "null" : Buffer.from(node.data, "latin1").toString("hex");
    const children =
      node.children === null ? "" : Array.from(node.children.keys()).sort().join(",");
    lines.push(
      `node ${path} ${JSON.stringify(st)} C=${node.childCreations} kind=${node.kind} owner=${node.owner} data=${data} acl=${JSON.stringify(node.acl.acl)} children=${children}`,
    );
  }
  for (const s of state.sessions.values()) {
    lines.push(`session ${s.id} ${s.timeoutMs} ${Buffer.from(s.password).toString("hex")}`);
  }
  for (const [owner, paths] of tree.ephemerals) {
    lines.push(`ephemerals ${owner} ${Array.from(paths).sort().join(",")}`);
  }
  lines.push(`containers ${Array.from(tree.containers).sort().join(",")}`);
  lines.push(`ttls ${Array.from(tree.ttls).sort().join(",")}`);
  lines.push(`quotas ${Array.from(tree.quotaPaths).sort().join(",")}`);
  const acls = Array.from(tree.acls.entries())
    .map((e) => `${e.key}#${e.refs}`)
    .sort();
  lines.push(`acls ${acls.join("|")}`);
  return lines.sort().join("\n");
}
