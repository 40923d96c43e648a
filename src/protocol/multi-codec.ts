// multi (14) and multiRead (22) framing (zookeeper-protocol.md §7).
//
// Request body: for each operation a MultiHeader {type, done=false, err=-1} followed by the
// operation's request record, then the terminator MultiHeader {type=-1, done=true, err=-1}.
//
//   type 1, 15, 19  CreateRequest        multi only
//   type 21         CreateTTLRequest     multi only
//   type 2          DeleteRequest        multi only
//   type 5          SetDataRequest       multi only
//   type 13         CheckVersionRequest  multi only
//   type 4          GetDataRequest       multiRead only
//   type 8          GetChildrenRequest   multiRead only
//
// Response body: for each result a MultiHeader {type, done=false, err} followed by
//
//   type 1   CreateResponse     type 15  Create2Response   type 5  SetDataResponse (Stat)
//   type 4   GetDataResponse    type 8   GetChildrenResponse
//   type 2, 13                  nothing
//   type -1  ErrorResponse {int err}   (the header's err carries the same code)
//
// then the same terminator. ZooKeeper's decoder stops at the first header with done=true,
// whatever its type, and so do we.
//
// ZooKeeper refuses while decoding, and answers MarshallingError for: an unknown operation
// type, reads and writes mixed in one request, and a create flag outside 0..6. We raise
// DecodeError in the same cases (and also for a read inside multi or a write inside
// multiRead, which no client sends), so the server answers MarshallingError too. Every loop
// consumes at least one 9-byte header per turn, so the frame size bounds the work.

import { CreateMode, OpCode } from "./constants.js";
import { writeMultiHeader } from "./data-records.js";
import { DecodeError } from "./decode-error.js";
import type { Reader } from "./reader.js";
import type { MultiOp, MultiResult } from "./records.js";
import {
  readCheckVersionRequest,
  readCreateRequest,
  readCreateTTLRequest,
  readDeleteRequest,
  readPathWatchRequest,
  readSetDataRequest,
  writeCheckVersionRequest,
  writeCreateRequest,
  writeCreateTTLRequest,
  writeDeleteRequest,
  writePathWatchRequest,
  writeSetDataRequest,
} from "./request-records.js";
import {
  readCreate2Response,
  readCreateResponse,
  readErrorResponse,
  readGetChildrenResponse,
  readGetDataResponse,
  readStatResponse,
  writeCreate2Response,
  writeCreateResponse,
  writeGetChildrenResponse,
  writeGetDataResponse,
  writeStatResponse,
} from "./response-records.js";
import type { Writer } from "./writer.js";

/** Reads a multi (opcode 14) or multiRead (opcode 22) request body. */
export function readMultiRequest(
  r: Reader,
  opcode: typeof OpCode.multi | typeof OpCode.multiRead,
): MultiOp[] {
  const reads = opcode === OpCode.multiRead;
  const ops: MultiOp[] = [];
  for (;;) {
    // The header's fields are read in place: a MultiHeader object per op would be garbage.
    const at = r.offset;
    const type = r.int();
    const done = r.boolean();
    r.int(); // err: -1 in requests, ignored as ZooKeeper does
    if (done) return ops;
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
      case OpCode.delete:
      case OpCode.setData:
      case OpCode.check:
        if (reads) throw new DecodeError("opcode", `write op ${type} inside multiRead`, at);
        break;
      case OpCode.getData:
      case OpCode.getChildren:
        if (!reads) throw new DecodeError("opcode", `read op ${type} inside multi`, at);
        break;
      default:
        throw new DecodeError("opcode", `invalid multi op type ${type}`, at);
    }
    ops.push(readMultiOp(r, type, at));
  }
}

