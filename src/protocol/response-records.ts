// Response bodies, one reader and one writer per record (zookeeper-protocol.md §6):
//
//   CreateResponse               ustring path
//   Create2Response              ustring path, Stat stat
//   StatResponse                 Stat stat          (exists, setData, setACL)
//   GetDataResponse              buffer data, Stat stat   (getData, reconfig)
//   GetACLResponse               vector<ACL> acl, Stat stat
//   GetChildrenResponse          vector<ustring> children
//   GetChildren2Response         vector<ustring> children, Stat stat
//   SyncResponse                 ustring path       (PathRequest shape)
//   GetEphemeralsResponse        vector<ustring> ephemerals
//   GetAllChildrenNumberResponse int totalNumber
//   WhoAmIResponse               vector<ClientInfo> clientInfo
//   ErrorResponse                int err            (addWatch, multi error results)
//
// GetDataResponse.data is a view into the received frame: see reader.ts.

import {
  readACLList,
  readClientInfoList,
  readStat,
  readStringList,
  readStringListRequired,
  writeACLList,
  writeClientInfoList,
  writeStat,
  writeStringList,
} from "./data-records.js";
import type { Reader } from "./reader.js";
import type {
  Create2Response,
  CreateResponse,
  ErrorResponse,
  GetACLResponse,
  GetAllChildrenNumberResponse,
  GetChildren2Response,
  GetChildrenResponse,
  GetDataResponse,
  GetEphemeralsResponse,
  StatResponse,
  WhoAmIResponse,
} from "./records.js";
import type { Writer } from "./writer.js";

export function readCreateResponse(r: Reader): CreateResponse {
  const path = r.string();
  return { path };
}

export function writeCreateResponse(w: Writer, res: CreateResponse): void {
  w.ustring(res.path);
}

export function readCreate2Response(r: Reader): Create2Response {
  const path = r.string();
  const stat = readStat(r);
  return { path, stat };
}

export function writeCreate2Response(w: Writer, res: Create2Response): void {
  w.ustring(res.path);
  writeStat(w, res.stat);
}

export function readStatResponse(r: Reader): StatResponse {
  const stat = readStat(r);
  return { stat };
}

export function writeStatResponse(w: Writer, res: StatResponse): void {
  writeStat(w, res.stat);
}

export function readGetDataResponse(r: Reader): GetDataResponse {
  const data = r.buffer();
  const stat = readStat(r);
  return { data, stat };
}

export function writeGetDataResponse(w: Writer, res: GetDataResponse): void {
  w.buffer(res.data);
  writeStat(w, res.stat);
}

export function readGetACLResponse(r: Reader): GetACLResponse {
  const acl = readACLList(r);
  const stat = readStat(r);
  return { acl, stat };
}

export function writeGetACLResponse(w: Writer, res: GetACLResponse): void {
  writeACLList(w, res.acl);
  writeStat(w, res.stat);
}

export function readGetChildrenResponse(r: Reader): GetChildrenResponse {
  const children = readStringList(r);
  return { children };
}

export function writeGetChildrenResponse(w: Writer, res: GetChildrenResponse): void {
  writeStringList(w, res.children);
}

export function readGetChildren2Response(r: Reader): GetChildren2Response {
  const children = readStringList(r);
  const stat = readStat(r);
  return { children, stat };
}

export function writeGetChildren2Response(w: Writer, res: GetChildren2Response): void {
  writeStringList(w, res.children);
  writeStat(w, res.stat);
}

export function readGetEphemeralsResponse(r: Reader): GetEphemeralsResponse {
  const ephemerals = readStringListRequired(r);
  return { ephemerals };
}

export function writeGetEphemeralsResponse(w: Writer, res: GetEphemeralsResponse): void {
  writeStringList(w, res.ephemerals);
}

export function readGetAllChildrenNumberResponse(r: Reader): GetAllChildrenNumberResponse {
  const totalNumber = r.int();
  return { totalNumber };
}

export function writeGetAllChildrenNumberResponse(
  w: Writer,
  res: GetAllChildrenNumberResponse,
): void {
  w.int(res.totalNumber);
}

export function readWhoAmIResponse(r: Reader): WhoAmIResponse {
  const clientInfo = readClientInfoList(r);
  return { clientInfo };
}

export function writeWhoAmIResponse(w: Writer, res: WhoAmIResponse): void {
  writeClientInfoList(w, res.clientInfo);
}

export function readErrorResponse(r: Reader): ErrorResponse {
  const err = r.int();
  return { err };
}

export function writeErrorResponse(w: Writer, res: ErrorResponse): void {
  w.int(res.err);
}
