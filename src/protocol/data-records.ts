// The records that appear inside many others (zookeeper-protocol.md §6, §7, §11):
//
//   Id           ustring scheme, ustring id
//   ACL          int perms, Id id
//   Stat         long czxid, long mzxid, long ctime, long mtime, int version, int cversion,
//                int aversion, long ephemeralOwner, int dataLength, int numChildren,
//                long pzxid                                                  (68 bytes)
//   ClientInfo   ustring authScheme, ustring user
//   WatcherEvent int type, int state, ustring path
//   MultiHeader  int type, boolean done, int err
//
// plus vectors of ACLs and of strings. Strings the records type as non-null (a scheme, a
// path) raise DecodeError "null" when the wire says -1: ZooKeeper would fail such a request
// with a NullPointerException turned into MarshallingError, and the caller does the same.

import { DecodeError } from "./decode-error.js";
import type { Reader } from "./reader.js";
import type { ACL, ClientInfo, Id, MultiHeader, Stat, WatcherEvent } from "./records.js";
import type { Writer } from "./writer.js";

/** Smallest encodings, used to bound vector counts by the bytes left. */
export const stringBytesMin = 4;
export const aclBytesMin = 12;
export const clientInfoBytesMin = 8;
export const statBytes = 68;

export function readId(r: Reader): Id {
  // ZooKeeper decodes a null id as null and lets the ACL fix-up judge it (an `auth` entry
  // ignores its id; anything else is InvalidACL), so null reads as "" rather than failing.
  const scheme = r.string();
  const id = r.ustring() ?? "";
  return { scheme, id };
}

export function writeId(w: Writer, id: Id): void {
  w.ustring(id.scheme);
  w.ustring(id.id);
}

export function readACL(r: Reader): ACL {
  const perms = r.int();
  const id = readId(r);
  return { perms, id };
}

export function writeACL(w: Writer, acl: ACL): void {
  w.int(acl.perms);
  writeId(w, acl.id);
}

/** vector<ACL>; null stays null (create and setACL answer it with InvalidACL). */
export function readACLList(r: Reader): ACL[] | null {
  const count = r.vectorCount(aclBytesMin);
  if (count < 0) return null;
  const list: ACL[] = [];
  for (let i = 0; i < count; i++) list.push(readACL(r));
  return list;
}

export function writeACLList(w: Writer, list: readonly ACL[] | null): void {
  if (list === null) {
    w.vectorCount(-1);
    return;
  }
  w.vectorCount(list.length);
  for (let i = 0; i < list.length; i++) writeACL(w, list[i]);
}

export function readStat(r: Reader): Stat {
  // Field order is the wire order; the literal keeps one object shape for every Stat.
  const czxid = r.long();
  const mzxid = r.long();
  const ctime = r.long();
  const mtime = r.long();
  const version = r.int();
  const cversion = r.int();
  const aversion = r.int();
  const ephemeralOwner = r.long();
  const dataLength = r.int();
  const numChildren = r.int();
  const pzxid = r.long();
  return {
    czxid,
    mzxid,
    ctime,
    mtime,
    version,
    cversion,
    aversion,
    ephemeralOwner,
    dataLength,
    numChildren,
    pzxid,
  };
}

export function writeStat(w: Writer, stat: Stat): void {
  w.long(stat.czxid);
  w.long(stat.mzxid);
  w.long(stat.ctime);
  w.long(stat.mtime);
  w.int(stat.version);
  w.int(stat.cversion);
  w.int(stat.aversion);
  w.long(stat.ephemeralOwner);
  w.int(stat.dataLength);
  w.int(stat.numChildren);
  w.long(stat.pzxid);
}

/** vector<ustring> that may be null (getChildren results). Elements must not be null. */
export function readStringList(r: Reader): string[] | null {
  const count = r.vectorCount(stringBytesMin);
  if (count < 0) return null;
  const list: string[] = [];
  for (let i = 0; i < count; i++) list.push(r.string());
  return list;
}

/** vector<ustring> the record requires (setWatches lists, getEphemerals results). */
export function readStringListRequired(r: Reader): string[] {
  const at = r.offset;
  const list = readStringList(r);
  if (list === null) throw new DecodeError("null", "null list where a value is required", at);
  return list;
}

export function writeStringList(w: Writer, list: readonly string[] | null): void {
  if (list === null) {
    w.vectorCount(-1);
    return;
  }
  w.vectorCount(list.length);
  for (let i = 0; i < list.length; i++) w.ustring(list[i]);
}

export function readClientInfo(r: Reader): ClientInfo {
  const authScheme = r.string();
  const user = r.string();
  return { authScheme, user };
}

export function writeClientInfo(w: Writer, info: ClientInfo): void {
  w.ustring(info.authScheme);
  w.ustring(info.user);
}

export function readClientInfoList(r: Reader): ClientInfo[] {
  const at = r.offset;
  const count = r.vectorCount(clientInfoBytesMin);
  if (count < 0) throw new DecodeError("null", "null list where a value is required", at);
  const list: ClientInfo[] = [];
  for (let i = 0; i < count; i++) list.push(readClientInfo(r));
  return list;
}

export function writeClientInfoList(w: Writer, list: readonly ClientInfo[]): void {
  w.vectorCount(list.length);
  for (let i = 0; i < list.length; i++) writeClientInfo(w, list[i]);
}

export function readWatcherEvent(r: Reader): WatcherEvent {
  const type = r.int();
  const state = r.int();
  const path = r.string();
  return { type, state, path };
}

export function writeWatcherEvent(w: Writer, event: WatcherEvent): void {
  w.int(event.type);
  w.int(event.state);
  w.ustring(event.path);
}

export function readMultiHeader(r: Reader): MultiHeader {
  const type = r.int();
  const done = r.boolean();
  const err = r.int();
  return { type, done, err };
}

export function writeMultiHeader(w: Writer, type: number, done: boolean, err: number): void {
  w.int(type);
  w.boolean(done);
  w.int(err);
}
