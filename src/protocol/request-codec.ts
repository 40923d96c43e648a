// Client-to-server frames after the handshake (zookeeper-protocol.md §4, §5):
//
//   RequestHeader  int xid, int type        then the body of opcode `type`:
//
//   1 create, 15 create2, 19 createContainer  CreateRequest
//   21 createTTL                              CreateTTLRequest
//   2 delete                                  DeleteRequest
//   3 exists, 4 getData, 8 getChildren,
//   12 getChildren2                           PathWatchRequest
//   5 setData                                 SetDataRequest
//   6 getACL, 9 sync, 20 deleteContainer,
//   104 getAllChildrenNumber                  PathRequest
//   7 setACL                                  SetACLRequest
//   13 check                                  CheckVersionRequest
//   14 multi, 22 multiRead                    MultiOp[] (multi-codec.ts)
//   16 reconfig                               ReconfigRequest
//   17 checkWatches, 18 removeWatches         WatchesRequest
//   100 auth                                  AuthPacket
//   101 setWatches                            SetWatches
//   102 sasl                                  SASLToken (GetSASLRequest)
//   103 getEphemerals                         GetEphemeralsRequest
//   105 setWatches2                           SetWatches2
//   106 addWatch                              AddWatchRequest
//   11 ping, 107 whoAmI, -11 closeSession     no body
//
// The server reads the header, checks `isRequestOpcode` (an unknown opcode is answered with
// Unimplemented and a closed connection, not MarshallingError), then decodes the body with
// `readRequestBody`, which raises DecodeError for bytes that do not form that body. The
// client encodes whole frames with `encodeRequest`. Dispatch is one switch per direction.

import type { Buffer } from "node:buffer";
import { unreachable } from "../base/assert.js";
import { OpCode } from "./constants.js";
import { DecodeError } from "./decode-error.js";
import { readMultiRequest, writeMultiRequest } from "./multi-codec.js";
import type { Reader } from "./reader.js";
import type {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  GetEphemeralsRequest,
  MultiOp,
  PathRequest,
  PathWatchRequest,
  ReconfigRequest,
  RequestHeader,
  SASLToken,
  SetACLRequest,
  SetDataRequest,
  SetWatches,
  SetWatches2,
  WatchesRequest,
} from "./records.js";
import {
  readAddWatchRequest,
  readAuthPacket,
  readCheckVersionRequest,
  readCreateRequest,
  readCreateTTLRequest,
  readDeleteRequest,
  readGetEphemeralsRequest,
  readPathRequest,
  readPathWatchRequest,
  readReconfigRequest,
  readSASLToken,
  readSetACLRequest,
  readSetDataRequest,
  readSetWatches,
  readSetWatches2,
  readWatchesRequest,
  writeAddWatchRequest,
  writeAuthPacket,
  writeCheckVersionRequest,
  writeCreateRequest,
  writeCreateTTLRequest,
  writeDeleteRequest,
  writeGetEphemeralsRequest,
  writePathRequest,
  writePathWatchRequest,
  writeReconfigRequest,
  writeSASLToken,
  writeSetACLRequest,
  writeSetDataRequest,
  writeSetWatches,
  writeSetWatches2,
  writeWatchesRequest,
} from "./request-records.js";
import type { Writer } from "./writer.js";

/** The request body record of every opcode a client may send; null means no body. */
export interface RequestBodies {
  [OpCode.create]: CreateRequest;
  [OpCode.delete]: DeleteRequest;
  [OpCode.exists]: PathWatchRequest;
  [OpCode.getData]: PathWatchRequest;
  [OpCode.setData]: SetDataRequest;
  [OpCode.getACL]: PathRequest;
  [OpCode.setACL]: SetACLRequest;
  [OpCode.getChildren]: PathWatchRequest;
  [OpCode.sync]: PathRequest;
  [OpCode.ping]: null;
  [OpCode.getChildren2]: PathWatchRequest;
  [OpCode.check]: CheckVersionRequest;
  [OpCode.multi]: MultiOp[];
  [OpCode.create2]: CreateRequest;
  [OpCode.reconfig]: ReconfigRequest;
  [OpCode.checkWatches]: WatchesRequest;
  [OpCode.removeWatches]: WatchesRequest;
  [OpCode.createContainer]: CreateRequest;
  [OpCode.deleteContainer]: PathRequest;
  [OpCode.createTTL]: CreateTTLRequest;
  [OpCode.multiRead]: MultiOp[];
  [OpCode.auth]: AuthPacket;
  [OpCode.setWatches]: SetWatches;
  [OpCode.sasl]: SASLToken;
  [OpCode.getEphemerals]: GetEphemeralsRequest;
  [OpCode.getAllChildrenNumber]: PathRequest;
  [OpCode.setWatches2]: SetWatches2;
  [OpCode.addWatch]: AddWatchRequest;
  [OpCode.whoAmI]: null;
  [OpCode.closeSession]: null;
}

export type RequestOpcode = keyof RequestBodies;
export type RequestBody = RequestBodies[RequestOpcode];

