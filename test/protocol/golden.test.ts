// Proves the codec against real bytes: every frame of real conversations between real
// ZooKeeper clients and the real Apache ZooKeeper 3.8.0 server decodes to a record and
// re-encodes to exactly the captured bytes, and the frames our decoder refuses are exactly
// ones the real server refused too (MarshallingError or Unimplemented).
//
// The vectors live in test/protocol/golden/zookeeper-3.8.0.json. To capture them again
// (about 20 s; needs java 17, the Debian `zookeeper` package and kazoo for /usr/bin/python3):
//
//   node scripts/capture/capture.mjs
//
// It starts ZooKeeper 3.8.0 standalone on a free port with a temporary dataDir, puts a
// recording proxy in front of it, drives the Java client (scripts/capture/JavaDriver.java),
// kazoo (scripts/capture/kazoo_driver.py) and hand-built raw frames through the proxy, and
// writes every conversation as hex. See the header of capture.mjs for what each client does.
// The coverage checks below fail if a new capture misses an opcode, a handshake dialect, a
// notification type, a multi outcome or an error code that this test relies on.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  DecodeError,
  ErrorCode,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeRequest,
  isRequestOpcode,
  type MultiOp,
  type MultiResult,
  OpCode,
  Reader,
  readConnectRequest,
  readConnectResponse,
  readReplyHeader,
  readRequestBody,
  readRequestHeader,
  readResponseBody,
  readWatcherEvent,
  type WatcherEvent,
  Writer,
  writeReplyHeader,
  writeResponseBody,
} from "../../src/protocol/index.js";

interface Golden {
  server: string;
  conversations: { label: string; frames: { from: "client" | "server"; hex: string }[] }[];
}

const golden: Golden = JSON.parse(
  readFileSync(
    new URL("../../../test/protocol/golden/zookeeper-3.8.0.json", import.meta.url),
    "utf8",
  ),
);

/** What the walk over all conversations saw, for the coverage checks. */
const seen = {
  frames: 0,
  requestOpcodes: new Set<number>(),
  multiOpTypes: new Set<number>(),
  multiResultTypes: new Set<number>(),
  multiErrors: new Set<number>(),
  replyErrors: new Set<number>(),
  eventTypes: new Set<number>(),
  connectRequestBytes: new Set<number>(),
  connectResponseBytes: new Set<number>(),
  expiredResponseBytes: new Set<number>(),
  refused: [] as { label: string; type: number; code: string; reply: number | undefined }[],
  bodies: [] as unknown[],
};

function sameBytes(actual: Uint8Array, expected: Buffer, what: string): void {
  assert.equal(Buffer.from(actual).toString("hex"), expected.toString("hex"), what);
}

function walk(label: string, frames: Golden["conversations"][number]["frames"]): void {
  const r = new Reader();
  const w = new Writer(64);
  const typeOfXid = new Map<number, number>();
  const refusedXids = new Map<number, { type: number; code: string }>();
  let handshakeSent = false;
  let handshakeAnswered = false;
  let readOnlyDialect: boolean | undefined;

  for (const [i, { from, hex }] of frames.entries()) {
    const frame = Buffer.from(hex, "hex");
    const what = `${label}, frame ${i} from ${from}`;
    seen.frames++;
    assert.equal(frame.readInt32BE(0), frame.length - 4, `${what}: length prefix`);
    r.reset(frame, 4);

    if (from === "client" && !handshakeSent) {
      handshakeSent = true;
      const request = readConnectRequest(r);
      readOnlyDialect = request.readOnly !== undefined;
      seen.connectRequestBytes.add(frame.length - 4);
      sameBytes(encodeConnectRequest(w, request), frame, what);
      continue;
    }
    if (from === "server" && !handshakeAnswered) {
      handshakeAnswered = true;
      const response = readConnectResponse(r);
      assert.equal(response.readOnly !== undefined, readOnlyDialect, `${what}: same dialect`);
      assert.equal(response.passwd.length, 16, `${what}: password length`);
      seen.connectResponseBytes.add(frame.length - 4);
      if (response.timeOut === 0) seen.expiredResponseBytes.add(frame.length - 4);
      sameBytes(encodeConnectResponse(w, response), frame, what);
      continue;
    }

    if (from === "client") {
      const { xid, type } = readRequestHeader(r);
      typeOfXid.set(xid, type);
      let body: ReturnType<typeof readRequestBody>;
      try {
        if (!isRequestOpcode(type)) readRequestBody(r, type);
        body = readRequestBody(r, type);
      } catch (e) {
        assert.ok(e instanceof DecodeError, `${what}: ${e}`);
        refusedXids.set(xid, { type, code: e.code });
        continue;
      }
      seen.requestOpcodes.add(type);
      if (type === OpCode.multi || type === OpCode.multiRead) {
        for (const op of body as MultiOp[]) seen.multiOpTypes.add(op.type);
      }
      seen.bodies.push(body);
      assert.equal(r.remaining, 0, `${what}: no trailing bytes`);
      sameBytes(encodeRequest(w, xid, type, body), frame, what);
      continue;
    }

    const header = readReplyHeader(r);
    seen.replyErrors.add(header.err);
    if (header.xid === -1) {
      const event: WatcherEvent = readWatcherEvent(r);
      seen.eventTypes.add(event.type);
      sameBytes(encodeNotification(w, header.zxid, event), frame, what);
      continue;
    }
    const refused = refusedXids.get(header.xid);
    if (refused !== undefined) {
      seen.refused.push({ label, ...refused, reply: header.err });
      refusedXids.delete(header.xid);
    }
    const type = typeOfXid.get(header.xid);
    assert.notEqual(type, undefined, `${what}: reply to an xid that was sent`);
    w.beginFrame();
    writeReplyHeader(w, header.xid, header.zxid, header.err);
    // A body follows only on success, except that ZooKeeper appends an (empty) result list
    // to a multiRead it refused; decode whatever is there.
    if (refused === undefined && (header.err === 0 || r.remaining > 0)) {
      const body = readResponseBody(r, type as number);
      seen.bodies.push(body);
      if (type === OpCode.multi || type === OpCode.multiRead) {
        for (const result of body as MultiResult[]) {
          seen.multiResultTypes.add(result.type);
          if (result.type === -1) seen.multiErrors.add(result.err);
        }
      }
      writeResponseBody(w, type as number, body);
    }
    assert.equal(r.remaining, 0, `${what}: no trailing bytes`);
    sameBytes(w.finishFrame(), frame, what);
  }
  // A refused request the server never answered (it closed first) still counts as refused.
  for (const refused of refusedXids.values())
    seen.refused.push({ label, ...refused, reply: undefined });
}

