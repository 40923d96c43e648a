// What a simulated client asks the member, on the wire: it draws random operations on its own
// subtree (creates of every plain mode, setData and delete with version -1, the current or a
// wrong version, checks inside multi, getData and exists, on nodes that exist and some that
// do not), encodes them with the protocol codecs, and turns each reply back into the outcome
// text the model predicts (subtree-model.ts), so the two compare as strings.
import { Buffer } from "node:buffer";
import { CreateMode, ErrorCode, OpCode } from "../protocol/constants.js";
import type { Reader } from "../protocol/reader.js";
import type { ACL, MultiOp, ReplyHeader } from "../protocol/records.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readResponseBody } from "../protocol/response-codec.js";
import type { Writer } from "../protocol/writer.js";
import type { Prng } from "./prng.js";
import { err, type ModelOp, type SubtreeModel, showData } from "./subtree-model.js";

const openAcl: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const names = ["a", "b", "c", "d", "e"];
/** Depth below the client's root beyond which creates go back to the root. */
const depthMax = 3;

/** A random operation on the client's subtree; `tag` makes its data unique. */
export function randomOp(model: SubtreeModel, random: Prng, tag: string): ModelOp {
  const root = model.root;
  if (!model.has(root)) return { kind: "create", path: root, data: tag, flags: 0 };
  const r = random.below(100);
  if (r < 35) return randomCreate(model, random, tag);
  const path = target(model, random);
  if (r < 55)
    return {
      kind: "setData",
      path,
      data: data(random, tag),
      version: version(model, random, path),
    };
  if (r < 68) return { kind: "delete", path, version: version(model, random, path) };
  if (r < 80) return { kind: "getData", path };
  if (r < 88) return { kind: "exists", path };
  const ops: ModelOp[] = [];
  const count = 1 + random.below(3);
  for (let i = 0; i < count; i++) {
    const k = random.below(4);
    const path = target(model, random);
    if (k === 0) ops.push(randomCreate(model, random, `${tag}.${i}`));
    else if (k === 1)
      ops.push({
        kind: "setData",
        path,
        data: data(random, `${tag}.${i}`),
        version: version(model, random, path),
      });
    else if (k === 2) ops.push({ kind: "delete", path, version: version(model, random, path) });
    else ops.push({ kind: "check", path, version: version(model, random, path) });
  }
  return { kind: "multi", ops };
}

function randomCreate(model: SubtreeModel, random: Prng, tag: string): ModelOp {
  const parents = model.parents();
  let parent = random.below(10) === 0 ? `${model.root}/missing` : random.pick(parents);
  if (parent.split("/").length > depthMax + 1) parent = model.root;
  const flags = random.below(4);
  const sequential =
    flags === CreateMode.persistentSequential || flags === CreateMode.ephemeralSequential;
  const name = sequential ? "s-" : random.pick(names);
  return { kind: "create", path: `${parent}/${name}`, data: data(random, tag), flags };
}

/** An existing node most of the time, else one that does not exist. */
function target(model: SubtreeModel, random: Prng): string {
  const paths = model.paths();
  if (paths.length === 0 || random.below(5) === 0) return `${model.root}/${random.pick(names)}x`;
  return random.pick(paths);
}

/** -1 half the time, else the version the node has now, sometimes one off. */
function version(model: SubtreeModel, random: Prng, path: string): number {
  const r = random.below(10);
  if (r < 5) return -1;
  const current = model.version(path);
  return r < 9 ? current : current + 1;
}

function data(random: Prng, tag: string): string | null {
  return random.below(20) === 0 ? null : tag;
}

function bytes(s: string | null): Uint8Array | null {
  return s === null ? null : Buffer.from(s, "latin1");
}

function multiOp(op: ModelOp): MultiOp {
  switch (op.kind) {
    case "create":
      return {
        type: 1,
        request: { path: op.path, data: bytes(op.data), acl: openAcl, flags: op.flags },
      };
    case "delete":
      return { type: 2, request: { path: op.path, version: op.version } };
    case "setData":
      return { type: 5, request: { path: op.path, data: bytes(op.data), version: op.version } };
    case "check":
      return { type: 13, request: { path: op.path, version: op.version } };
    default:
      throw new Error(`${op.kind} cannot be inside a multi`);
  }
}

const opcodes: Record<ModelOp["kind"], number> = {
  create: OpCode.create,
  delete: OpCode.delete,
  setData: OpCode.setData,
  check: OpCode.check,
  multi: OpCode.multi,
  getData: OpCode.getData,
  exists: OpCode.exists,
  closeSession: OpCode.closeSession,
};

export function opcodeOf(op: ModelOp): number {
  return opcodes[op.kind];
}

/** The whole request frame for `op` (a view of `w`). */
export function encodeOp(w: Writer, xid: number, op: ModelOp): Uint8Array {
  switch (op.kind) {
    case "create":
    case "delete":
    case "setData": {
      const { request } = multiOp(op);
      return encodeRequest(w, xid, opcodeOf(op) as 1, request as never);
    }
    case "multi":
      return encodeRequest(w, xid, OpCode.multi, op.ops.map(multiOp));
    case "getData":
    case "exists":
      return encodeRequest(w, xid, opcodeOf(op) as 4, { path: op.path, watch: false });
    case "closeSession":
      return encodeRequest(w, xid, OpCode.closeSession, null);
    case "check":
      throw new Error("check is sent inside a multi only");
  }
}

/**
 * The outcome text of a reply to `op` (the model's format), or a complaint when the reply is
 * inconsistent in itself (a setData whose Stat was not written at the reply's zxid).
 */
export function outcomeOf(op: ModelOp, header: ReplyHeader, r: Reader): string {
  if (header.err !== ErrorCode.ok) return err(header.err);
  switch (op.kind) {
    case "create":
      return `ok ${readResponseBody(r, OpCode.create).path}`;
    case "delete":
    case "closeSession":
    case "check":
      return "ok";
    case "setData": {
      const stat = readResponseBody(r, OpCode.setData).stat;
      if (stat.mzxid !== header.zxid)
        return `ok v${stat.version} but mzxid ${stat.mzxid} != zxid ${header.zxid}`;
      return `ok v${stat.version}`;
    }
    case "getData": {
      const res = readResponseBody(r, OpCode.getData);
      const text = res.data === null ? null : Buffer.from(res.data).toString("latin1");
      return `ok v${res.stat.version} ${showData(text)}`;
    }
    case "exists":
      return `ok v${readResponseBody(r, OpCode.exists).stat.version}`;
    case "multi": {
      const results = readResponseBody(r, OpCode.multi).map((m) => {
        if (m.type === -1) return err(m.err);
        if (m.type === 1) return `ok ${m.response.path}`;
        if (m.type === 5) return `ok v${m.response.stat.version}`;
        return "ok";
      });
      return `multi[${results.join(", ")}]`;
    }
  }
}

/** A short text for traces and failure reports. */
export function describeOp(op: ModelOp): string {
  switch (op.kind) {
    case "create":
      return `create ${op.path} f${op.flags} ${showData(op.data)}`;
    case "delete":
      return `delete ${op.path} v${op.version}`;
    case "setData":
      return `setData ${op.path} v${op.version} ${showData(op.data)}`;
    case "check":
      return `check ${op.path} v${op.version}`;
    case "multi":
      return `multi(${op.ops.map(describeOp).join("; ")})`;
    case "getData":
    case "exists":
      return `${op.kind} ${op.path}`;
    case "closeSession":
      return "closeSession";
  }
}
