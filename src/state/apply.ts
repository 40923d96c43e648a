// apply(state, zxid, entry): the replicated state machine. Pure: no clock, no randomness, no
// I/O; everything it needs is in the state, the zxid (the entry's log index) and the entry.
// Each write is checked in the order of ZooKeeper's PrepRequestProcessor (the first failing
// check decides the error, zookeeper-protocol.md §6), then applied with the Stat rules of §9.
// A failed write still consumes its zxid and changes nothing. The result is what the client
// gets back; the triggers are what each member's WatchRegistry turns into notifications.

import { assert, unreachable } from "../base/assert.js";
import { ttlMsMax } from "../base/limits.js";
import { CreateMode, ErrorCode, EventType, OpCode, Perm } from "../protocol/constants.js";
import type {
  CheckVersionRequest,
  Create2Response,
  CreateRequest,
  CreateResponse,
  DeleteRequest,
  GetDataResponse,
  Id,
  MultiOp,
  MultiResult,
  SetACLRequest,
  SetDataRequest,
  StatResponse,
} from "../protocol/records.js";
import { fixupAcl, hasPermission } from "../tree/acl.js";
import type { WatchTrigger } from "../tree/events.js";
import {
  configPath,
  isProtectedPath,
  isValidPath,
  parentOf,
  rootPath,
  sequenceSuffix,
} from "../tree/path.js";
import { limitPathOf, parseStats, type QuotaViolation, statPathOf } from "../tree/quota.js";
import { dataBytes, NodeKind, statOf, storedData, type Znode } from "../tree/znode.js";
import { type Entry, EntryKind, type ReconfigOp, type WriteEntry, type WriteOp } from "./entry.js";
import { Session } from "./sessions.js";
import type { State } from "./state.js";

export interface SessionCreated {
  sessionId: number;
  timeoutMs: number;
  password: Uint8Array;
}

export interface Reaped {
  /** False when the node no longer qualified at apply time (then nothing happened). */
  deleted: boolean;
}

export type ApplyBody =
  | CreateResponse
  | Create2Response
  | StatResponse
  | MultiResult[]
  | GetDataResponse
  | SessionCreated
  | Reaped
  | null;

export interface ApplyResult {
  /**
   * The reply header's err: 0 or ZooKeeper's error for the write. A multi whose op failed has
   * err 0 and the failure in its per-op results, as ZooKeeper replies.
   */
  err: number;
  /** The reply body when err is 0 (null for delete, closeSession and multi errors' siblings). */
  body: ApplyBody;
}

export interface ApplyOutcome {
  result: ApplyResult;
  triggers: WatchTrigger[];
  /**
   * Quota limits this write went over without being refused (soft limits, or hard limits
   * while enforcement is off): apply cannot log, so the caller does.
   */
  quotaWarnings: QuotaViolation[];
}

/** One write's working context: its zxid, time, writer and what it produced so far. */
class Ctx {
  constructor(
    readonly state: State,
    readonly zxid: number,
    readonly timeMs: number,
    readonly sessionId: number,
    readonly ids: readonly Id[],
    readonly triggers: WatchTrigger[],
    readonly warnings: QuotaViolation[],
  ) {}
}

const noIds: readonly Id[] = Object.freeze([]);