/** True for every opcode a client may send (the keys of RequestBodies). */
export function isRequestOpcode(type: number): type is RequestOpcode {
  switch (type) {
    case OpCode.create:
    case OpCode.delete:
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.setData:
    case OpCode.getACL:
    case OpCode.setACL:
    case OpCode.getChildren:
    case OpCode.sync:
    case OpCode.ping:
    case OpCode.getChildren2:
    case OpCode.check:
    case OpCode.multi:
    case OpCode.create2:
    case OpCode.reconfig:
    case OpCode.checkWatches:
    case OpCode.removeWatches:
    case OpCode.createContainer:
    case OpCode.deleteContainer:
    case OpCode.createTTL:
    case OpCode.multiRead:
    case OpCode.auth:
    case OpCode.setWatches:
    case OpCode.sasl:
    case OpCode.getEphemerals:
    case OpCode.getAllChildrenNumber:
    case OpCode.setWatches2:
    case OpCode.addWatch:
    case OpCode.whoAmI:
    case OpCode.closeSession:
      return true;
    default:
      return false;
  }
}

export function readRequestHeader(r: Reader): RequestHeader {
  const xid = r.int();
  const type = r.int();
  return { xid, type };
}

export function writeRequestHeader(w: Writer, xid: number, type: number): void {
  w.int(xid);
  w.int(type);
}

/** Decodes the body of a request of opcode `type`; DecodeError "opcode" if it is unknown. */
export function readRequestBody<T extends RequestOpcode>(r: Reader, type: T): RequestBodies[T];
export function readRequestBody(r: Reader, type: number): RequestBody;
export function readRequestBody(r: Reader, type: number): RequestBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return readCreateRequest(r);
    case OpCode.createTTL:
      return readCreateTTLRequest(r);
    case OpCode.delete:
      return readDeleteRequest(r);
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return readPathWatchRequest(r);
    case OpCode.setData:
      return readSetDataRequest(r);
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.deleteContainer:
    case OpCode.getAllChildrenNumber:
      return readPathRequest(r);
    case OpCode.setACL:
      return readSetACLRequest(r);
    case OpCode.check:
      return readCheckVersionRequest(r);
    case OpCode.multi:
    case OpCode.multiRead:
      return readMultiRequest(r, type);
    case OpCode.reconfig:
      return readReconfigRequest(r);
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return readWatchesRequest(r);
    case OpCode.auth:
      return readAuthPacket(r);
    case OpCode.setWatches:
      return readSetWatches(r);
    case OpCode.sasl:
      return readSASLToken(r);
    case OpCode.getEphemerals:
      return readGetEphemeralsRequest(r);
    case OpCode.setWatches2:
      return readSetWatches2(r);
    case OpCode.addWatch:
      return readAddWatchRequest(r);
    case OpCode.ping:
    case OpCode.whoAmI:
    case OpCode.closeSession:
      return null;
    default:
      throw new DecodeError("opcode", `unknown request opcode ${type}`, r.offset);
  }
}

/**
 * Writes the body of a request of opcode `type`. The body must be the record RequestBodies
 * names for that opcode: a mismatch is a bug in the caller, caught by the type overload.
 */
export function writeRequestBody<T extends RequestOpcode>(
  w: Writer,
  type: T,
  body: RequestBodies[T],
): void;
export function writeRequestBody(w: Writer, type: number, body: RequestBody): void;
export function writeRequestBody(w: Writer, type: number, body: RequestBody): void {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      writeCreateRequest(w, body as CreateRequest);
      return;
    case OpCode.createTTL:
      writeCreateTTLRequest(w, body as CreateTTLRequest);
      return;
    case OpCode.delete:
      writeDeleteRequest(w, body as DeleteRequest);
      return;
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      writePathWatchRequest(w, body as PathWatchRequest);
      return;
    case OpCode.setData:
      writeSetDataRequest(w, body as SetDataRequest);
      return;
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.deleteContainer:
    case OpCode.getAllChildrenNumber:
      writePathRequest(w, body as PathRequest);
      return;
    case OpCode.setACL:
      writeSetACLRequest(w, body as SetACLRequest);
      return;
    case OpCode.check:
      writeCheckVersionRequest(w, body as CheckVersionRequest);
      return;
    case OpCode.multi:
    case OpCode.multiRead:
      writeMultiRequest(w, body as MultiOp[]);
      return;
    case OpCode.reconfig:
      writeReconfigRequest(w, body as ReconfigRequest);
      return;
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      writeWatchesRequest(w, body as WatchesRequest);
      return;
    case OpCode.auth:
      writeAuthPacket(w, body as AuthPacket);
      return;
    case OpCode.setWatches:
      writeSetWatches(w, body as SetWatches);
      return;
    case OpCode.sasl:
      writeSASLToken(w, body as SASLToken);
      return;
    case OpCode.getEphemerals:
      writeGetEphemeralsRequest(w, body as GetEphemeralsRequest);
      return;
    case OpCode.setWatches2:
      writeSetWatches2(w, body as SetWatches2);
      return;
    case OpCode.addWatch:
      writeAddWatchRequest(w, body as AddWatchRequest);
      return;
    case OpCode.ping:
    case OpCode.whoAmI:
    case OpCode.closeSession:
      return;
    default:
      unreachable(type as never, "writeRequestBody: not a request opcode");
  }
}

/** Encodes a framed request: header and body (a view into `w`, valid until its next begin). */
export function encodeRequest<T extends RequestOpcode>(
  w: Writer,
  xid: number,
  type: T,
  body: RequestBodies[T],
): Buffer;
export function encodeRequest(w: Writer, xid: number, type: number, body: RequestBody): Buffer;
export function encodeRequest(w: Writer, xid: number, type: number, body: RequestBody): Buffer {
  w.beginFrame();
  writeRequestHeader(w, xid, type);
  writeRequestBody(w, type, body);
  return w.finishFrame();
}
