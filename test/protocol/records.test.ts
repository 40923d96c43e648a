// Proves that every ZooKeeper record the codec knows survives encode -> decode -> encode
// unchanged, in both directions and for every opcode, that the framing and the optional
// readOnly byte of the handshake come out in the right sizes, and that the worked example of
// zookeeper-protocol.md §6 encodes to exactly the bytes the document gives. Real-world bytes
// are checked separately against captured traffic in golden.test.ts.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import {
  type ConnectRequest,
  type ConnectResponse,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  encodeReplyHeader,
  encodeRequest,
  isRequestOpcode,
  OpCode,
  Reader,
  type RequestBody,
  type ResponseBody,
  readConnectRequest,
  readConnectResponse,
  readReplyHeader,
  readRequestBody,
  readRequestHeader,
  readResponseBody,
  readWatcherEvent,
  type Stat,
  Writer,
} from "../../src/protocol/index.js";

const stat: Stat = {
  czxid: 0x100000002,
  mzxid: 0x100000007,
  ctime: 1_700_000_000_123,
  mtime: 1_700_000_004_567,
  version: 3,
  cversion: -1,
  aversion: 2,
  ephemeralOwner: 0x1000012d9080000,
  dataLength: 5,
  numChildren: 7,
  pzxid: 0x100000009,
};

const acl = [
  { perms: 31, id: { scheme: "world", id: "anyone" } },
  { perms: 1, id: { scheme: "digest", id: "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=" } },
];

const data = Buffer.from("hello");

/** One sample body per request opcode, including null and empty variants. */
const requests: [string, number, RequestBody][] = [
  ["create", OpCode.create, { path: "/a", data, acl, flags: 0 }],
  ["create null data", OpCode.create, { path: "/a", data: null, acl, flags: 3 }],
  ["create null acl", OpCode.create, { path: "/a", data: Buffer.alloc(0), acl: null, flags: 1 }],
  ["create2", OpCode.create2, { path: "/b-", data, acl, flags: 2 }],
  ["createContainer", OpCode.createContainer, { path: "/c", data, acl, flags: 4 }],
  ["createTTL", OpCode.createTTL, { path: "/t", data, acl, flags: 5, ttl: 2 ** 40 - 1 }],
  ["delete", OpCode.delete, { path: "/a", version: -1 }],
  ["exists", OpCode.exists, { path: "/a", watch: true }],
  ["getData", OpCode.getData, { path: "/a", watch: false }],
  ["setData", OpCode.setData, { path: "/a", data, version: 4 }],
  ["getACL", OpCode.getACL, { path: "/a" }],
  ["setACL", OpCode.setACL, { path: "/a", acl, version: 0 }],
  ["getChildren", OpCode.getChildren, { path: "/", watch: true }],
  ["sync", OpCode.sync, { path: "/a" }],
  ["ping", OpCode.ping, null],
  ["getChildren2", OpCode.getChildren2, { path: "/", watch: false }],
  ["check", OpCode.check, { path: "/a", version: 9 }],
  [
    "multi",
    OpCode.multi,
    [
      { type: 1, request: { path: "/m", data, acl, flags: 0 } },
      { type: 15, request: { path: "/m2", data: null, acl, flags: 2 } },
      { type: 19, request: { path: "/m3", data, acl, flags: 4 } },
      { type: 21, request: { path: "/m4", data, acl, flags: 6, ttl: 1000 } },
      { type: 5, request: { path: "/m", data, version: -1 } },
      { type: 13, request: { path: "/m", version: 1 } },
      { type: 2, request: { path: "/m", version: -1 } },
    ],
  ],
  ["multi empty", OpCode.multi, []],
  [
    "multiRead",
    OpCode.multiRead,
    [
      { type: 4, request: { path: "/a", watch: false } },
      { type: 8, request: { path: "/", watch: false } },
    ],
  ],
  [
    "reconfig",
    OpCode.reconfig,
    {
      joiningServers: "server.4=127.0.0.1:2888:3888:participant;2181",
      leavingServers: null,
      newMembers: null,
      curConfigId: -1,
    },
  ],
  ["checkWatches", OpCode.checkWatches, { path: "/a", type: 3 }],
  ["removeWatches", OpCode.removeWatches, { path: "/a", type: 1 }],
  ["deleteContainer", OpCode.deleteContainer, { path: "/c" }],
  ["auth", OpCode.auth, { type: 0, scheme: "digest", auth: Buffer.from("alice:secret") }],
  [
    "setWatches",
    OpCode.setWatches,
    { relativeZxid: 0x500000001, dataWatches: ["/a", "/b"], existWatches: [], childWatches: ["/"] },
  ],
  ["sasl", OpCode.sasl, { token: Buffer.from([1, 2, 3]) }],
  ["sasl null", OpCode.sasl, { token: null }],
  ["getEphemerals", OpCode.getEphemerals, { prefixPath: "/e" }],
  ["getEphemerals null", OpCode.getEphemerals, { prefixPath: null }],
  ["getAllChildrenNumber", OpCode.getAllChildrenNumber, { path: "/" }],
  [
    "setWatches2",
    OpCode.setWatches2,
    {
      relativeZxid: 12,
      dataWatches: ["/d"],
      existWatches: ["/x"],
      childWatches: [],
      persistentWatches: ["/p"],
      persistentRecursiveWatches: ["/r", "/r2"],
    },
  ],
  ["addWatch", OpCode.addWatch, { path: "/w", mode: 1 }],
  ["whoAmI", OpCode.whoAmI, null],
  ["closeSession", OpCode.closeSession, null],
  ["unicode path", OpCode.getData, { path: "/ünï/코드/€", watch: true }],
];