export function apply(state: State, zxid: number, entry: Entry): ApplyOutcome {
  assert(Number.isSafeInteger(zxid) && zxid > state.lastZxid, `zxid ${zxid} not increasing`);
  state.lastZxid = zxid;
  const triggers: WatchTrigger[] = [];
  const warnings: QuotaViolation[] = [];
  let result: ApplyResult;
  switch (entry.kind) {
    case EntryKind.createSession: {
      state.sessions.add(new Session(zxid, entry.password, entry.timeoutMs));
      result = {
        err: ErrorCode.ok,
        body: { sessionId: zxid, timeoutMs: entry.timeoutMs, password: entry.password },
      };
      break;
    }
    case EntryKind.closeSession: {
      const ctx = new Ctx(state, zxid, entry.timeMs, entry.sessionId, noIds, triggers, warnings);
      closeSession(ctx, entry.sessionId);
      result = { err: ErrorCode.ok, body: null };
      break;
    }
    case EntryKind.write: {
      const ctx = new Ctx(
        state,
        zxid,
        entry.timeMs,
        entry.sessionId,
        entry.authIds,
        triggers,
        warnings,
      );
      result = applyWrite(ctx, entry);
      break;
    }
    case EntryKind.reap: {
      const ctx = new Ctx(state, zxid, entry.timeMs, 0, noIds, triggers, warnings);
      const deleted = state.tree.isReapable(entry.path, entry.timeMs, entry.containerNeverUsedMs);
      if (deleted) removeNode(ctx, entry.path);
      result = { err: ErrorCode.ok, body: { deleted } };
      break;
    }
    default:
      unreachable(entry, "entry kind");
  }
  state.digestLog.applied(state.lastTxnZxid, zxid, state.tree);
  state.lastTxnZxid = zxid;
  return { result, triggers, quotaWarnings: warnings };
}

function applyWrite(ctx: Ctx, entry: WriteEntry): ApplyResult {
  // ZooKeeper checks the session before anything else: a write from a session that is gone
  // (closed or expired while the write was in flight) fails as SessionExpired.
  if (!ctx.state.sessions.has(entry.sessionId))
    return { err: ErrorCode.sessionExpired, body: null };
  const op: WriteOp = entry.op;
  if (op.type === OpCode.multi) return applyMulti(ctx, op.ops);
  if (op.type === OpCode.reconfig) return applyReconfig(ctx, op);
  const r = applySingle(ctx, op);
  if (typeof r === "number") {
    // A refused write warns about nothing: it changed nothing.
    ctx.warnings.length = 0;
    return { err: r, body: null };
  }
  return { err: ErrorCode.ok, body: r };
}

/**
 * reconfig (16): the leader checked the request and changed the Raft membership before it
 * proposed this entry; applying it makes the new membership /zookeeper/config, with the
 * entry's zxid as its version (ZooKeeper's text: server lines, then version=<hex zxid>).
 */
function applyReconfig(ctx: Ctx, op: ReconfigOp): ApplyResult {
  if (op.err !== ErrorCode.ok) return { err: op.err, body: null };
  const tree = ctx.state.tree;
  const node = tree.get(configPath);
  if (node === undefined) return { err: ErrorCode.noNode, body: null };
  const version = `version=${ctx.zxid.toString(16)}`;
  const text = op.servers === "" ? version : `${op.servers}\n${version}`;
  tree.setConfigData(configPath, node, text, ctx.zxid, ctx.timeMs);
  ctx.triggers.push({
    type: EventType.nodeDataChanged,
    path: configPath,
    zxid: ctx.zxid,
    acl: node.acl.acl,
  });
  return { err: ErrorCode.ok, body: { data: dataBytes(node), stat: statOf(node) } };
}

type OpResult = CreateResponse | Create2Response | StatResponse | null | number;

function applySingle(ctx: Ctx, op: WriteOp | MultiOp): OpResult {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return create(ctx, op.type, op.request, -1);
    case OpCode.createTTL:
      return create(ctx, op.type, op.request, op.request.ttl);
    case OpCode.delete:
      return remove(ctx, op.request);
    case OpCode.setData:
      return setData(ctx, op.request);
    case OpCode.setACL:
      return setAcl(ctx, op.request);
    case OpCode.check:
      return check(ctx, op.request);
    default:
      // Reads inside a multi and unknown types are refused by the server before proposing
      // (MarshallingError, §7); one that still arrives changes nothing.
      return ErrorCode.marshallingError;
  }
}

function isSequential(flags: number): boolean {
  return (
    flags === CreateMode.persistentSequential ||
    flags === CreateMode.ephemeralSequential ||
    flags === CreateMode.persistentSequentialWithTTL
  );
}