function readMultiOp(r: Reader, type: number, at: number): MultiOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer: {
      const request = readCreateRequest(r);
      checkCreateFlags(request.flags, at);
      return { type, request };
    }
    case OpCode.createTTL: {
      const request = readCreateTTLRequest(r);
      checkCreateFlags(request.flags, at);
      return { type, request };
    }
    case OpCode.delete:
      return { type, request: readDeleteRequest(r) };
    case OpCode.setData:
      return { type, request: readSetDataRequest(r) };
    case OpCode.check:
      return { type, request: readCheckVersionRequest(r) };
    case OpCode.getData:
    case OpCode.getChildren:
      return { type, request: readPathWatchRequest(r) };
    default:
      throw new DecodeError("opcode", `invalid multi op type ${type}`, at);
  }
}

function checkCreateFlags(flags: number, at: number): void {
  if (flags < CreateMode.persistent || flags > CreateMode.persistentSequentialWithTTL) {
    throw new DecodeError("value", `invalid create flags ${flags} inside multi`, at);
  }
}

/** Writes a multi or multiRead request body (the caller chose the opcode from the ops). */
export function writeMultiRequest(w: Writer, ops: readonly MultiOp[]): void {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    writeMultiHeader(w, op.type, false, -1);
    switch (op.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        writeCreateRequest(w, op.request);
        break;
      case OpCode.createTTL:
        writeCreateTTLRequest(w, op.request);
        break;
      case OpCode.delete:
        writeDeleteRequest(w, op.request);
        break;
      case OpCode.setData:
        writeSetDataRequest(w, op.request);
        break;
      case OpCode.check:
        writeCheckVersionRequest(w, op.request);
        break;
      case OpCode.getData:
      case OpCode.getChildren:
        writePathWatchRequest(w, op.request);
        break;
    }
  }
  writeMultiHeader(w, -1, true, -1);
}

/** Reads a multi or multiRead response body. */
export function readMultiResponse(r: Reader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const at = r.offset;
    const type = r.int();
    const done = r.boolean();
    r.int(); // err: repeated by the ErrorResponse body for error results, 0 otherwise
    if (done) return results;
    switch (type) {
      case OpCode.create:
        results.push({ type, response: readCreateResponse(r) });
        break;
      case OpCode.create2:
        results.push({ type, response: readCreate2Response(r) });
        break;
      case OpCode.delete:
      case OpCode.check:
        results.push({ type, response: null });
        break;
      case OpCode.setData:
        results.push({ type, response: readStatResponse(r) });
        break;
      case OpCode.getChildren:
        results.push({ type, response: readGetChildrenResponse(r) });
        break;
      case OpCode.getData:
        results.push({ type, response: readGetDataResponse(r) });
        break;
      case OpCode.error:
        results.push({ type, err: readErrorResponse(r).err });
        break;
      default:
        throw new DecodeError("opcode", `invalid multi result type ${type}`, at);
    }
  }
}

/** Writes a multi or multiRead response body. */
export function writeMultiResponse(w: Writer, results: readonly MultiResult[]): void {
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    switch (result.type) {
      case OpCode.create:
        writeMultiHeader(w, result.type, false, 0);
        writeCreateResponse(w, result.response);
        break;
      case OpCode.create2:
        writeMultiHeader(w, result.type, false, 0);
        writeCreate2Response(w, result.response);
        break;
      case OpCode.delete:
      case OpCode.check:
        writeMultiHeader(w, result.type, false, 0);
        break;
      case OpCode.setData:
        writeMultiHeader(w, result.type, false, 0);
        writeStatResponse(w, result.response);
        break;
      case OpCode.getChildren:
        writeMultiHeader(w, result.type, false, 0);
        writeGetChildrenResponse(w, result.response);
        break;
      case OpCode.getData:
        writeMultiHeader(w, result.type, false, 0);
        writeGetDataResponse(w, result.response);
        break;
      case OpCode.error:
        writeMultiHeader(w, result.type, false, result.err);
        w.int(result.err);
        break;
    }
  }
  writeMultiHeader(w, -1, true, -1);
}
