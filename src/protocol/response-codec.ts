// Server-to-client frames after the handshake (zookeeper-protocol.md §4, §5, §11):
//
//   ReplyHeader  int xid, long zxid, int err   then, only when err is 0, the body of the
//                                             request's opcode:
//
//   1 create                                CreateResponse
//   15 create2, 19 createContainer,
//   21 createTTL                            Create2Response
//   3 exists, 5 setData, 7 setACL           StatResponse
//   4 getData, 16 reconfig                  GetDataResponse
//   6 getACL                                GetACLResponse
//   8 getChildren                           GetChildrenResponse
//   12 getChildren2                         GetChildren2Response
//   9 sync                                  PathRequest (SyncResponse echoes the path)
//   14 multi, 22 multiRead                  MultiResult[] (multi-codec.ts)
//   102 sasl                                SASLToken (SetSASLResponse)
//   103 getEphemerals                       GetEphemeralsResponse
//   104 getAllChildrenNumber                GetAllChildrenNumberResponse
//   106 addWatch                            ErrorResponse (err 0)
//   107 whoAmI                              WhoAmIResponse
//   everything else                         no body
//
// A notification is a ReplyHeader with xid -1 followed by a WatcherEvent. The client knows
// which opcode it sent for each xid, reads the header, and calls readResponseBody only when
// the xid is not special and err is 0 (as the Java and C clients do).

import type { Buffer } from "node:buffer";
import { unreachable } from "../base/assert.js";
import { OpCode, Xid } from "./constants.js";
import { writeWatcherEvent } from "./data-records.js";
import { DecodeError } from "./decode-error.js";
import { readMultiResponse, writeMultiResponse } from "./multi-codec.js";
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
  MultiResult,
  PathRequest,
  ReplyHeader,
  SASLToken,
  StatResponse,
  WatcherEvent,
  WhoAmIResponse,
} from "./records.js";
import {
  readPathRequest,
  readSASLToken,
  writePathRequest,
  writeSASLToken,
} from "./request-records.js";
import {
  readCreate2Response,
  readCreateResponse,
  readErrorResponse,
  readGetACLResponse,
  readGetAllChildrenNumberResponse,
  readGetChildren2Response,
  readGetChildrenResponse,
  readGetDataResponse,
  readGetEphemeralsResponse,
  readStatResponse,
  readWhoAmIResponse,
  writeCreate2Response,
  writeCreateResponse,
  writeErrorResponse,
  writeGetACLResponse,
  writeGetAllChildrenNumberResponse,
  writeGetChildren2Response,
  writeGetChildrenResponse,
  writeGetDataResponse,
  writeGetEphemeralsResponse,
  writeStatResponse,
  writeWhoAmIResponse,
} from "./response-records.js";
import type { Writer } from "./writer.js";

/** The success (err 0) response body record of every request opcode; null means no body. */
export interface ResponseBodies {
  [OpCode.create]: CreateResponse;
  [OpCode.delete]: null;
  [OpCode.exists]: StatResponse;
  [OpCode.getData]: GetDataResponse;
  [OpCode.setData]: StatResponse;
  [OpCode.getACL]: GetACLResponse;
  [OpCode.setACL]: StatResponse;
  [OpCode.getChildren]: GetChildrenResponse;
  [OpCode.sync]: PathRequest;
  [OpCode.ping]: null;
  [OpCode.getChildren2]: GetChildren2Response;
  [OpCode.check]: null;
  [OpCode.multi]: MultiResult[];
  [OpCode.create2]: Create2Response;
  [OpCode.reconfig]: GetDataResponse;
  [OpCode.checkWatches]: null;
  [OpCode.removeWatches]: null;
  [OpCode.createContainer]: Create2Response;
  [OpCode.deleteContainer]: null;
  [OpCode.createTTL]: Create2Response;
  [OpCode.multiRead]: MultiResult[];
  [OpCode.auth]: null;
  [OpCode.setWatches]: null;
  [OpCode.sasl]: SASLToken;
  [OpCode.getEphemerals]: GetEphemeralsResponse;
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse;
  [OpCode.setWatches2]: null;
  [OpCode.addWatch]: ErrorResponse;
  [OpCode.whoAmI]: WhoAmIResponse;
  [OpCode.closeSession]: null;
}

export type ResponseOpcode = keyof ResponseBodies;
export type ResponseBody = ResponseBodies[ResponseOpcode];

export function readReplyHeader(r: Reader): ReplyHeader {
  const xid = r.int();
  const zxid = r.long();
  const err = r.int();
  return { xid, zxid, err };
}

export function writeReplyHeader(w: Writer, xid: number, zxid: number, err: number): void {
  w.int(xid);
  w.long(zxid);
  w.int(err);
}