function isTtlMode(flags: number): boolean {
  return flags === CreateMode.persistentWithTTL || flags === CreateMode.persistentSequentialWithTTL;
}

function isEphemeralMode(flags: number): boolean {
  return flags === CreateMode.ephemeral || flags === CreateMode.ephemeralSequential;
}

/** create (1), create2 (15), createContainer (19), createTTL (21): §6.1 in its order. */
function create(ctx: Ctx, type: number, req: CreateRequest, ttl: number): OpResult {
  const { tree, options } = ctx.state;
  const flags = req.flags;
  if (!Number.isInteger(flags) || flags < 0 || flags > 6) return ErrorCode.badArguments;
  const ttlMode = isTtlMode(flags);
  if (ttlMode && !options.extendedTypesEnabled) return ErrorCode.unimplemented;
  if (ttlMode ? !(ttl >= 1 && ttl <= ttlMsMax) : ttl >= 0) return ErrorCode.badArguments;
  // createTTL with a non-TTL mode cannot make a node ZooKeeper could store.
  if (type === OpCode.createTTL && !ttlMode) return ErrorCode.badArguments;
  let path = req.path;
  const lastSlash = path.lastIndexOf("/");
  if (lastSlash < 0 || path.includes("\u0000")) return ErrorCode.badArguments;
  const acl = fixupAcl(req.acl, ctx.ids, ctx.state.options.aclSchemes);
  if (acl === null) return ErrorCode.invalidACL;
  const parentPath = lastSlash === 0 ? rootPath : path.slice(0, lastSlash);
  const parent = tree.get(parentPath);
  if (parent === undefined) return ErrorCode.noNode;
  if (!hasPermission(parent.acl.acl, Perm.create, ctx.ids)) return ErrorCode.noAuth;
  if (isSequential(flags)) path += sequenceSuffix(parent.childCreations);
  if (!isValidPath(path)) return ErrorCode.badArguments;
  if (tree.has(path)) return ErrorCode.nodeExists;
  if (parent.kind === NodeKind.ephemeral) return ErrorCode.noChildrenForEphemerals;
  const dataLength = req.data === null ? 0 : req.data.length;
  if (quotaRefuses(ctx, path, dataLength, 1)) return ErrorCode.quotaExceeded;

  let kind: NodeKind = NodeKind.persistent;
  let owner = 0;
  if (type === OpCode.createContainer) kind = NodeKind.container;
  else if (type === OpCode.createTTL) {
    kind = NodeKind.ttl;
    owner = ttl;
  } else if (isEphemeralMode(flags)) {
    kind = NodeKind.ephemeral;
    owner = ctx.sessionId;
  }
  const node = tree.createNode(path, storedData(req.data), acl, kind, owner, ctx.zxid, ctx.timeMs);
  ctx.triggers.push(
    { type: EventType.nodeCreated, path, zxid: ctx.zxid, acl: node.acl.acl },
    { type: EventType.nodeChildrenChanged, path: parentPath, zxid: ctx.zxid, acl: parent.acl.acl },
  );
  if (type === OpCode.create) return { path };
  const stat = statOf(node);
  // ZooKeeper copies the Stat before its quota bookkeeping runs, so creating a quota's
  // zookeeper_stats node reports the length of the data sent, not of the recount written.
  stat.dataLength = dataLength;
  return { path, stat };
}

/** delete (2): §6.2 in its order. */
function remove(ctx: Ctx, req: DeleteRequest): OpResult {
  const tree = ctx.state.tree;
  const path = req.path;
  const lastSlash = path.lastIndexOf("/");
  if (lastSlash < 0 || path.includes("\u0000") || isProtectedPath(path)) {
    return ErrorCode.badArguments;
  }
  const parent = tree.get(lastSlash === 0 ? rootPath : path.slice(0, lastSlash));
  if (parent === undefined) return ErrorCode.noNode;
  if (!hasPermission(parent.acl.acl, Perm.delete, ctx.ids)) return ErrorCode.noAuth;
  const node = tree.get(path);
  if (node === undefined) return ErrorCode.noNode;
  if (req.version !== -1 && req.version !== node.version) return ErrorCode.badVersion;
  if (node.children !== null) return ErrorCode.notEmpty;
  removeNode(ctx, path);
  return null;
}

