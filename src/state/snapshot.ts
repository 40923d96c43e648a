// Snapshot of the whole replicated state: tree (with counters and ACLs), sessions and the
// last applied zxid. The indexes (ephemerals per session, containers, TTL nodes, quota paths)
// are derived again while loading, so they cannot disagree with the nodes.
//
// Layout (little-endian; str = i32 byte length + UTF-8; bytes = i32 length or -1 for null +
// raw bytes):
//
//   header
//     4    magic "CRSN"
//     u32  format version (1)
//     f64  lastZxid
//   ACL lists (interned: nodes refer to them by index)
//     u32  list count; per list: u32 entry count; per entry: i32 perms, str scheme, str id
//   sessions, in creation order
//     u32  session count; per session: f64 id, i32 timeoutMs, bytes password (16)
//   nodes, depth-first pre-order from the root (a parent before its children, children in the
//   parent's order), so a node's path is its parent's path + "/" + name
//     u32  node count
//     per node: str name ("" for the root), f64 czxid, f64 mzxid, f64 pzxid, f64 ctime,
//               f64 mtime, i32 version, i32 aversion, i32 childCreations, u8 kind,
//               f64 owner, u32 ACL list index, bytes data, u32 child count
//   trailer
//     u32  zlib.crc32 of every byte before it
//
// The options (extended types, quota enforcement) are configuration, not state: the loader
// passes them in. The image is written by snapshot-writer.ts, a slice at a time.

import { crc32 } from "node:zlib";
import type { AclEntry } from "../tree/acl.js";
import { DataTree } from "../tree/data-tree.js";
import { rootPath } from "../tree/path.js";
import { type NodeKind, Znode } from "../tree/znode.js";
import { ByteReader, StateFormatError } from "./bytes.js";
import { Session, SessionTable } from "./sessions.js";
import { defaultStateOptions, State, type StateOptions } from "./state.js";

export const snapshotMagic = 0x4e535243; // "CRSN" read as a little-endian u32
export const snapshotFormatVersion = 1;

export function decodeSnapshot(bytes: Uint8Array, options: Partial<StateOptions> = {}): State {
  if (bytes.length < 20) throw new StateFormatError("snapshot too short");
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new ByteReader(bytes, bytes.length - 4).u32();
  if (crc32(body) !== stored) throw new StateFormatError("snapshot checksum mismatch");
  const reader = new ByteReader(bytes, 0, bytes.length - 4);
  if (reader.u32() !== snapshotMagic) throw new StateFormatError("not a Corral snapshot");
  const version = reader.u32();
  if (version !== snapshotFormatVersion) throw new StateFormatError(`snapshot format ${version}`);
  const lastZxid = reader.f64();

  const tree = new DataTree();
  const aclCount = reader.count(4);
  const entries: AclEntry[] = [];
  for (let i = 0; i < aclCount; i++) {
    const n = reader.count(12);
    const list = [];
    for (let j = 0; j < n; j++) {
      const perms = reader.i32();
      const scheme = reader.str();
      list.push({ perms, id: { scheme, id: reader.str() } });
    }
    entries.push(tree.acls.acquire(list));
  }

  const sessions = new SessionTable();
  const sessionCount = reader.count(16);
  for (let i = 0; i < sessionCount; i++) {
    const id = reader.f64();
    const timeoutMs = reader.i32();
    const password = reader.bytes();
    if (password === null || password.length !== 16) throw new StateFormatError("bad password");
    sessions.add(new Session(id, Uint8Array.prototype.slice.call(password), timeoutMs));
  }

  const nodeCount = reader.count(60);
  // Open parents: the path of each and how many of its children are still to come.
  const openPaths: string[] = [];
  const openNodes: Znode[] = [];
  const openLeft: number[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = reader.str();
    const czxid = reader.f64();
    const mzxid = reader.f64();
    const pzxid = reader.f64();
    const ctime = reader.f64();
    const mtime = reader.f64();
    const nodeVersion = reader.i32();
    const aversion = reader.i32();
    const childCreations = reader.i32();
    const kind = reader.u8();
    const owner = reader.f64();
    const aclAt = reader.u32();
    const data = reader.latin1();
    const childCount = reader.count(60);
    if (kind > 3) throw new StateFormatError(`bad node kind ${kind}`);
    if (aclAt >= entries.length) throw new StateFormatError(`bad ACL index ${aclAt}`);
    let path: string;
    let parentNode: Znode | undefined;
    if (i === 0) {
      if (name !== "") throw new StateFormatError("first node is not the root");
      path = rootPath;
    } else {
      while (openLeft.length > 0 && openLeft[openLeft.length - 1] === 0) {
        openLeft.pop();
        openPaths.pop();
        openNodes.pop();
      }
      if (openLeft.length === 0 || name.length === 0 || name.includes("/")) {
        throw new StateFormatError(`misplaced node ${name}`);
      }
      openLeft[openLeft.length - 1]--;
      const parent = openPaths[openPaths.length - 1];
      parentNode = openNodes[openNodes.length - 1];
      path = parent === rootPath ? `/${name}` : `${parent}/${name}`;
      if (parentNode.children?.has(name)) throw new StateFormatError(`duplicate node ${path}`);
    }
    const node = new Znode(
      data,
      tree.acls.retain(entries[aclAt]),
      czxid,
      ctime,
      kind as NodeKind,
      owner,
    );
    node.mzxid = mzxid;
    node.pzxid = pzxid;
    node.mtime = mtime;
    node.version = nodeVersion;
    node.aversion = aversion;
    node.childCreations = childCreations;
    tree.restoreNode(path, node, parentNode);
    if (childCount > 0) {
      openPaths.push(path);
      openNodes.push(node);
      openLeft.push(childCount);
    }
  }
  if (openLeft.some((n) => n !== 0)) throw new StateFormatError("snapshot ends inside a node");
  if (reader.remaining !== 0) throw new StateFormatError(`${reader.remaining} trailing bytes`);
  // Lists only the decoder held are dropped again.
  for (const entry of entries) tree.acls.release(entry);
  const state = new State(tree, sessions, { ...defaultStateOptions, ...options });
  state.lastZxid = lastZxid;
  state.lastTxnZxid = lastZxid;
  return state;
}
