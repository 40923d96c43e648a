// Request bodies, one reader and one writer per record (zookeeper-protocol.md §6):
//
//   CreateRequest        ustring path, buffer data, vector<ACL> acl, int flags
//   CreateTTLRequest     CreateRequest fields, long ttl
//   DeleteRequest        ustring path, int version
//   PathWatchRequest     ustring path, boolean watch    (exists, getData, getChildren, 2)
//   SetDataRequest       ustring path, buffer data, int version
//   PathRequest          ustring path   (getACL, sync, getAllChildrenNumber, deleteContainer)
//   SetACLRequest        ustring path, vector<ACL> acl, int version
//   CheckVersionRequest  ustring path, int version
//   ReconfigRequest      ustring joiningServers, ustring leavingServers, ustring newMembers,
//                        long curConfigId                      (each string may be null)
//   AuthPacket           int type, ustring scheme, buffer auth
//   SetWatches           long relativeZxid, vector<ustring> dataWatches, existWatches,
//                        childWatches
//   SetWatches2          SetWatches fields, vector<ustring> persistentWatches,
//                        persistentRecursiveWatches
//   AddWatchRequest      ustring path, int mode
//   WatchesRequest       ustring path, int type          (checkWatches, removeWatches)
//   GetEphemeralsRequest ustring prefixPath (may be null)
//   SASLToken            buffer token                    (GetSASLRequest, SetSASLResponse)
//
// Byte buffers (data, auth, token) are views into the received frame: see reader.ts.

import {
  readACLList,
  readStringListRequired,
  writeACLList,
  writeStringList,
} from "./data-records.js";
import type { Reader } from "./reader.js";
import type {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  GetEphemeralsRequest,
  PathRequest,
  PathWatchRequest,
  ReconfigRequest,
  SASLToken,
  SetACLRequest,
  SetDataRequest,
  SetWatches,
  SetWatches2,
  WatchesRequest,
} from "./records.js";
import type { Writer } from "./writer.js";

export function readCreateRequest(r: Reader): CreateRequest {
  const path = r.string();
  const data = r.buffer();
  const acl = readACLList(r);
  const flags = r.int();
  return { path, data, acl, flags };
}

export function writeCreateRequest(w: Writer, req: CreateRequest): void {
  w.ustring(req.path);
  w.buffer(req.data);
  writeACLList(w, req.acl);
  w.int(req.flags);
}

export function readCreateTTLRequest(r: Reader): CreateTTLRequest {
  const path = r.string();
  const data = r.buffer();
  const acl = readACLList(r);
  const flags = r.int();
  const ttl = r.long();
  return { path, data, acl, flags, ttl };
}

export function writeCreateTTLRequest(w: Writer, req: CreateTTLRequest): void {
  writeCreateRequest(w, req);
  w.long(req.ttl);
}

export function readDeleteRequest(r: Reader): DeleteRequest {
  const path = r.string();
  const version = r.int();
  return { path, version };
}

export function writeDeleteRequest(w: Writer, req: DeleteRequest): void {
  w.ustring(req.path);
  w.int(req.version);
}

export function readPathWatchRequest(r: Reader): PathWatchRequest {
  const path = r.string();
  const watch = r.boolean();
  return { path, watch };
}

export function writePathWatchRequest(w: Writer, req: PathWatchRequest): void {
  w.ustring(req.path);
  w.boolean(req.watch);
}

export function readSetDataRequest(r: Reader): SetDataRequest {
  const path = r.string();
  const data = r.buffer();
  const version = r.int();
  return { path, data, version };
}

export function writeSetDataRequest(w: Writer, req: SetDataRequest): void {
  w.ustring(req.path);
  w.buffer(req.data);
  w.int(req.version);
}

export function readPathRequest(r: Reader): PathRequest {
  const path = r.string();
  return { path };
}

export function writePathRequest(w: Writer, req: PathRequest): void {
  w.ustring(req.path);
}