/** One sample success body per opcode. */
const responses: [string, number, ResponseBody][] = [
  ["create", OpCode.create, { path: "/a0000000001" }],
  ["create2", OpCode.create2, { path: "/b", stat }],
  ["createContainer", OpCode.createContainer, { path: "/c", stat }],
  ["createTTL", OpCode.createTTL, { path: "/t", stat }],
  ["delete", OpCode.delete, null],
  ["exists", OpCode.exists, { stat }],
  ["getData", OpCode.getData, { data, stat }],
  ["getData null", OpCode.getData, { data: null, stat }],
  ["setData", OpCode.setData, { stat }],
  ["getACL", OpCode.getACL, { acl, stat }],
  ["setACL", OpCode.setACL, { stat }],
  ["getChildren", OpCode.getChildren, { children: ["a", "b", "zookeeper"] }],
  ["getChildren null", OpCode.getChildren, { children: null }],
  ["sync", OpCode.sync, { path: "/a" }],
  ["ping", OpCode.ping, null],
  ["getChildren2", OpCode.getChildren2, { children: [], stat }],
  [
    "multi ok",
    OpCode.multi,
    [
      { type: 1, response: { path: "/m" } },
      { type: 15, response: { path: "/m2", stat } },
      { type: 5, response: { stat } },
      { type: 13, response: null },
      { type: 2, response: null },
    ],
  ],
  [
    "multi failed",
    OpCode.multi,
    [
      { type: -1, err: 0 },
      { type: -1, err: -101 },
      { type: -1, err: -2 },
    ],
  ],
  [
    "multiRead",
    OpCode.multiRead,
    [
      { type: 4, response: { data, stat } },
      { type: 8, response: { children: ["x"] } },
      { type: -1, err: -101 },
    ],
  ],
  ["reconfig", OpCode.reconfig, { data: Buffer.from("server.1=a:1:2:participant"), stat }],
  ["checkWatches", OpCode.checkWatches, null],
  ["removeWatches", OpCode.removeWatches, null],
  ["auth", OpCode.auth, null],
  ["setWatches", OpCode.setWatches, null],
  ["sasl", OpCode.sasl, { token: null }],
  ["getEphemerals", OpCode.getEphemerals, { ephemerals: ["/e/1", "/e/2"] }],
  ["getAllChildrenNumber", OpCode.getAllChildrenNumber, { totalNumber: 3 }],
  ["setWatches2", OpCode.setWatches2, null],
  ["addWatch", OpCode.addWatch, { err: 0 }],
  [
    "whoAmI",
    OpCode.whoAmI,
    {
      clientInfo: [
        { authScheme: "ip", user: "127.0.0.1" },
        { authScheme: "digest", user: "alice" },
      ],
    },
  ],
  ["closeSession", OpCode.closeSession, null],
];

function body(frame: Buffer): Reader {
  const length = frame.readInt32BE(0);
  assert.equal(length, frame.length - 4, "frame length prefix");
  return new Reader().reset(frame, 4);
}

describe("request round trips", () => {
  const w = new Writer(16);
  for (const [name, type, request] of requests) {
    it(name, () => {
      assert.ok(isRequestOpcode(type));
      const frame = Buffer.from(encodeRequest(w, 7, type, request));
      const r = body(frame);
      assert.deepEqual(readRequestHeader(r), { xid: 7, type });
      const decoded = readRequestBody(r, type);
      assert.equal(r.remaining, 0, "body fully consumed");
      assert.deepStrictEqual(decoded, request);
      assert.deepEqual(encodeRequest(w, 7, type, decoded), frame);
    });
  }
});

