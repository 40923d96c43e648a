// Binary form of a log entry, as stored in the write-ahead log and sent in Raft messages.
// The log's own framing (length, checksum) belongs to storage/raft; this is the payload.
//
// Layout (little-endian; str = i32 byte length + UTF-8; bytes = i32 length or -1 for null +
// raw bytes; acl = i32 count or -1 for null, then per entry i32 perms, str scheme, str id):
//
//   u8   format version (1)
//   u8   kind: 1 createSession, 2 closeSession, 3 write, 4 reap
//   f64  timeMs
//   kind 1: i32 timeoutMs, bytes password
//   kind 2: f64 sessionId
//   kind 3: f64 sessionId, u32 id count, per id (str scheme, str id), op
//   kind 4: str path, f64 containerNeverUsedMs
//
//   op = i32 opcode, then by opcode:
//     1, 15, 19  create:    str path, bytes data, acl, i32 flags
//     21         createTTL: str path, bytes data, acl, i32 flags, f64 ttl
//     2          delete:    str path, i32 version
//     5          setData:   str path, bytes data, i32 version
//     7          setACL:    str path, acl, i32 version
//     13         check:     str path, i32 version
//     4, 8       getData/getChildren (only ever inside a refused multi): str path, u8 watch
//     14         multi:     u32 op count, then each op as above
//     16         reconfig:  i32 err, str servers (top level only)

import { unreachable } from "../base/assert.js";
import { OpCode } from "../protocol/constants.js";
import type { ACL, Id, MultiOp } from "../protocol/records.js";
import { ByteReader, ByteWriter, StateFormatError } from "./bytes.js";
import { type Entry, EntryKind, type WriteOp } from "./entry.js";

const formatVersion = 1;

function writeAcl(w: ByteWriter, acl: readonly ACL[] | null): void {
  if (acl === null) {
    w.i32(-1);
    return;
  }
  w.i32(acl.length);
  for (const a of acl) {
    w.i32(a.perms);
    w.str(a.id.scheme);
    w.str(a.id.id);
  }
}

function readAcl(r: ByteReader): ACL[] | null {
  const n = r.i32();
  if (n === -1) return null;
  if (n < 0 || n * 12 > r.remaining) throw new StateFormatError(`bad ACL count ${n}`);
  const out: ACL[] = [];
  for (let i = 0; i < n; i++) {
    const perms = r.i32();
    const scheme = r.str();
    out.push({ perms, id: { scheme, id: r.str() } });
  }
  return out;
}

function writeOp(w: ByteWriter, op: WriteOp | MultiOp): void {
  w.i32(op.type);
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      w.str(op.request.path);
      w.bytes(op.request.data);
      writeAcl(w, op.request.acl);
      w.i32(op.request.flags);
      if (op.type === OpCode.createTTL) w.f64(op.request.ttl);
      return;
    case OpCode.delete:
    case OpCode.check:
      w.str(op.request.path);
      w.i32(op.request.version);
      return;
    case OpCode.setData:
      w.str(op.request.path);
      w.bytes(op.request.data);
      w.i32(op.request.version);
      return;
    case OpCode.setACL:
      w.str(op.request.path);
      writeAcl(w, op.request.acl);
      w.i32(op.request.version);
      return;
    case OpCode.getData:
    case OpCode.getChildren:
      w.str(op.request.path);
      w.u8(op.request.watch ? 1 : 0);
      return;
    case OpCode.multi:
      w.u32(op.ops.length);
      for (const sub of op.ops) writeOp(w, sub);
      return;
    case OpCode.reconfig:
      w.i32(op.err);
      w.str(op.servers);
      return;
    default:
      unreachable(op, "write op");
  }
}

/** Copies a decoded byte view so the entry does not pin the log buffer it came from. */
function own(v: Uint8Array | null): Uint8Array | null {
  return v === null ? null : Uint8Array.prototype.slice.call(v);
}