/** Deletes an existing childless node and records its triggers (delete, close, reap). */
function removeNode(ctx: Ctx, path: string): Znode {
  const tree = ctx.state.tree;
  const parentPath = parentOf(path);
  const parent = tree.get(parentPath);
  assert(parent !== undefined, `parent of ${path} missing`);
  const node = tree.deleteNode(path, ctx.zxid);
  ctx.triggers.push(
    { type: EventType.nodeDeleted, path, zxid: ctx.zxid, acl: node.acl.acl },
    { type: EventType.nodeChildrenChanged, path: parentPath, zxid: ctx.zxid, acl: parent.acl.acl },
  );
  return node;
}

/** setData (5): §6.5 in its order. */
function setData(ctx: Ctx, req: SetDataRequest): OpResult {
  const tree = ctx.state.tree;
  if (!isValidPath(req.path)) return ErrorCode.badArguments;
  const node = tree.get(req.path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.write, ctx.ids)) return ErrorCode.noAuth;
  const dataLength = req.data === null ? 0 : req.data.length;
  if (quotaRefuses(ctx, req.path, dataLength - node.dataLength, 0)) return ErrorCode.quotaExceeded;
  if (req.version !== -1 && req.version !== node.version) return ErrorCode.badVersion;
  tree.setData(req.path, node, storedData(req.data), ctx.zxid, ctx.timeMs);
  ctx.triggers.push({
    type: EventType.nodeDataChanged,
    path: req.path,
    zxid: ctx.zxid,
    acl: node.acl.acl,
  });
  return { stat: statOf(node) };
}

/** setACL (7): §6.6 in its order. */
function setAcl(ctx: Ctx, req: SetACLRequest): OpResult {
  const tree = ctx.state.tree;
  if (!isValidPath(req.path)) return ErrorCode.badArguments;
  const acl = fixupAcl(req.acl, ctx.ids, ctx.state.options.aclSchemes);
  if (acl === null) return ErrorCode.invalidACL;
  const node = tree.get(req.path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.admin, ctx.ids)) return ErrorCode.noAuth;
  if (req.version !== -1 && req.version !== node.aversion) return ErrorCode.badVersion;
  tree.setAcl(req.path, node, acl);
  return { stat: statOf(node) };
}

/** check (13), inside multi only. */
function check(ctx: Ctx, req: CheckVersionRequest): OpResult {
  const tree = ctx.state.tree;
  if (!isValidPath(req.path)) return ErrorCode.badArguments;
  const node = tree.get(req.path);
  if (node === undefined) return ErrorCode.noNode;
  if (!hasPermission(node.acl.acl, Perm.read, ctx.ids)) return ErrorCode.noAuth;
  if (req.version !== -1 && req.version !== node.version) return ErrorCode.badVersion;
  return null;
}

const writeTypesInMulti: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.check,
]);

/**
 * multi (14): every op checked against the state as the earlier ops left it; all or nothing
 * (§7). On failure: earlier ops report err 0, the failing op its code, later ops
 * RuntimeInconsistency, all as error results; nothing is applied and no watch fires.
 */