describe("response round trips", () => {
  const w = new Writer(16);
  for (const [name, type, response] of responses) {
    it(name, () => {
      const frame = Buffer.from(encodeReply(w, 9, 0x300000004, 0, type, response));
      const r = body(frame);
      assert.deepEqual(readReplyHeader(r), { xid: 9, zxid: 0x300000004, err: 0 });
      const decoded = readResponseBody(r, type);
      assert.equal(r.remaining, 0, "body fully consumed");
      assert.deepStrictEqual(decoded, response);
      assert.deepEqual(encodeReply(w, 9, 0x300000004, 0, type, decoded), frame);
    });
  }

  it("a failed reply is the header alone, whatever the body", () => {
    const frame = encodeReply(w, 3, 5, -101, OpCode.getData, { data, stat });
    assert.equal(frame.length, 4 + 16);
    assert.deepEqual(Buffer.from(encodeReplyHeader(w, 3, 5, -101)), Buffer.from(frame));
  });

  it("notifications", () => {
    const event = { type: 3, state: 3, path: "/watched" };
    const frame = Buffer.from(encodeNotification(w, -1, event));
    const r = body(frame);
    assert.deepEqual(readReplyHeader(r), { xid: -1, zxid: -1, err: 0 });
    assert.deepStrictEqual(readWatcherEvent(r), event);
  });
});

describe("handshake dialects", () => {
  const w = new Writer();
  const passwd = Buffer.alloc(16, 0xab);
  const request: ConnectRequest = {
    protocolVersion: 0,
    lastZxidSeen: 0x200000011,
    timeOut: 30000,
    sessionId: -0x7edcba9876543211n,
    passwd,
    readOnly: false,
  };
  const response: ConnectResponse = {
    protocolVersion: 0,
    timeOut: 4000,
    sessionId: 0xff00000000000001n - 2n ** 64n,
    passwd,
    readOnly: true,
  };

  for (const readOnly of [false, true, undefined]) {
    it(`ConnectRequest with readOnly ${readOnly}`, () => {
      const req = { ...request, readOnly };
      const frame = Buffer.from(encodeConnectRequest(w, req));
      assert.equal(frame.length, 4 + (readOnly === undefined ? 44 : 45));
      const r = body(frame);
      assert.deepStrictEqual(readConnectRequest(r), req);
      assert.deepEqual(encodeConnectRequest(w, readConnectRequest(body(frame))), frame);
    });
    it(`ConnectResponse with readOnly ${readOnly}`, () => {
      const res = { ...response, readOnly };
      const frame = Buffer.from(encodeConnectResponse(w, res));
      assert.equal(frame.length, 4 + (readOnly === undefined ? 36 : 37));
      assert.deepStrictEqual(readConnectResponse(body(frame)), res);
    });
  }

  it("a 64-bit session id survives exactly, even beyond 2^53", () => {
    const sessionId = 0x7fffffffffffffffn;
    const frame = encodeConnectResponse(w, { ...response, sessionId });
    assert.equal(readConnectResponse(body(frame)).sessionId, sessionId);
  });
});

describe("known bytes", () => {
  it("getData('/a', no watch) with xid 5 is the frame of zookeeper-protocol.md §6", () => {
    const frame = encodeRequest(new Writer(), 5, OpCode.getData, { path: "/a", watch: false });
    assert.equal(Buffer.from(frame).toString("hex"), "0000000f000000050000000400000002" + "2f6100");
  });

  it("a Stat is 68 bytes and a reply header 16", () => {
    const frame = encodeReply(new Writer(), 1, 2, 0, OpCode.exists, { stat });
    assert.equal(frame.length, 4 + 16 + 68);
  });

  it("multi request framing: headers with err -1 and the {-1, true, -1} terminator", () => {
    const frame = encodeRequest(new Writer(), 1, OpCode.multi, [
      { type: 2, request: { path: "/x", version: -1 } },
    ]);
    assert.equal(
      Buffer.from(frame).toString("hex"),
      [
        "00000024", // length 36
        "00000001", // xid
        "0000000e", // multi
        "00000002",
        "00",
        "ffffffff", // MultiHeader {delete, false, -1}
        "00000002",
        "2f78",
        "ffffffff", // DeleteRequest {"/x", -1}
        "ffffffff",
        "01",
        "ffffffff", // terminator
      ].join(""),
    );
  });
});