function readOp(r: ByteReader, depth: number): WriteOp | MultiOp {
  const type = r.i32();
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer: {
      const path = r.str();
      const data = own(r.bytes());
      const acl = readAcl(r);
      return { type, request: { path, data, acl, flags: r.i32() } };
    }
    case OpCode.createTTL: {
      const path = r.str();
      const data = own(r.bytes());
      const acl = readAcl(r);
      const flags = r.i32();
      return { type, request: { path, data, acl, flags, ttl: r.f64() } };
    }
    case OpCode.delete:
    case OpCode.check: {
      const path = r.str();
      return { type, request: { path, version: r.i32() } };
    }
    case OpCode.setData: {
      const path = r.str();
      const data = own(r.bytes());
      return { type, request: { path, data, version: r.i32() } };
    }
    case OpCode.setACL: {
      const path = r.str();
      const acl = readAcl(r);
      return { type, request: { path, acl, version: r.i32() } };
    }
    case OpCode.getData:
    case OpCode.getChildren: {
      const path = r.str();
      return { type, request: { path, watch: r.u8() !== 0 } };
    }
    case OpCode.multi: {
      if (depth > 0) throw new StateFormatError("nested multi");
      const n = r.count(4);
      const ops: MultiOp[] = [];
      for (let i = 0; i < n; i++) ops.push(readOp(r, depth + 1) as MultiOp);
      return { type, ops };
    }
    case OpCode.reconfig: {
      if (depth > 0) throw new StateFormatError("reconfig inside a multi");
      const err = r.i32();
      return { type, err, servers: r.str() };
    }
    default:
      throw new StateFormatError(`unknown op ${type}`);
  }
}

export function encodeEntry(entry: Entry, w: ByteWriter = new ByteWriter()): Buffer {
  w.u8(formatVersion);
  w.u8(entry.kind);
  w.f64(entry.timeMs);
  switch (entry.kind) {
    case EntryKind.createSession:
      w.i32(entry.timeoutMs);
      w.bytes(entry.password);
      break;
    case EntryKind.closeSession:
      w.f64(entry.sessionId);
      break;
    case EntryKind.write:
      w.f64(entry.sessionId);
      w.u32(entry.authIds.length);
      for (const id of entry.authIds) {
        w.str(id.scheme);
        w.str(id.id);
      }
      writeOp(w, entry.op);
      break;
    case EntryKind.reap:
      w.str(entry.path);
      w.f64(entry.containerNeverUsedMs);
      break;
    default:
      unreachable(entry, "entry kind");
  }
  return w.finish();
}

export function decodeEntry(bytes: Uint8Array): Entry {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== formatVersion) throw new StateFormatError(`entry format ${version}`);
  const kind = r.u8();
  const timeMs = r.f64();
  let entry: Entry;
  switch (kind) {
    case EntryKind.createSession: {
      const timeoutMs = r.i32();
      const password = own(r.bytes());
      if (password === null) throw new StateFormatError("null session password");
      entry = { kind, timeMs, timeoutMs, password };
      break;
    }
    case EntryKind.closeSession:
      entry = { kind, timeMs, sessionId: r.f64() };
      break;
    case EntryKind.write: {
      const sessionId = r.f64();
      const n = r.count(8);
      const authIds: Id[] = [];
      for (let i = 0; i < n; i++) {
        const scheme = r.str();
        authIds.push({ scheme, id: r.str() });
      }
      const op = readOp(r, 0);
      if (
        op.type === OpCode.check ||
        op.type === OpCode.getData ||
        op.type === OpCode.getChildren
      ) {
        throw new StateFormatError(`op ${op.type} is not a top-level write`);
      }
      entry = { kind, timeMs, sessionId, authIds, op: op as WriteOp };
      break;
    }
    case EntryKind.reap: {
      const path = r.str();
      entry = { kind, timeMs, path, containerNeverUsedMs: r.f64() };
      break;
    }
    default:
      throw new StateFormatError(`unknown entry kind ${kind}`);
  }
  if (r.remaining !== 0) throw new StateFormatError(`${r.remaining} trailing bytes`);
  return entry;
}