/** Decodes the success body of a reply to opcode `type`; DecodeError "opcode" if unknown. */
export function readResponseBody<T extends ResponseOpcode>(r: Reader, type: T): ResponseBodies[T];
export function readResponseBody(r: Reader, type: number): ResponseBody;
export function readResponseBody(r: Reader, type: number): ResponseBody {
  switch (type) {
    case OpCode.create:
      return readCreateResponse(r);
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return readCreate2Response(r);
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return readStatResponse(r);
    case OpCode.getData:
    case OpCode.reconfig:
      return readGetDataResponse(r);
    case OpCode.getACL:
      return readGetACLResponse(r);
    case OpCode.getChildren:
      return readGetChildrenResponse(r);
    case OpCode.getChildren2:
      return readGetChildren2Response(r);
    case OpCode.sync:
      return readPathRequest(r);
    case OpCode.multi:
    case OpCode.multiRead:
      return readMultiResponse(r);
    case OpCode.sasl:
      return readSASLToken(r);
    case OpCode.getEphemerals:
      return readGetEphemeralsResponse(r);
    case OpCode.getAllChildrenNumber:
      return readGetAllChildrenNumberResponse(r);
    case OpCode.addWatch:
      return readErrorResponse(r);
    case OpCode.whoAmI:
      return readWhoAmIResponse(r);
    case OpCode.delete:
    case OpCode.ping:
    case OpCode.check:
    case OpCode.checkWatches:
    case OpCode.removeWatches:
    case OpCode.deleteContainer:
    case OpCode.auth:
    case OpCode.setWatches:
    case OpCode.setWatches2:
    case OpCode.closeSession:
      return null;
    default:
      throw new DecodeError("opcode", `unknown response opcode ${type}`, r.offset);
  }
}

/** Writes the success body of a reply to opcode `type` (nothing for bodyless opcodes). */
export function writeResponseBody<T extends ResponseOpcode>(
  w: Writer,
  type: T,
  body: ResponseBodies[T],
): void;
export function writeResponseBody(w: Writer, type: number, body: ResponseBody): void;
export function writeResponseBody(w: Writer, type: number, body: ResponseBody): void {
  switch (type) {
    case OpCode.create:
      writeCreateResponse(w, body as CreateResponse);
      return;
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      writeCreate2Response(w, body as Create2Response);
      return;
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      writeStatResponse(w, body as StatResponse);
      return;
    case OpCode.getData:
    case OpCode.reconfig:
      writeGetDataResponse(w, body as GetDataResponse);
      return;
    case OpCode.getACL:
      writeGetACLResponse(w, body as GetACLResponse);
      return;
    case OpCode.getChildren:
      writeGetChildrenResponse(w, body as GetChildrenResponse);
      return;
    case OpCode.getChildren2:
      writeGetChildren2Response(w, body as GetChildren2Response);
      return;
    case OpCode.sync:
      writePathRequest(w, body as PathRequest);
      return;
    case OpCode.multi:
    case OpCode.multiRead:
      writeMultiResponse(w, body as MultiResult[]);
      return;
    case OpCode.sasl:
      writeSASLToken(w, body as SASLToken);
      return;
    case OpCode.getEphemerals:
      writeGetEphemeralsResponse(w, body as GetEphemeralsResponse);
      return;
    case OpCode.getAllChildrenNumber:
      writeGetAllChildrenNumberResponse(w, body as GetAllChildrenNumberResponse);
      return;
    case OpCode.addWatch:
      writeErrorResponse(w, body as ErrorResponse);
      return;
    case OpCode.whoAmI:
      writeWhoAmIResponse(w, body as WhoAmIResponse);
      return;
    case OpCode.delete:
    case OpCode.ping:
    case OpCode.check:
    case OpCode.checkWatches:
    case OpCode.removeWatches:
    case OpCode.deleteContainer:
    case OpCode.auth:
    case OpCode.setWatches:
    case OpCode.setWatches2:
    case OpCode.closeSession:
      return;
    default:
      unreachable(type as never, "writeResponseBody: not a request opcode");
  }
}

/**
 * Encodes a framed reply: the header, then the body only when `err` is 0 (a failed request's
 * reply is the header alone). Returns a view into `w`, valid until its next begin.
 */
export function encodeReply<T extends ResponseOpcode>(
  w: Writer,
  xid: number,
  zxid: number,
  err: number,
  type: T,
  body: ResponseBodies[T] | null,
): Buffer;
export function encodeReply(
  w: Writer,
  xid: number,
  zxid: number,
  err: number,
  type: number,
  body: ResponseBody,
): Buffer;
export function encodeReply(
  w: Writer,
  xid: number,
  zxid: number,
  err: number,
  type: number,
  body: ResponseBody,
): Buffer {
  w.beginFrame();
  writeReplyHeader(w, xid, zxid, err);
  if (err === 0) writeResponseBody(w, type, body);
  return w.finishFrame();
}

/** Encodes a framed reply that never has a body (ping, auth, errors): the header alone. */
export function encodeReplyHeader(w: Writer, xid: number, zxid: number, err: number): Buffer {
  w.beginFrame();
  writeReplyHeader(w, xid, zxid, err);
  return w.finishFrame();
}

/** Encodes a framed watch notification: ReplyHeader {-1, zxid, 0} + WatcherEvent. */
export function encodeNotification(w: Writer, zxid: number, event: WatcherEvent): Buffer {
  w.beginFrame();
  writeReplyHeader(w, Xid.notification, zxid, 0);
  writeWatcherEvent(w, event);
  return w.finishFrame();
}