export function readSetACLRequest(r: Reader): SetACLRequest {
  const path = r.string();
  const acl = readACLList(r);
  const version = r.int();
  return { path, acl, version };
}

export function writeSetACLRequest(w: Writer, req: SetACLRequest): void {
  w.ustring(req.path);
  writeACLList(w, req.acl);
  w.int(req.version);
}

export function readCheckVersionRequest(r: Reader): CheckVersionRequest {
  const path = r.string();
  const version = r.int();
  return { path, version };
}

export function writeCheckVersionRequest(w: Writer, req: CheckVersionRequest): void {
  w.ustring(req.path);
  w.int(req.version);
}

export function readReconfigRequest(r: Reader): ReconfigRequest {
  const joiningServers = r.ustring();
  const leavingServers = r.ustring();
  const newMembers = r.ustring();
  const curConfigId = r.long();
  return { joiningServers, leavingServers, newMembers, curConfigId };
}

export function writeReconfigRequest(w: Writer, req: ReconfigRequest): void {
  w.ustring(req.joiningServers);
  w.ustring(req.leavingServers);
  w.ustring(req.newMembers);
  w.long(req.curConfigId);
}

export function readAuthPacket(r: Reader): AuthPacket {
  const type = r.int();
  const scheme = r.string();
  const auth = r.buffer();
  return { type, scheme, auth };
}

export function writeAuthPacket(w: Writer, packet: AuthPacket): void {
  w.int(packet.type);
  w.ustring(packet.scheme);
  w.buffer(packet.auth);
}

export function readSetWatches(r: Reader): SetWatches {
  const relativeZxid = r.long();
  const dataWatches = readStringListRequired(r);
  const existWatches = readStringListRequired(r);
  const childWatches = readStringListRequired(r);
  return { relativeZxid, dataWatches, existWatches, childWatches };
}

export function writeSetWatches(w: Writer, req: SetWatches): void {
  w.long(req.relativeZxid);
  writeStringList(w, req.dataWatches);
  writeStringList(w, req.existWatches);
  writeStringList(w, req.childWatches);
}

export function readSetWatches2(r: Reader): SetWatches2 {
  const relativeZxid = r.long();
  const dataWatches = readStringListRequired(r);
  const existWatches = readStringListRequired(r);
  const childWatches = readStringListRequired(r);
  const persistentWatches = readStringListRequired(r);
  const persistentRecursiveWatches = readStringListRequired(r);
  return {
    relativeZxid,
    dataWatches,
    existWatches,
    childWatches,
    persistentWatches,
    persistentRecursiveWatches,
  };
}

export function writeSetWatches2(w: Writer, req: SetWatches2): void {
  writeSetWatches(w, req);
  writeStringList(w, req.persistentWatches);
  writeStringList(w, req.persistentRecursiveWatches);
}

export function readAddWatchRequest(r: Reader): AddWatchRequest {
  const path = r.string();
  const mode = r.int();
  return { path, mode };
}

export function writeAddWatchRequest(w: Writer, req: AddWatchRequest): void {
  w.ustring(req.path);
  w.int(req.mode);
}

export function readWatchesRequest(r: Reader): WatchesRequest {
  const path = r.string();
  const type = r.int();
  return { path, type };
}

export function writeWatchesRequest(w: Writer, req: WatchesRequest): void {
  w.ustring(req.path);
  w.int(req.type);
}

export function readGetEphemeralsRequest(r: Reader): GetEphemeralsRequest {
  const prefixPath = r.ustring();
  return { prefixPath };
}

export function writeGetEphemeralsRequest(w: Writer, req: GetEphemeralsRequest): void {
  w.ustring(req.prefixPath);
}

export function readSASLToken(r: Reader): SASLToken {
  const token = r.buffer();
  return { token };
}

export function writeSASLToken(w: Writer, token: SASLToken): void {
  w.buffer(token.token);
}