describe(`golden vectors from ${golden.server}`, () => {
  for (const { label, frames } of golden.conversations) {
    it(`${label}: every frame decodes and re-encodes byte for byte`, () => walk(label, frames));
  }

  it("cover every opcode a client sends", () => {
    const expected = [
      1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103,
      104, 105, 106, 107, -11,
    ];
    for (const opcode of expected) assert.ok(seen.requestOpcodes.has(opcode), `opcode ${opcode}`);
    for (const type of [1, 2, 4, 5, 8, 13, 15, 19, 21]) {
      assert.ok(seen.multiOpTypes.has(type), `multi op type ${type}`);
    }
  });

  it("cover both handshake dialects, fresh and expired", () => {
    assert.deepEqual([...seen.connectRequestBytes].sort(), [44, 45]);
    assert.deepEqual([...seen.connectResponseBytes].sort(), [36, 37]);
    assert.deepEqual([...seen.expiredResponseBytes].sort(), [36, 37]);
  });

  it("cover notifications, multi outcomes and the server's error codes", () => {
    for (const type of [1, 2, 3, 4]) assert.ok(seen.eventTypes.has(type), `event type ${type}`);
    for (const type of [-1, 1, 2, 4, 5, 8, 13]) {
      assert.ok(seen.multiResultTypes.has(type), `multi result type ${type}`);
    }
    for (const err of [0, ErrorCode.runtimeInconsistency, ErrorCode.badVersion, ErrorCode.noNode]) {
      assert.ok(seen.multiErrors.has(err), `multi error ${err}`);
    }
    const errors = [
      ErrorCode.noNode,
      ErrorCode.nodeExists,
      ErrorCode.badVersion,
      ErrorCode.notEmpty,
      ErrorCode.noChildrenForEphemerals,
      ErrorCode.invalidACL,
      ErrorCode.noAuth,
      ErrorCode.badArguments,
      ErrorCode.marshallingError,
      ErrorCode.unimplemented,
      ErrorCode.authFailed,
      ErrorCode.noWatcher,
      ErrorCode.reconfigDisabled,
    ];
    for (const err of errors) assert.ok(seen.replyErrors.has(err), `reply error ${err}`);
  });

  it("refuse exactly the frames the real server refused", () => {
    assert.deepEqual(
      seen.refused.map(({ type, code, reply }) => ({ type, code, reply })),
      [
        { type: OpCode.multi, code: "opcode", reply: ErrorCode.marshallingError },
        { type: OpCode.getData, code: "truncated", reply: ErrorCode.marshallingError },
        { type: 99, code: "opcode", reply: ErrorCode.unimplemented },
      ],
    );
  });

  it("decode to the values the clients wrote", () => {
    const json = JSON.stringify(seen.bodies, (_k, v) =>
      v?.type === "Buffer" ? Buffer.from(v.data).toString("utf8") : v,
    );
    for (const fragment of [
      '"path":"/golden/a","data":"hello"',
      '"path":"/golden/ünï-코드"',
      '"path":"/golden/seq-0000000001"',
      '"scheme":"digest","auth":"alice:secret"',
      '{"authScheme":"ip","user":"127.0.0.1"}',
      '"ephemerals":["/golden/es-0000000003","/golden/e"]',
      '"flags":5,"ttl":60000',
    ]) {
      assert.ok(json.includes(fragment), fragment);
    }
  });
});
