// The handshake records (zookeeper-protocol.md §3). Neither has a header: each is the whole
// body of the first frame in its direction.
//
//   ConnectRequest   int protocolVersion, long lastZxidSeen, int timeOut, long sessionId,
//                    buffer passwd, [boolean readOnly]            44 or 45 bytes
//   ConnectResponse  int protocolVersion, int timeOut, long sessionId, buffer passwd,
//                    [boolean readOnly]                           36 or 37 bytes
//
// The readOnly byte is optional in both directions. Old clients (C 3.4, node-zookeeper-client)
// neither send it nor accept it; a server detects the dialect by whether a byte is left after
// passwd and answers in the same dialect. `readOnly: undefined` means "not on the wire", so a
// decoded record re-encodes to the same bytes. Session ids are bigints: a client may present
// any 64-bit id and must get back exactly what it sent.

import type { Buffer } from "node:buffer";
import { DecodeError } from "./decode-error.js";
import type { Reader } from "./reader.js";
import type { ConnectRequest, ConnectResponse } from "./records.js";
import type { Writer } from "./writer.js";

export function readConnectRequest(r: Reader): ConnectRequest {
  const protocolVersion = r.int();
  const lastZxidSeen = r.long();
  const timeOut = r.int();
  const sessionId = r.longBig();
  const passwd = r.buffer();
  const readOnly = r.remaining > 0 ? r.boolean() : undefined;
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
}

export function writeConnectRequest(w: Writer, req: ConnectRequest): void {
  w.int(req.protocolVersion);
  w.long(req.lastZxidSeen);
  w.int(req.timeOut);
  w.longBig(req.sessionId);
  w.buffer(req.passwd);
  if (req.readOnly !== undefined) w.boolean(req.readOnly);
}

export function readConnectResponse(r: Reader): ConnectResponse {
  const protocolVersion = r.int();
  const timeOut = r.int();
  const sessionId = r.longBig();
  const at = r.offset;
  const passwd = r.buffer();
  if (passwd === null) throw new DecodeError("null", "null session password", at);
  const readOnly = r.remaining > 0 ? r.boolean() : undefined;
  return { protocolVersion, timeOut, sessionId, passwd, readOnly };
}

export function writeConnectResponse(w: Writer, res: ConnectResponse): void {
  w.int(res.protocolVersion);
  w.int(res.timeOut);
  w.longBig(res.sessionId);
  w.buffer(res.passwd);
  if (res.readOnly !== undefined) w.boolean(res.readOnly);
}

/** Encodes a framed ConnectRequest (a view into `w`, valid until its next begin). */
export function encodeConnectRequest(w: Writer, req: ConnectRequest): Buffer {
  w.beginFrame();
  writeConnectRequest(w, req);
  return w.finishFrame();
}

/** Encodes a framed ConnectResponse (a view into `w`, valid until its next begin). */
export function encodeConnectResponse(w: Writer, res: ConnectResponse): Buffer {
  w.beginFrame();
  writeConnectResponse(w, res);
  return w.finishFrame();
}