function applyMulti(ctx: Ctx, ops: readonly MultiOp[]): ApplyResult {
  for (const op of ops) {
    if (!writeTypesInMulti.has(op.type)) return { err: ErrorCode.marshallingError, body: null };
  }
  const tree = ctx.state.tree;
  const triggersBefore = ctx.triggers.length;
  const warningsBefore = ctx.warnings.length;
  const results: MultiResult[] = [];
  tree.beginUndo();
  let failedAt = -1;
  let failure = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const r = applySingle(ctx, op);
    if (typeof r === "number") {
      failedAt = i;
      failure = r;
      break;
    }
    results.push(multiResultOf(op.type, r));
  }
  if (failedAt < 0) {
    tree.commitUndo();
    return { err: ErrorCode.ok, body: results };
  }
  tree.rollback();
  ctx.triggers.length = triggersBefore;
  ctx.warnings.length = warningsBefore;
  const failed: MultiResult[] = [];
  for (let i = 0; i < ops.length; i++) {
    const err =
      i < failedAt ? ErrorCode.ok : i === failedAt ? failure : ErrorCode.runtimeInconsistency;
    failed.push({ type: -1, err });
  }
  return { err: ErrorCode.ok, body: failed };
}

function multiResultOf(
  type: number,
  r: CreateResponse | Create2Response | StatResponse | null,
): MultiResult {
  switch (type) {
    case OpCode.create:
      return { type: OpCode.create, response: { path: (r as CreateResponse).path } };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { type: OpCode.create2, response: r as Create2Response };
    case OpCode.delete:
      return { type: OpCode.delete, response: null };
    case OpCode.check:
      return { type: OpCode.check, response: null };
    case OpCode.setData:
      return { type: OpCode.setData, response: r as StatResponse };
    default:
      assert(false, `multi result for op ${type}`);
  }
}

/** Ends a session: all its ephemerals deleted with this one zxid, then the session itself. */
function closeSession(ctx: Ctx, sessionId: number): void {
  const tree = ctx.state.tree;
  const paths = tree.ephemerals.get(sessionId);
  if (paths !== undefined) {
    for (const path of Array.from(paths)) removeNode(ctx, path);
  }
  assert(!tree.ephemerals.has(sessionId), "ephemerals left after close");
  ctx.state.sessions.delete(sessionId);
}

/**
 * ZooKeeper 3.7+ quota check for a write under a quota path. Returns true when the write must
 * be refused (a hard limit while enforcement is on); every other violation becomes a warning.
 */
function quotaRefuses(ctx: Ctx, path: string, bytesDiff: number, countDiff: number): boolean {
  const tree = ctx.state.tree;
  const prefix = tree.quotaPrefixOf(path);
  if (prefix === null) return false;
  const limitNode = tree.get(limitPathOf(prefix));
  if (limitNode === undefined) return false;
  const limits = parseStats(limitNode.data);
  const checkCount = countDiff !== 0 && (limits.count > -1 || limits.countHardLimit > -1);
  const checkBytes = bytesDiff !== 0 && (limits.bytes > -1 || limits.byteHardLimit > -1);
  if (!checkCount && !checkBytes) return false;
  const statNode = tree.get(statPathOf(prefix));
  if (statNode === undefined) return false;
  const current = parseStats(statNode.data);
  const enforce = ctx.state.options.enforceQuota;
  if (checkCount) {
    const newCount = current.count + countDiff;
    const hard = limits.countHardLimit > -1;
    const limit = hard ? limits.countHardLimit : limits.count;
    if (newCount > limit) {
      const message = `Quota exceeded: ${prefix} [current count=${newCount}, ${hard ? "hard" : "soft"}CountLimit=${limit}]`;
      if (hard && enforce) return true;
      ctx.warnings.push({ quotaPath: prefix, hard, message });
    }
  }
  if (checkBytes) {
    const newBytes = current.bytes + bytesDiff;
    const hard = limits.byteHardLimit > -1;
    const limit = hard ? limits.byteHardLimit : limits.bytes;
    if (newBytes > limit) {
      const message = `Quota exceeded: ${prefix} [current bytes=${newBytes}, ${hard ? "hard" : "soft"}ByteLimit=${limit}]`;
      if (hard && enforce) return true;
      ctx.warnings.push({ quotaPath: prefix, hard, message });
    }
  }
  return false;
}
